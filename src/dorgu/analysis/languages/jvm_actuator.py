"""Spring Boot: server port, actuator health/probe groups and the Prometheus endpoint.

Actuator endpoints are reported only when ``spring-boot-starter-actuator`` is a dependency and
the exposure settings include them.  Probe groups (``/health/liveness``, ``/health/readiness``)
are reported with the rule that enables them: explicitly by
``management.endpoint.health.probes.enabled=true`` (high confidence), or automatically because
Spring Boot >= 2.3 turns them on when it runs on Kubernetes (lower confidence).
Must not: open files or read the environment.
"""

from __future__ import annotations

from dorgu.analysis.languages.jvm_builds import Coordinate
from dorgu.analysis.languages.jvm_config import JvmConfig
from dorgu.analysis.languages.jvm_ops import (
    OpsFacts,
    artifact,
    config_confidence,
    config_is,
    config_names,
    int_port,
)
from dorgu.analysis.routes import join_paths
from dorgu.models.app import EndpointKind


def spring_ops(
    coordinates: list[Coordinate], config: JvmConfig, boot_version: str | None
) -> OpsFacts:
    facts = OpsFacts()
    context = config.text("server.servlet.context-path", "spring.webflux.base-path")
    facts.route_prefix = context[0] if context else ""
    web = artifact(coordinates, "spring-boot-starter-web", "spring-boot-starter-webflux")
    server = int_port(config, "server.port")
    main_port: int | None = None
    if server:
        main_port = server[0]
        facts.port(
            main_port,
            server[1].location,
            "jvm.spring.server-port",
            "server.port",
            config_confidence(server[1]),
        )
    elif web:
        main_port = 8080
        facts.port(
            8080,
            web.location,
            "jvm.spring.default-port",
            f"Spring Boot default with {web.artifact}",
            0.6,
        )
    actuator = artifact(coordinates, "spring-boot-starter-actuator")
    if actuator is None:
        return facts
    management = int_port(config, "management.server.port")
    mgmt_port = management[0] if management and management[0] != main_port else None
    if management and mgmt_port:
        facts.port(
            mgmt_port,
            management[1].location,
            "jvm.spring.management-port",
            "management.server.port",
            config_confidence(management[1]),
            name="management",
            purpose="management",
        )
    if mgmt_port:
        mgmt_base = config.text(
            "management.server.base-path", "management.server.servlet.context-path"
        )
        prefix = mgmt_base[0] if mgmt_base else ""
    else:
        prefix = facts.route_prefix
    base_hit = config.text("management.endpoints.web.base-path")
    base = join_paths(prefix, base_hit[0] if base_hit else "/actuator")
    include = config_names(config, "management.endpoints.web.exposure.include") or {"health"}
    exclude = config_names(config, "management.endpoints.web.exposure.exclude")

    def exposed(name: str) -> bool:
        if (
            name in exclude
            or "*" in exclude
            or config_is(config, f"management.endpoint.{name}.enabled", "false")
        ):
            return False
        off_by_default = config_is(config, "management.endpoints.enabled-by-default", "false")
        if off_by_default and not config_is(config, f"management.endpoint.{name}.enabled", "true"):
            return False
        return name in include or "*" in include

    def mapped(name: str) -> str:
        hit = config.text(f"management.endpoints.web.path-mapping.{name}")
        return join_paths(base, hit[0] if hit else name)

    if exposed("health"):
        health = mapped("health")
        facts.endpoint(
            EndpointKind.HEALTH, health, mgmt_port, actuator.location, "jvm.spring.actuator", 0.85
        )
        flag = config_is(config, "management.endpoint.health.probes.enabled", "true") or config_is(
            config, "management.health.probes.enabled", "true"
        )
        off = config_is(config, "management.endpoint.health.probes.enabled", "false")
        old = boot_version is not None and _older_than(boot_version, (2, 3))
        if flag or not (off or old):
            rule = (
                "jvm.spring.actuator.probes" if flag else "jvm.spring.actuator.probes-on-kubernetes"
            )
            where = flag.location if flag else actuator.location
            confidence = 0.9 if flag else 0.7
            facts.endpoint(
                EndpointKind.LIVENESS,
                join_paths(health, "liveness"),
                mgmt_port,
                where,
                rule,
                confidence,
            )
            facts.endpoint(
                EndpointKind.READINESS,
                join_paths(health, "readiness"),
                mgmt_port,
                where,
                rule,
                confidence,
            )
            extra = config_is(
                config, "management.endpoint.health.probes.add-additional-paths", "true"
            )
            if extra:
                for kind, path in (
                    (EndpointKind.LIVENESS, "/livez"),
                    (EndpointKind.READINESS, "/readyz"),
                ):
                    facts.endpoint(
                        kind,
                        join_paths(facts.route_prefix, path),
                        None,
                        extra.location,
                        "jvm.spring.actuator.additional-paths",
                        0.85,
                    )
    registry = artifact(
        coordinates, "micrometer-registry-prometheus", "micrometer-registry-prometheus-simpleclient"
    )
    if registry and exposed("prometheus"):
        facts.endpoint(
            EndpointKind.METRICS,
            mapped("prometheus"),
            mgmt_port,
            registry.location,
            "jvm.spring.actuator.prometheus",
            0.85,
        )
    return facts


def _older_than(version: str, floor: tuple[int, int]) -> bool:
    parts = version.split(".")
    try:
        return (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0) < floor
    except ValueError:
        return False
