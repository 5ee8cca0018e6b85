"""Startup, readiness and liveness probes, kept distinct, never with a made-up path.

For each probe, the first that applies wins:
1. the ``health.<probe>`` setting (single-app projects): its path, port and timings;
2. an operational endpoint found in a real route or framework config: liveness uses the
   ``liveness`` endpoint (Spring ``/actuator/health/liveness``) else ``health``; readiness uses
   ``readiness`` else ``health``; startup uses ``startup`` else what liveness uses;
3. Kubernetes' native ``grpc`` probe when the component registers ``grpc.health.v1.Health``;
4. the Dockerfile / compose HEALTHCHECK: ``httpGet`` when it is a recognisable HTTP call,
   else ``exec`` with its command;
5. ``tcpSocket`` on the main port (the gRPC port when there is no HTTP port);
6. nothing (a component without ports or checks), with a diagnostic.

Startup absorbs slow starts (JVM: two minutes), so liveness needs no initial delay; readiness
probes often and fails fast; liveness probes less often and tolerates more failures.

Must not invent endpoints: paths come only from settings, endpoints or health checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorgu.generation.diagnosing import info, warning
from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan, PlannedPort
from dorgu.models.app import Endpoint, EndpointKind, HealthCheck
from dorgu.models.config import ProbeSection
from dorgu.models.evidence import Diagnostic

JVM_STARTUP_SECONDS = 120
DEFAULT_STARTUP_SECONDS = 60
_JVM = frozenset({"java", "kotlin", "scala", "clojure", "groovy"})


@dataclass(frozen=True)
class _Timing:
    period: int
    timeout: int
    failures: int
    delay: int = 0


def build_probes(plan: ComponentPlan) -> tuple[Manifest, tuple[Diagnostic, ...]]:
    """``{"startupProbe": ..., "readinessProbe": ..., "livenessProbe": ...}`` (some may be
    missing) and diagnostics."""
    component = plan.component
    health = plan.settings.health if plan.own_settings else None
    check = (
        component.healthcheck
        if component.healthcheck and not component.healthcheck.disabled
        else None
    )
    if check is not None and not check.test and check.http_path is None:
        check = None
    liveness_ep = _endpoint(plan, EndpointKind.LIVENESS, EndpointKind.HEALTH)
    readiness_ep = _endpoint(plan, EndpointKind.READINESS, EndpointKind.HEALTH)
    startup_ep = _endpoint(plan, EndpointKind.STARTUP) or liveness_ep
    handlers = {
        "liveness": _handler(plan, health.liveness if health else None, liveness_ep, check),
        "readiness": _handler(plan, health.readiness if health else None, readiness_ep, check),
        "startup": _handler(plan, health.startup if health else None, startup_ep, check),
    }
    diagnostics: list[Diagnostic] = []
    if all(h is None for h in handlers.values()):
        diagnostics.append(
            warning(
                "no-probes",
                f"{component.name}: no port, health endpoint or HEALTHCHECK is known, "
                "so no probes are generated (set health.liveness / health.readiness)",
            )
        )
        return {}, tuple(diagnostics)
    if "tcpSocket" in (handlers["liveness"] or {}) and plan.http_port is not None:
        diagnostics.append(
            info(
                "tcp-probes",
                f"{component.name}: no health endpoint was found, so probes only check "
                "that the port accepts connections (add a health route or set health.*)",
            )
        )
    jvm = (component.language or "").lower() in _JVM
    grace = DEFAULT_STARTUP_SECONDS if not jvm else JVM_STARTUP_SECONDS
    if check and check.start_period_seconds:
        grace = max(grace, int(check.start_period_seconds) * 2)
    timeout = (
        max(1, min(10, math.ceil(check.timeout_seconds))) if check and check.timeout_seconds else 3
    )
    interval = int(check.interval_seconds) if check and check.interval_seconds else 10
    timings = {
        "startup": _Timing(period=5, timeout=timeout, failures=max(6, math.ceil(grace / 5))),
        "readiness": _Timing(period=5, timeout=timeout, failures=3),
        "liveness": _Timing(
            period=max(10, min(60, interval)),
            timeout=timeout,
            failures=max(3, check.retries or 3) if check else 3,
        ),
    }
    probes: Manifest = {}
    for kind in ("startup", "readiness", "liveness"):
        handler = handlers[kind]
        if handler is None:
            continue
        configured = getattr(health, kind) if health else None
        probes[f"{kind}Probe"] = _probe(handler, timings[kind], configured)
    return probes, tuple(diagnostics)


def _endpoint(plan: ComponentPlan, *kinds: EndpointKind) -> Endpoint | None:
    for kind in kinds:
        for endpoint in plan.component.endpoints:
            if endpoint.kind is kind:
                return endpoint
    return None


def _port_ref(plan: ComponentPlan, number: int | None) -> str | int | None:
    """The container port's name when it is one of ours, else the number."""
    if number is not None:
        match = next((p for p in plan.ports if p.number == number and p.protocol == "TCP"), None)
        return match.name if match else number
    main = _main_port(plan)
    return main.name if main else None


def _main_port(plan: ComponentPlan) -> PlannedPort | None:
    return plan.http_port or next((p for p in plan.ports if p.protocol == "TCP"), None)


def _handler(
    plan: ComponentPlan,
    configured: ProbeSection | None,
    endpoint: Endpoint | None,
    check: HealthCheck | None,
) -> Manifest | None:
    if configured is not None and configured.path:
        port = _port_ref(plan, configured.port)
        if port is not None:
            return {"httpGet": {"path": configured.path, "port": port}}
    if endpoint is not None:
        port = _port_ref(plan, endpoint.port)
        if port is not None:
            return {"httpGet": {"path": endpoint.path, "port": port}}
    grpc = next((p for p in plan.ports if p.app_protocol == "grpc"), None)
    if grpc is not None and plan.component.grpc is not None and plan.component.grpc.health:
        return {"grpc": {"port": grpc.number}}  # the native probe takes a number, not a name
    if check is not None:
        if check.http_path:
            port = _port_ref(plan, check.http_port)
            if port is not None:
                return {"httpGet": {"path": check.http_path, "port": port}}
        if check.test:
            return {"exec": {"command": list(check.test)}}
    main = _main_port(plan)
    if main is not None:
        return {"tcpSocket": {"port": main.name}}
    return None


def _probe(handler: Manifest, timing: _Timing, configured: ProbeSection | None) -> Manifest:
    probe: Manifest = dict(handler)
    delay = timing.delay
    period = timing.period
    if configured is not None:
        delay = (
            configured.initial_delay_seconds
            if configured.initial_delay_seconds is not None
            else delay
        )
        period = configured.period_seconds or period
    if delay:
        probe["initialDelaySeconds"] = delay
    probe["periodSeconds"] = period
    probe["timeoutSeconds"] = min(timing.timeout, period)
    probe["failureThreshold"] = timing.failures
    probe["successThreshold"] = 1
    return probe
