"""Persona rules: the workload agrees with its ApplicationPersona (the seed's operator
validation rules: resource-bounds, replica-range, health-probes, security-context,
dependency-ready, plus ports).

They run only when the target has a persona, and each only when the persona has the section
it needs (a persona without ``scaling`` states no replica range).  They judge the *main*
container: the one named like the persona, else the first app container, so sidecars a mesh
injects before admission are not held to the app's bounds.  Messages name the persona field
and its value.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.objects import Container, as_int, as_list, as_map
from dorgu.rules.resources import RESOURCE_NAMES, amounts, quantity
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation


def main_container(target: Target) -> Container | None:
    containers = target.workload.app_containers
    if not containers:
        return None
    wanted = {target.persona.name if target.persona else None, target.workload.name}
    return next((c for c in containers if c.name in wanted), containers[0])


def _limits_for(target: Target, name: str) -> tuple[str | None, str | None, str]:
    """``(min, max, persona field of max)`` that bound resource ``name``."""
    resources = target.persona.resources if target.persona else None
    if resources is None:
        return None, None, ""
    bound = getattr(resources.bounds, name, None) if resources.bounds else None
    if bound is not None and (bound.min or bound.max):
        return bound.min, bound.max, f"resources.bounds.{name}.max"
    limit = getattr(resources.limits, name, None) if resources.limits else None
    return None, limit, f"resources.limits.{name}"


def check_resource_bounds(target: Target) -> Iterator[Violation]:
    container = main_container(target)
    if container is None or target.persona is None:
        return
    for name in RESOURCE_NAMES:
        low, high, field = _limits_for(target, name)
        low_value, high_value = quantity(low), quantity(high)
        for section in ("requests", "limits"):
            given = amounts(container, section).get(name)
            value = quantity(given)
            if value is None:
                continue
            what = f"{name} {section[:-1]} {given}"
            if high_value is not None and value > high_value:
                yield Violation(
                    container.at("resources", section, name),
                    f"{what} is above the persona's bound {high} ({field})",
                    f"lower {section}.{name} to at most {high}, or raise {field} in the persona",
                    container=container.name,
                )
            elif section == "requests" and low_value is not None and value < low_value:
                yield Violation(
                    container.at("resources", section, name),
                    f"{what} is below the persona's bound {low} (resources.bounds.{name}.min)",
                    f"raise requests.{name} to at least {low}, or lower the persona's bound",
                    container=container.name,
                )


def check_replica_range(target: Target) -> Iterator[Violation]:
    scaling = target.persona.scaling if target.persona else None
    bounds = target.replica_range()
    if scaling is None or bounds is None:
        return
    low, high = scaling.min_replicas, scaling.max_replicas
    hpa = target.autoscaler
    if hpa is not None:
        spec = as_map(hpa.get("spec"))
        if low is not None and bounds[0] < low:
            yield Violation(
                ("spec", "minReplicas"),
                f"HPA minReplicas {bounds[0]} is below the persona's scaling.minReplicas {low}",
                f"set the HPA's minReplicas to at least {low}",
                subject=hpa,
            )
        if high is not None and as_int(spec.get("maxReplicas")) is not None and bounds[1] > high:
            yield Violation(
                ("spec", "maxReplicas"),
                f"HPA maxReplicas {bounds[1]} is above the persona's scaling.maxReplicas {high}",
                f"set the HPA's maxReplicas to at most {high}",
                subject=hpa,
            )
        return
    replicas = bounds[0]
    if (low is not None and replicas < low) or (high is not None and replicas > high):
        shown = f"{low if low is not None else 0}..{high if high is not None else 'any'}"
        yield Violation(
            ("spec", "replicas"),
            f"replicas {replicas} is outside the persona's scaling range {shown} "
            "(scaling.minReplicas..scaling.maxReplicas)",
            f"set spec.replicas within {shown}, or add an HPA with that range",
        )


def _probe_mismatch(container: Container, probe: str, path: str, port: int | None) -> str | None:
    spec = container.data.get(probe)
    if not isinstance(spec, dict):
        return f"has no {probe}"
    http = as_map(spec.get("httpGet"))
    if not http:
        handler = next((k for k in ("tcpSocket", "exec", "grpc") if k in spec), "no handler")
        return f"{probe} uses {handler}, not an HTTP GET of {path}"
    if http.get("path") != path:
        return f"{probe} checks {http.get('path')!r}, not {path}"
    given = http.get("port")
    if isinstance(given, str):
        declared = (as_map(p) for p in as_list(container.data.get("ports")))
        given = next((p.get("containerPort") for p in declared if p.get("name") == given), given)
    if port is not None and given != port:
        return f"{probe} checks port {given}, not the persona's health.port {port}"
    return None


def check_health_probes(target: Target) -> Iterator[Violation]:
    health = target.persona.health if target.persona else None
    container = main_container(target)
    if health is None or container is None or not target.workload.long_running:
        return
    for field, path, probe in (
        ("livenessPath", health.liveness_path, "livenessProbe"),
        ("readinessPath", health.readiness_path, "readinessProbe"),
        ("startupPath", health.startup_path, "startupProbe"),
    ):
        if path is None:
            continue
        problem = _probe_mismatch(container, probe, path, health.port)
        if problem is not None:
            yield Violation(
                container.at(probe),
                f"{problem} (persona health.{field}: {path})",
                f"set {probe}.httpGet.path to {path}"
                + (f" on port {health.port}" if health.port else ""),
                container=container.name,
            )


def check_security_context(target: Target) -> Iterator[Violation]:
    policies = target.persona.policies if target.persona else None
    policy = policies.security if policies else None
    container = main_container(target)
    if policy is None or container is None:
        return
    pod = as_map(target.workload.pod.get("securityContext"))
    own = container.security_context

    def effective(key: str) -> object:
        return own[key] if key in own else pod.get(key)

    user = as_int(effective("runAsUser"))
    checks = (
        (policy.run_as_non_root and effective("runAsNonRoot") is not True and not (user or 0) > 0,
         "runAsNonRoot", "may run as root", "policies.security.runAsNonRoot: true"),
        (policy.read_only_root_filesystem and own.get("readOnlyRootFilesystem") is not True,
         "readOnlyRootFilesystem", "has a writable root filesystem",
         "policies.security.readOnlyRootFilesystem: true"),
        (not policy.allow_privilege_escalation and own.get("allowPrivilegeEscalation") is not False,
         "allowPrivilegeEscalation", "allows privilege escalation",
         "policies.security.allowPrivilegeEscalation: false"),
        (policy.run_as_user is not None and user != policy.run_as_user,
         "runAsUser", f"runs as uid {user if user is not None else '(image default)'}",
         f"policies.security.runAsUser: {policy.run_as_user}"),
    )  # fmt: skip
    for failed, key, what, rule in checks:
        if failed:
            value = rule.rsplit(": ", 1)[1]
            yield Violation(
                container.at("securityContext", key),
                f"the container {what}; the persona requires {rule}",
                f"set securityContext.{key}: {value}",
                container=container.name,
            )


def check_dependencies(target: Target) -> Iterator[Violation]:
    if target.persona is None or target.known_services is None:
        return
    for dependency in target.persona.dependencies:
        if not dependency.required or dependency.external:
            continue
        name = dependency.name
        if not any(s == name or s.endswith(f"-{name}") for s in target.known_services):
            kind = f" ({dependency.type.value})" if dependency.type else ""
            yield Violation(
                ("metadata", "name"),
                f"the persona declares the required dependency {name}{kind}, but no Service "
                f"named {name} is in the namespace",
                f"deploy {name}, or mark it external: true in the persona's dependencies",
            )


def check_ports(target: Target) -> Iterator[Violation]:
    networking = target.persona.networking if target.persona else None
    container = main_container(target)
    if networking is None or container is None:
        return
    for port in networking.ports:
        if port.port not in container.port_numbers:
            yield Violation(
                container.at("ports"),
                f"the persona declares port {port.port} (networking.ports), but the container "
                f"does not ({', '.join(map(str, sorted(container.port_numbers))) or 'no ports'})",
                f"add containerPort {port.port} to the container, or fix the persona",
                container=container.name,
            )


RULES = (
    Rule("persona.resource-bounds", Category.PERSONA, Severity.ERROR,
         "Resources lie within the persona's bounds",
         "The persona records what the app was sized and approved for.",
         "Change the container's requests/limits or the persona's resources.bounds.",
         check_resource_bounds),
    Rule("persona.replica-range", Category.PERSONA, Severity.WARNING,
         "Replicas (or the HPA's range) lie within the persona's scaling range",
         "Checking the HPA rather than spec.replicas never fights autoscaling.",
         "Change replicas/the HPA range or the persona's scaling.", check_replica_range),
    Rule("persona.health-probes", Category.PERSONA, Severity.WARNING,
         "Probes check the persona's health endpoints",
         "A probe on the wrong path restarts healthy pods or keeps broken ones in rotation.",
         "Point the probes at health.livenessPath/readinessPath/startupPath.",
         check_health_probes),
    Rule("persona.security-context", Category.PERSONA, Severity.ERROR,
         "The security context meets the persona's policies.security",
         "The persona's security policy is the contract the app was reviewed against.",
         "Set the container's securityContext as the persona requires.",
         check_security_context),
    Rule("persona.dependency-ready", Category.PERSONA, Severity.INFO,
         "Required dependencies are deployed",
         "An app whose required dependency is missing fails at runtime.",
         "Deploy the dependency or mark it external.", check_dependencies),
    Rule("persona.ports", Category.PERSONA, Severity.WARNING,
         "The container declares the persona's ports",
         "Services and policies generated from the persona target these ports.",
         "Declare the ports in the container.", check_ports),
)  # fmt: skip
