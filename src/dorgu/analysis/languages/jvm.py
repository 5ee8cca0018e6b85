"""Java and Kotlin analyser: Maven/Gradle builds, Spring Boot, Quarkus, Micronaut, Ktor, and the
lighter Javalin, Spark Java, Vert.x, Helidon and Dropwizard (``jvm_light``).

Builds are read by ``jvm_builds``, configuration by ``jvm_config``, routes by ``jvm_routes``,
backing services by ``jvm_deps`` and ports/probes by ``jvm_ops``; this module picks the
framework and assembles one ``LanguageReport``.  Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.jvm_actuator import spring_ops
from dorgu.analysis.languages.jvm_builds import (
    GRADLE_FILES,
    MAVEN_FILES,
    SETTINGS_FILES,
    BuildInfo,
    Coordinate,
    read_builds,
)
from dorgu.analysis.languages.jvm_config import CONFIG_NAME, JvmConfig, is_test_path, read_config
from dorgu.analysis.languages.jvm_deps import collect_dependencies
from dorgu.analysis.languages.jvm_light import LIGHT_FRAMEWORKS, scan_light
from dorgu.analysis.languages.jvm_listen import config_exprs, ktor_exprs
from dorgu.analysis.languages.jvm_ops import OpsFacts, micronaut_ops, quarkus_ops
from dorgu.analysis.languages.jvm_routes import extract_jvm_routes
from dorgu.analysis.routes import join_paths
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import EnvVar, Port, Route
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

MAX_ROUTES = 500
_BUILD_FILES = MAVEN_FILES | GRADLE_FILES | SETTINGS_FILES
_SOURCE_SUFFIXES = (".java", ".kt")
_FRAMEWORKS = (  # (name, coordinate-key prefix); first present wins
    ("quarkus", "io.quarkus"),
    ("micronaut", "io.micronaut"),
    ("spring-boot", "org.springframework.boot"),
    ("ktor", "io.ktor"),
    *LIGHT_FRAMEWORKS,
)
_WEB_ARTIFACTS = frozenset(
    {
        "spring-boot-starter-web",
        "spring-boot-starter-webflux",
        "spring-boot-starter-jersey",
        "quarkus-rest",
        "quarkus-resteasy",
        "quarkus-resteasy-reactive",
        "quarkus-rest-jackson",
        "quarkus-resteasy-reactive-jackson",
        "quarkus-resteasy-jackson",
        "micronaut-http-server-netty",
    }
)
_TEMPLATE_ARTIFACTS = frozenset(
    {
        "spring-boot-starter-thymeleaf",
        "spring-boot-starter-freemarker",
        "spring-boot-starter-mustache",
        "quarkus-qute",
        "quarkus-rest-qute",
        "quarkus-resteasy-reactive-qute",
        "micronaut-views-thymeleaf",
    }
)
_APPLICATION_PATH = LazyPattern(r'@ApplicationPath\(\s*"([^"]*)"')
_ROUTE_HINT = LazyPattern(
    r"Mapping\b|@Path\b|@(?:Get|Post|Put|Delete|Patch|Head|Options|GET|POST|PUT|DELETE|PATCH|HEAD)\b"
)
_KTOR_PORT = LazyPattern(r"\bembeddedServer\([^)\n]*?\bport\s*=\s*(\d{2,5})")


def _boot_version(coordinates: list[Coordinate]) -> str | None:
    for c in coordinates:
        if (
            c.key.startswith("org.springframework.boot")
            and c.version
            and c.role in ("parent", "plugin", "bom")
        ):
            return c.version
    return None


class JvmAnalyzer:
    name = "jvm"

    def wants(self, path: str) -> bool:
        base = posixpath.basename(path)
        return (
            base.endswith(_SOURCE_SUFFIXES)
            or base in _BUILD_FILES
            or CONFIG_NAME.match(base) is not None
            or base == "application.conf"
        )

    def detect(self, tree: SourceTree) -> bool:
        return any(
            posixpath.basename(p) in _BUILD_FILES or p.endswith(_SOURCE_SUFFIXES)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        builds_in: list[tuple[str, str]] = []
        configs_in: list[tuple[str, str]] = []
        sources: list[tuple[str, str]] = []
        hocon: list[tuple[str, str]] = []
        for path, text in tree.texts.items():
            base = posixpath.basename(path)
            if base in _BUILD_FILES:
                builds_in.append((path, text))
            elif CONFIG_NAME.match(base):
                configs_in.append((path, text))
            elif base == "application.conf" and not is_test_path(path):
                hocon.append((path, text))
            elif base.endswith(_SOURCE_SUFFIXES) and not is_test_path(path):
                sources.append((path, text))
        builds = read_builds(builds_in)
        config = read_config(configs_in)
        evidence: list[Evidence] = []
        language, language_evidence = _language(tree, builds)
        evidence.append(language_evidence)
        framework, anchor = _framework(builds.coordinates)
        if framework and anchor:
            evidence.append(
                Evidence(
                    field="framework",
                    value=framework,
                    rule=f"jvm.{framework}.build",
                    location=anchor.location,
                    confidence=0.95,
                )
            )
        ops = _ops(framework, anchor, builds, config)
        listen = config_exprs(config, framework)
        if framework == "ktor":
            listen += ktor_exprs(sorted(hocon))
        evidence += [
            Evidence(
                field="listen",
                value=e.text,
                rule=e.rule,
                location=e.location,
                confidence=e.confidence,
            )
            for e in listen
        ]
        ports = list(ops.ports)
        evidence += ops.evidence
        if framework == "ktor" and not ports:
            _ktor_port(sources, ports, evidence)
        routes = _routes(sources, framework, ops.route_prefix)
        light = scan_light(framework, anchor.location if anchor else None, sources, config)
        if not ports:
            ports += light.ports
        evidence += light.evidence
        routes += [r for r in light.routes if all(r.path != o.path for o in routes)]
        if routes:
            evidence.append(
                Evidence(
                    field="routes",
                    value=f"{len(routes)} routes",
                    rule=f"jvm.{framework or 'java'}.routes",
                    location=routes[0].location,
                    confidence=0.85,
                )
            )
        deps = collect_dependencies(builds.coordinates, config)
        evidence += deps.evidence
        build_tool = _build_tool(builds, evidence)
        if builds.java_version:
            evidence.append(
                Evidence(
                    field="language_version",
                    value=builds.java_version[0],
                    rule="jvm.java-version",
                    location=builds.java_version[1],
                )
            )
        extras = {}
        if builds.kotlin_version:
            extras["kotlin_version"] = builds.kotlin_version[0]
        if builds.tools and builds.tools[0][0].startswith("gradle"):
            extras["gradle_dsl"] = "kotlin" if builds.tools[0][0] == "gradle-kts" else "groovy"
        if builds.modules:
            extras["modules"] = ",".join(sorted(set(builds.modules)))
        return LanguageReport(
            language=language,
            framework=framework,
            language_version=builds.java_version[0] if builds.java_version else None,
            build_tool=build_tool,
            app_type=_app_type(builds.coordinates, routes, framework),
            ports=tuple(ports),
            endpoints=tuple(ops.endpoints) + tuple(light.endpoints),
            dependencies=deps.dependencies,
            routes=tuple(routes),
            env=tuple(EnvVar(name=n, location=loc) for n, loc in sorted(config.env_names.items())),
            evidence=tuple(evidence),
            listen=tuple(listen),
            diagnostics=tuple(builds.diagnostics + config.diagnostics),
            confidence=0.9 if builds.tools else 0.5 if sources else 0.2,
            extras=extras,
        )


def _language(tree: SourceTree, builds: BuildInfo) -> tuple[str, Evidence]:
    java = kotlin = 0
    first: dict[str, str] = {}
    for p in tree.paths:
        if p.endswith(".kt") and not is_test_path(p):
            kotlin += 1
            first.setdefault("kotlin", p)
        elif p.endswith(".java") and not is_test_path(p):
            java += 1
            first.setdefault("java", p)
    kotlin_plugin = next(
        (c for c in builds.coordinates if c.key.startswith("org.jetbrains.kotlin")), None
    )
    if kotlin > java or (kotlin == java == 0 and kotlin_plugin):
        where = (
            Location(file=first["kotlin"])
            if "kotlin" in first
            else (kotlin_plugin.location if kotlin_plugin else None)
        )
        return "kotlin", Evidence(
            field="language",
            value="kotlin",
            rule="jvm.language.sources",
            location=where,
            confidence=0.9,
        )
    where = Location(file=first["java"]) if "java" in first else None
    return "java", Evidence(
        field="language",
        value="java",
        rule="jvm.language.sources",
        location=where,
        confidence=0.9 if java else 0.6,
    )


def _framework(coordinates: list[Coordinate]) -> tuple[str | None, Coordinate | None]:
    for name, prefix in _FRAMEWORKS:
        hits = [c for c in coordinates if c.key.startswith(prefix) and c.role != "test"]
        if hits:
            return name, hits[0]
    return None, None


def _ops(
    framework: str | None, anchor: Coordinate | None, builds: BuildInfo, config: JvmConfig
) -> OpsFacts:
    where = anchor.location if anchor else Location(file="pom.xml")
    if framework == "spring-boot":
        return spring_ops(builds.coordinates, config, _boot_version(builds.coordinates))
    if framework == "quarkus":
        return quarkus_ops(builds.coordinates, config, where)
    if framework == "micronaut":
        return micronaut_ops(builds.coordinates, config, where)
    return OpsFacts()


def _ktor_port(sources: list[tuple[str, str]], ports: list[Port], evidence: list[Evidence]) -> None:
    for path, text in sources:
        match = _KTOR_PORT.search(text) if "embeddedServer" in text else None
        if match and 1 <= int(match.group(1)) <= 65535:
            where = Location(file=path, line=text.count("\n", 0, match.start()) + 1)
            ports.append(
                Port(number=int(match.group(1)), name="http", purpose="http", location=where)
            )
            evidence.append(
                Evidence(
                    field="port",
                    value=match.group(1),
                    rule="jvm.ktor.embedded-server",
                    location=where,
                    confidence=0.85,
                )
            )
            return


def _routes(sources: list[tuple[str, str]], framework: str | None, prefix: str) -> list[Route]:
    application_path = ""
    if framework == "quarkus":
        for _path, text in sources:
            match = _APPLICATION_PATH.search(text) if "@ApplicationPath" in text else None
            if match:
                application_path = match.group(1)
                break
    global_prefix = join_paths(prefix, application_path) if prefix or application_path else ""
    routes: dict[tuple[str, str], Route] = {}
    for path, text in sorted(sources):
        if not _ROUTE_HINT.search(text):
            continue
        for route in extract_jvm_routes(text, file=path, global_prefix=global_prefix):
            routes.setdefault((route.method, route.path), route)
            if len(routes) >= MAX_ROUTES:
                return list(routes.values())
    return list(routes.values())


def _build_tool(builds: BuildInfo, evidence: list[Evidence]) -> str | None:
    if not builds.tools:
        return None
    tool, location = builds.tools[0]
    name = "maven" if tool == "maven" else "gradle"
    evidence.append(
        Evidence(
            field="build_tool",
            value=name,
            rule=f"jvm.build.{tool}",
            location=location,
            confidence=0.95,
        )
    )
    return name


def _app_type(
    coordinates: list[Coordinate], routes: list[Route], framework: str | None = None
) -> str | None:
    artifacts = {c.artifact for c in coordinates if c.role == "dependency"}
    if artifacts & _TEMPLATE_ARTIFACTS:
        return "web"
    if artifacts & _WEB_ARTIFACTS or routes or framework in dict(LIGHT_FRAMEWORKS):
        return "api"
    return None


ANALYZER = JvmAnalyzer()
