"""The report accumulator shared by the source-code analysers.

``Findings`` de-duplicates and caps routes, dependencies and env vars, ranks port candidates,
records one ``Evidence`` per fact, and derives operational endpoints only from real GET/ANY
routes (``endpoint_kind``) or explicit framework mounts.  Also: URL helpers for backing services
and service-to-service calls.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.catalog import backing_for_kind
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.scanning import Text, valid_port
from dorgu.analysis.listening.expressions import ListenExpr
from dorgu.analysis.routes import HTTP_METHODS, normalize_path, path_params
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import (
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    EnvVar,
    Port,
    Route,
    RouteParam,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity
from dorgu.models.patterns import LazyPattern, Pattern

# --- URLs and operational endpoints -------------------------------------------------------

_SCHEME_KINDS = {
    "postgres": r"postgres(?:ql)?(?:\+\w+)?",
    "mysql": r"mysql(?:\+\w+)?",
    "mariadb": r"mariadb(?:\+\w+)?",
    "mongodb": r"mongodb(?:\+srv)?",
    "redis": r"rediss?",
    "rabbitmq": r"amqps?",
    "nats": r"nats",
    "sqlite": r"sqlite(?:\+\w+)?",
    "mssql": r"mssql(?:\+\w+)?",
}
URL_SCHEME = LazyPattern(
    "[\"'`](?:" + "|".join(f"(?P<{k}>{v})" for k, v in _SCHEME_KINDS.items()) + ")://"
)
"""A backing-service URL at the start of a string literal; ``lastgroup`` is the kind."""

_URL_HOST = LazyPattern(r"^https?://([A-Za-z0-9.-]{1,253})(?::\d{1,5})?(?:[/?#]|$)")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "example.com", "example.org"})


def host_of_url(url: str) -> tuple[str, bool] | None:
    """(host, in_cluster) for an absolute http(s) URL; in_cluster when the host has no dot."""
    match = _URL_HOST.match(url)
    if match is None:
        return None
    host = match.group(1).lower().strip(".")
    if not host or host in _LOCAL_HOSTS or host.endswith((".example.com", ".local", ".test")):
        return None
    return host, "." not in host or host.endswith((".svc", ".svc.cluster.local"))


_OPS_SEGMENT = LazyPattern(
    r"^(?:api|v\d+|internal|_|admin|system|sys|ops|management|monitoring|actuator|private|"
    r"public|service)$",
    re.IGNORECASE,
)
_L, _R, _S, _M, _H = (
    EndpointKind.LIVENESS,
    EndpointKind.READINESS,
    EndpointKind.STARTUP,
    EndpointKind.METRICS,
    EndpointKind.HEALTH,
)
_ENDPOINT_SUFFIXES: tuple[tuple[tuple[str, ...], EndpointKind], ...] = (
    (("health", "live"), _L),
    (("health", "liveness"), _L),
    (("healthz", "live"), _L),
    (("health", "ready"), _R),
    (("health", "readiness"), _R),
    (("healthz", "ready"), _R),
    (("health", "startup"), _S),
    (("livez",), _L),
    (("liveness",), _L),
    (("readyz",), _R),
    (("ready",), _R),
    (("readiness",), _R),
    (("startupz",), _S),
    (("metrics",), _M),
    (("health",), _H),
    (("healthz",), _H),
    (("healthcheck",), _H),
    (("health-check",), _H),
    (("health_check",), _H),
    (("_health",), _H),
    (("up",), _H),
    (("ping",), _H),
    (("status",), _H),
)


def endpoint_kind(path: str) -> EndpointKind | None:
    """The operational kind of a normalised route path, or None for ordinary routes."""
    if "{" in path:
        return None
    segments = [s for s in path.lower().split("/") if s]
    for suffix, kind in _ENDPOINT_SUFFIXES:
        size = len(suffix)
        if len(segments) >= size and tuple(segments[-size:]) == suffix:
            if all(_OPS_SEGMENT.match(s) for s in segments[:-size]):
                return kind
            return None
    return None


# --- the report accumulator -------------------------------------------------------------

MAX_ROUTES = 500
FILE_ROUTE_CAP = 2 * MAX_ROUTES  # route candidates one file may contribute before filtering
MAX_ENV = 300
MAX_DEPENDENCIES = 100
MAX_LISTEN = 32
_ROUTE_METHODS = frozenset((*HTTP_METHODS, "ANY"))
_ENV_NAME = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class Findings:
    """Facts one analyser collected, each with evidence; ``report`` freezes them.

    Routes, dependencies and env vars are de-duplicated (first wins) and capped; ports keep the
    most credible HTTP candidate plus one port per other purpose (metrics, grpc).  Operational
    endpoints come from real GET/ANY routes (see ``endpoint_kind``) or explicit ``endpoint`` calls.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.evidence: list[Evidence] = []
        self.diagnostics: list[Diagnostic] = []
        self._routes: dict[tuple[str, str], tuple[Route, str]] = {}
        self._routes_dropped = 0
        self._ports: list[tuple[float, int, Port, str]] = []
        self._endpoints: dict[tuple[EndpointKind, str], tuple[Endpoint, str, float]] = {}
        self._dependencies: dict[str, Dependency] = {}
        self._env: dict[str, EnvVar] = {}
        self._listen: dict[tuple[str, str, str], ListenExpr] = {}

    def fact(
        self, field: str, value: str, rule: str, location: Location | None, confidence: float = 0.9
    ) -> None:
        self.evidence.append(
            Evidence(
                field=field, value=value[:300], rule=rule, location=location, confidence=confidence
            )
        )

    def diagnose(
        self,
        code: str,
        message: str,
        location: Location | None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(severity=severity, code=code, message=message[:500], location=location)
        )

    # routes and endpoints

    @property
    def route_count(self) -> int:
        """How many distinct routes were recorded (dropped ones over the cap not included)."""
        return len(self._routes)

    def route(
        self,
        method: str,
        path: str,
        location: Location | None,
        rule: str,
        *,
        query: tuple[RouteParam, ...] = (),
        confidence: float = 0.9,
    ) -> None:
        method = method.upper()
        if method not in _ROUTE_METHODS or len(path) > 500:
            return
        normalized = normalize_path(path)
        key = (method, normalized)
        if key in self._routes:
            return
        if len(self._routes) >= MAX_ROUTES:
            self._routes_dropped += 1
            return
        typed = {q.name: q.type for q in query if q.type}
        params = tuple(
            p.model_copy(update={"type": typed[p.name]}) if p.name in typed else p
            for p in path_params(normalized)
        )
        names = {p.name for p in params}
        extra = tuple(q for q in query if q.name not in names and q.location != "path")
        route = Route(method=method, path=normalized, params=params + extra, location=location)
        self._routes[key] = (route, rule)
        self.fact("routes", f"{method} {normalized}", rule, location, confidence)

    def refine_any_route(self, path: str) -> None:
        """Forget an ``ANY`` route once a framework-specific scan knows its real methods."""
        normalized = normalize_path(path)
        if self._routes.pop(("ANY", normalized), None) is not None:
            value = f"ANY {normalized}"
            self.evidence = [
                e for e in self.evidence if not (e.field == "routes" and e.value == value)
            ]

    def endpoint(
        self,
        kind: EndpointKind,
        path: str,
        location: Location | None,
        rule: str,
        *,
        port: int | None = None,
        confidence: float = 0.85,
    ) -> None:
        normalized = normalize_path(path)
        if (kind, normalized) not in self._endpoints:
            endpoint = Endpoint(kind=kind, path=normalized, port=port, location=location)
            self._endpoints[(kind, normalized)] = (endpoint, rule, confidence)

    def route_overflow(self) -> None:
        """Record that routes were left unread because the cap was reached."""
        self._routes_dropped += 1

    @property
    def routes_full(self) -> bool:
        """True once the route cap is reached: callers may stop looking for more."""
        return len(self._routes) >= MAX_ROUTES

    # ports, dependencies, env

    def port(
        self,
        number: int | str,
        location: Location | None,
        rule: str,
        confidence: float,
        purpose: str = "http",
    ) -> None:
        value = valid_port(number)
        if value is not None:
            port = Port(number=value, name=purpose, purpose=purpose, location=location)
            self._ports.append((confidence, len(self._ports), port, rule))

    def listen(self, expr: ListenExpr) -> None:
        """A port expression that reads the environment (kept for evaluation, with evidence)."""
        if not expr.reads_environment or len(self._listen) >= MAX_LISTEN:
            return
        key = (expr.purpose, str(expr.location), "")
        if key not in self._listen:
            self._listen[key] = expr
            field = "listen" if expr.purpose == "http" else f"listen.{expr.purpose}"
            self.fact(field, expr.text, expr.rule, expr.location, expr.confidence)

    def dependency(
        self,
        kind: str | None,
        location: Location | None,
        rule: str,
        *,
        via: str,
        confidence: float = 0.8,
        name: str | None = None,
        dep_type: DependencyType | None = None,
    ) -> None:
        name = name or kind
        if not name or name in self._dependencies or len(self._dependencies) >= MAX_DEPENDENCIES:
            return
        backing = backing_for_kind(kind) if kind else None
        resolved = dep_type or (backing.type if backing else DependencyType.EXTERNAL)
        self._dependencies[name] = Dependency(
            name=name, type=resolved, kind=kind, via=via, location=location
        )
        self.fact(f"dependencies.{name}", kind or name, rule, location, confidence)

    def has_dependency(self, name: str) -> bool:
        return name in self._dependencies

    def service_url(self, url: str, location: Location | None, rule: str) -> None:
        """An HTTP client call to an absolute URL: in-cluster host -> service, else external."""
        found = host_of_url(url)
        if found is not None:
            host, in_cluster = found
            dep_type = DependencyType.SERVICE if in_cluster else DependencyType.EXTERNAL
            self.dependency(
                None, location, rule, via="http", name=host, dep_type=dep_type, confidence=0.6
            )

    def url_schemes(self, text: Text, rule: str) -> None:
        """Backing services named by connection-URL literals (``"postgresql://..."``)."""
        for match in URL_SCHEME.finditer(text.code) if "://" in text.code else ():
            if match.lastgroup:
                self.dependency(
                    match.lastgroup, text.loc(match.start()), rule, via="url", confidence=0.7
                )

    def env(self, name: str, location: Location | None, rule: str) -> None:
        if not _ENV_NAME.match(name) or name in self._env or len(self._env) >= MAX_ENV:
            return
        self._env[name] = EnvVar(name=name, secret=looks_secret(name), location=location)
        self.fact(f"env.{name}", name, rule, location, 0.8)

    def env_names(self, text: Text, pattern: Pattern, rule: str) -> None:
        """Every env var name the first non-empty group of ``pattern`` captures in ``text``."""
        for match in pattern.finditer(text.code):
            name = next((g for g in match.groups() if g), None)
            if name:
                self.env(name, text.loc(match.start()), rule)

    # freezing

    def _chosen_ports(self) -> tuple[Port, ...]:
        ranked = sorted(self._ports, key=lambda p: (-p[0], p[1]))
        chosen: list[Port] = []
        purposes: set[str] = set()
        numbers: set[int] = set()
        for confidence, _, port, rule in ranked:
            purpose = port.purpose or "http"
            if purpose in purposes or port.number in numbers:
                continue
            purposes.add(purpose)
            numbers.add(port.number)
            chosen.append(port)
            field = "port" if purpose == "http" else f"ports.{purpose}"
            self.fact(field, str(port.number), rule, port.location, confidence)
        chosen.sort(key=lambda p: p.purpose != "http")
        return tuple(chosen)

    def _all_endpoints(self) -> tuple[Endpoint, ...]:
        for route, rule in self._routes.values():
            kind = endpoint_kind(route.path) if route.method in ("GET", "ANY") else None
            if kind is not None:
                self.endpoint(kind, route.path, route.location, rule)
        ordered = sorted(
            self._endpoints.values(),
            key=lambda e: (list(EndpointKind).index(e[0].kind), len(e[0].path), e[0].path),
        )
        for endpoint, rule, confidence in ordered:
            field = f"endpoints.{endpoint.kind.value}"
            self.fact(field, endpoint.path, rule, endpoint.location, confidence)
        return tuple(e[0] for e in ordered)

    def report(
        self,
        *,
        confidence: float,
        language: str | None = None,
        framework: str | None = None,
        language_version: str | None = None,
        build_tool: str | None = None,
        app_type: str | None = None,
        extras: dict[str, str] | None = None,
    ) -> LanguageReport:
        if self._routes_dropped:
            self.diagnose(
                f"{self.language}.routes.truncated",
                f"kept the first {MAX_ROUTES} routes; the others were ignored",
                None,
                Severity.INFO,
            )
        ports = self._chosen_ports()
        endpoints = self._all_endpoints()
        routes = tuple(
            r for r, _ in sorted(self._routes.values(), key=lambda r: (r[0].path, r[0].method))
        )
        return LanguageReport(
            language=language or self.language,
            framework=framework,
            language_version=language_version,
            build_tool=build_tool,
            app_type=app_type,
            ports=ports,
            endpoints=endpoints,
            dependencies=tuple(self._dependencies.values()),
            routes=routes,
            env=tuple(self._env.values()),
            evidence=tuple(self.evidence),
            diagnostics=tuple(self.diagnostics),
            confidence=max(0.0, min(1.0, confidence)),
            extras=dict(sorted((extras or {}).items())),
            listen=tuple(self._listen.values()),
        )
