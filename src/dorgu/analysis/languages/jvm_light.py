"""The lighter JVM web frameworks: Javalin, Spark Java, Vert.x, Helidon and Dropwizard.

Ports: ``Javalin.create().start(7070)`` (default 8080), Spark ``port(4567)`` (default 4567),
Vert.x ``createHttpServer()...listen(8888)``, Helidon ``server.port`` in application.yaml
(default 8080), Dropwizard's application and admin connectors (defaults 8080 and 8081, with the
admin ``/healthcheck``).  Routes: Javalin ``app.get("/x", ...)``, Spark ``get("/x", ...)``,
Vert.x ``router.get("/x")``, Helidon SE ``.get("/x", ...)`` (Helidon MP and Dropwizard use
JAX-RS, which ``jvm_routes`` reads).

Must not: open files or raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.analysis.languages.jvm_config import JvmConfig
from dorgu.analysis.languages.scanning import mask_comments
from dorgu.analysis.routes import normalize_path
from dorgu.models.app import Endpoint, EndpointKind, Port, Route
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

LIGHT_FRAMEWORKS = (
    ("dropwizard", "io.dropwizard"),
    ("helidon", "io.helidon"),
    ("javalin", "io.javalin"),
    ("sparkjava", "com.sparkjava"),
    ("vertx", "io.vertx"),
)
DEFAULT_PORTS = {"javalin": 8080, "sparkjava": 4567, "helidon": 8080, "dropwizard": 8080}
DROPWIZARD_ADMIN_PORT = 8081
MAX_ROUTES = 500
_PORTS = {
    "javalin": LazyPattern(r"\.start\(\s*(\d{2,5})\s*\)"),
    "sparkjava": LazyPattern(r"(?<![\w.])(?:Spark\.)?port\(\s*(\d{2,5})\s*\)"),
    "vertx": LazyPattern(r"\.listen\(\s*(\d{2,5})\b"),
    "helidon": LazyPattern(r"\.port\(\s*(\d{2,5})\s*\)"),
}
_VERBS = "get|post|put|patch|delete|head|options"
_ROUTES = {
    "javalin": LazyPattern(rf"\b\w+\s*\.\s*({_VERBS})\(\s*\"([^\"\n]{{0,300}})\"\s*,"),
    "sparkjava": LazyPattern(rf"(?<![\w.])(?:Spark\.)?({_VERBS})\(\s*\"([^\"\n]{{0,300}})\"\s*,"),
    "vertx": LazyPattern(rf"\brouter\s*\.\s*({_VERBS})\(\s*\"([^\"\n]{{0,300}})\"\s*\)"),
    "helidon": LazyPattern(rf"\.\s*({_VERBS})\(\s*\"([^\"\n]{{0,300}})\"\s*,"),
}
_ANGLE = LazyPattern(r"<([A-Za-z_]\w*)>")


@dataclass
class LightFacts:
    ports: list[Port] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _port(facts: LightFacts, number: int, where: Location | None, rule: str, confidence: float,
          name: str = "http") -> None:  # fmt: skip
    if 1 <= number <= 65535 and all(p.number != number for p in facts.ports):
        facts.ports.append(Port(number=number, name=name, purpose="http", location=where))
        field_name = "port" if name == "http" else f"ports.{name}"
        facts.evidence.append(
            Evidence(
                field=field_name, value=str(number), rule=rule, location=where,
                confidence=confidence,
            )
        )  # fmt: skip


def _code_ports(framework: str, sources: list[tuple[str, str]], facts: LightFacts) -> None:
    pattern = _PORTS.get(framework)
    for path, raw in sources if pattern else ():
        code = mask_comments(raw, "js")
        match = pattern.search(code) if pattern else None
        if match:
            where = Location(file=path, line=_line(code, match.start()))
            _port(facts, int(match.group(1)), where, f"jvm.{framework}.port", 0.85)
            return


def _routes(framework: str, sources: list[tuple[str, str]], facts: LightFacts) -> None:
    pattern = _ROUTES.get(framework)
    seen: set[tuple[str, str]] = set()
    for path, raw in sorted(sources) if pattern else ():
        code = mask_comments(raw, "js")
        for match in pattern.finditer(code) if pattern else ():
            if not match.group(2).startswith("/") and match.group(2) != "":
                continue
            method = match.group(1).upper()
            route_path = normalize_path(_ANGLE.sub(r"{\1}", match.group(2)))
            if (method, route_path) in seen or len(seen) >= MAX_ROUTES:
                continue
            seen.add((method, route_path))
            where = Location(file=path, line=_line(code, match.start()))
            facts.routes.append(Route(method=method, path=route_path, location=where))


def scan_light(
    framework: str | None,
    anchor: Location | None,
    sources: list[tuple[str, str]],
    config: JvmConfig,
) -> LightFacts:
    """Ports, routes and endpoints of a Javalin/Spark/Vert.x/Helidon/Dropwizard app."""
    facts = LightFacts()
    if framework not in dict(LIGHT_FRAMEWORKS):
        return facts
    configured = config.get("server.port") if framework == "helidon" else None
    if configured is not None and configured.value.isdecimal():
        _port(facts, int(configured.value), configured.location, "jvm.helidon.server-port", 0.9)
    _code_ports(framework, sources, facts)
    if not facts.ports and framework in DEFAULT_PORTS:
        rule = f"jvm.{framework}.default-port"
        _port(facts, DEFAULT_PORTS[framework], anchor, rule, 0.5)
    if framework == "dropwizard":
        _port(facts, DROPWIZARD_ADMIN_PORT, anchor, "jvm.dropwizard.admin-port", 0.5, "admin")
        facts.endpoints.append(
            Endpoint(
                kind=EndpointKind.HEALTH,
                path="/healthcheck",
                port=DROPWIZARD_ADMIN_PORT,
                location=anchor,
            )
        )
        facts.evidence.append(
            Evidence(
                field="endpoints.health",
                value="/healthcheck",
                rule="jvm.dropwizard.admin-healthcheck",
                location=anchor,
                confidence=0.7,
            )
        )
    _routes(framework, sources, facts)
    return facts
