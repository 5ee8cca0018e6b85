"""Ports and operational endpoints of Quarkus and Micronaut apps, and the shared ``OpsFacts``.

Each endpoint is reported only when its module is on the build (actuator, smallrye-health,
micronaut-management, a Prometheus registry) and the configuration does not switch it off.
Framework defaults (port 8080, probe groups on Kubernetes) carry lower confidence and say so.
Must not: open files or read the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.analysis.languages.jvm_builds import Coordinate
from dorgu.analysis.languages.jvm_config import ConfigValue, JvmConfig
from dorgu.analysis.routes import join_paths
from dorgu.models.app import Endpoint, EndpointKind, Port
from dorgu.models.evidence import Evidence, Location


@dataclass
class OpsFacts:
    ports: list[Port] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    route_prefix: str = ""

    def port(
        self,
        number: int,
        location: Location | None,
        rule: str,
        why: str,
        confidence: float,
        *,
        name: str = "http",
        purpose: str = "http",
    ) -> None:
        if any(p.number == number for p in self.ports):
            return
        self.ports.append(Port(number=number, name=name, purpose=purpose, location=location))
        self.evidence.append(
            Evidence(
                field="port" if name == "http" else f"ports.{name}",
                value=f"{number} ({why})",
                rule=rule,
                location=location,
                confidence=confidence,
            )
        )

    def endpoint(
        self,
        kind: EndpointKind,
        path: str,
        port: int | None,
        location: Location | None,
        rule: str,
        confidence: float,
    ) -> None:
        self.endpoints.append(Endpoint(kind=kind, path=path, port=port, location=location))
        self.evidence.append(
            Evidence(
                field=f"endpoints.{kind.value}",
                value=path,
                rule=rule,
                location=location,
                confidence=confidence,
            )
        )


def artifact(coordinates: list[Coordinate], *names: str) -> Coordinate | None:
    return next((c for c in coordinates if c.role == "dependency" and c.artifact in names), None)


def int_port(config: JvmConfig, *keys: str) -> tuple[int, ConfigValue] | None:
    hit = config.text(*keys)
    if hit is None:
        return None
    value, item = hit
    if not value.isdecimal() or not 1 <= int(value) <= 65535:
        return None
    return int(value), item


def config_confidence(item: ConfigValue) -> float:
    return 0.9 if item.profile is None else 0.75


def config_names(config: JvmConfig, key: str) -> set[str]:
    raw = [config.resolve(config.get(key)) or ""]
    raw += [config.resolve(config.get(f"{key}[{i}]")) or "" for i in range(20)]
    return {n.strip() for value in raw for n in value.split(",") if n.strip()}


def config_is(config: JvmConfig, key: str, value: str) -> ConfigValue | None:
    item = config.get(key)
    return item if item is not None and (config.resolve(item) or "").lower() == value else None


def quarkus_ops(coordinates: list[Coordinate], config: JvmConfig, anchor: Location) -> OpsFacts:
    facts = OpsFacts()
    root_hit = config.text("quarkus.http.root-path")
    root = root_hit[0] if root_hit else "/"
    rest = config.text(
        "quarkus.rest.path", "quarkus.resteasy-reactive.path", "quarkus.resteasy.path"
    )
    facts.route_prefix = join_paths(root, rest[0] if rest else "")
    server = int_port(config, "quarkus.http.port")
    if server:
        facts.port(
            server[0],
            server[1].location,
            "jvm.quarkus.http-port",
            "quarkus.http.port",
            config_confidence(server[1]),
        )
    else:
        facts.port(8080, anchor, "jvm.quarkus.default-port", "Quarkus default HTTP port", 0.6)
    mgmt_port: int | None = None
    managed = config_is(config, "quarkus.management.enabled", "true")
    if managed:
        hit = int_port(config, "quarkus.management.port")
        mgmt_port = hit[0] if hit else 9000
        facts.port(
            mgmt_port,
            managed.location,
            "jvm.quarkus.management-port",
            "quarkus.management",
            0.85,
            name="management",
            purpose="management",
        )
        mgmt_root = config.text("quarkus.management.root-path")
        base = join_paths(mgmt_root[0] if mgmt_root else "/q")
    else:
        non_app = config.text("quarkus.http.non-application-root-path")
        value = non_app[0] if non_app else "q"
        base = join_paths(value) if value.startswith("/") else join_paths(root, value)
    health = artifact(coordinates, "quarkus-smallrye-health")
    if health:
        root_path = config.text("quarkus.smallrye-health.root-path")
        health_path = join_paths(base, root_path[0] if root_path else "health")
        for kind, key, default in (
            (EndpointKind.HEALTH, "", ""),
            (EndpointKind.LIVENESS, "liveness-path", "live"),
            (EndpointKind.READINESS, "readiness-path", "ready"),
            (EndpointKind.STARTUP, "startup-path", "started"),
        ):
            custom = config.text(f"quarkus.smallrye-health.{key}") if key else None
            path = join_paths(health_path, custom[0] if custom else default)
            facts.endpoint(
                kind, path, mgmt_port, health.location, "jvm.quarkus.smallrye-health", 0.85
            )
    metrics = artifact(
        coordinates, "quarkus-micrometer-registry-prometheus", "quarkus-smallrye-metrics"
    )
    if metrics:
        custom = config.text("quarkus.micrometer.export.prometheus.path")
        facts.endpoint(
            EndpointKind.METRICS,
            join_paths(base, custom[0] if custom else "metrics"),
            mgmt_port,
            metrics.location,
            "jvm.quarkus.metrics",
            0.85,
        )
    return facts


def micronaut_ops(coordinates: list[Coordinate], config: JvmConfig, anchor: Location) -> OpsFacts:
    facts = OpsFacts()
    context = config.text("micronaut.server.context-path")
    facts.route_prefix = context[0] if context else ""
    server = int_port(config, "micronaut.server.port")
    if server:
        facts.port(
            server[0],
            server[1].location,
            "jvm.micronaut.server-port",
            "micronaut.server.port",
            config_confidence(server[1]),
        )
    elif artifact(coordinates, "micronaut-http-server-netty", "micronaut-http-server"):
        facts.port(8080, anchor, "jvm.micronaut.default-port", "Micronaut default HTTP port", 0.6)
    management = artifact(coordinates, "micronaut-management")
    endpoints_port = int_port(config, "endpoints.all.port")
    mgmt_port = endpoints_port[0] if endpoints_port else None
    if endpoints_port:
        facts.port(
            endpoints_port[0],
            endpoints_port[1].location,
            "jvm.micronaut.endpoints-port",
            "endpoints.all.port",
            0.85,
            name="management",
            purpose="management",
        )
    if management and not config_is(config, "endpoints.health.enabled", "false"):
        prefix = "" if mgmt_port else facts.route_prefix
        health = join_paths(prefix, "health")
        facts.endpoint(
            EndpointKind.HEALTH,
            health,
            mgmt_port,
            management.location,
            "jvm.micronaut.management",
            0.85,
        )
        for kind, sub in (
            (EndpointKind.LIVENESS, "liveness"),
            (EndpointKind.READINESS, "readiness"),
        ):
            facts.endpoint(
                kind,
                join_paths(health, sub),
                mgmt_port,
                management.location,
                "jvm.micronaut.management.probes",
                0.75,
            )
    registry = artifact(coordinates, "micronaut-micrometer-registry-prometheus")
    if registry and not config_is(config, "endpoints.prometheus.enabled", "false"):
        prefix = "" if mgmt_port else facts.route_prefix
        facts.endpoint(
            EndpointKind.METRICS,
            join_paths(prefix, "prometheus"),
            mgmt_port,
            registry.location,
            "jvm.micronaut.prometheus",
            0.75,
        )
    return facts
