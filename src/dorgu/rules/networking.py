"""Networking rules: probes and Services point at ports the containers really declare.

Named ports are checked strictly: a name that no container declares never resolves, so the
finding is an error.  Numeric ports are checked leniently: Kubernetes lets a container listen
on a port it does not declare in ``ports`` (the list is informational), so a number that is not
a declared ``containerPort`` is only a warning (most often a typo or a stale port), and when
the containers declare no ports at all there is nothing to compare with and no finding.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.objects import Container, as_int, as_list, as_map
from dorgu.rules.paths import FieldPath
from dorgu.rules.probes import PROBES
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation

HANDLERS = ("httpGet", "tcpSocket", "grpc")


def _listed(numbers: frozenset[int]) -> str:
    return ", ".join(map(str, sorted(numbers))) or "none"


def _numeric_probe_port(
    container: Container, probe: str, port: int, path: FieldPath
) -> Violation | None:
    numbers = container.port_numbers
    if not numbers or port in numbers:  # no ports declared: nothing to compare with
        return None
    return Violation(
        path,
        f"{probe} uses port {port}, which is not a containerPort of the container "
        f"(declared: {_listed(numbers)})",
        f"declare containerPort {port} (with a name) or probe a declared port",
        container=container.name,
        severity=Severity.WARNING,
    )


def check_probe_ports(target: Target) -> Iterator[Violation]:
    for container in target.workload.app_containers:
        for probe in PROBES:
            spec = as_map(container.data.get(probe))
            for handler in HANDLERS:
                path = container.at(probe, handler, "port")
                port = as_map(spec.get(handler)).get("port")
                number = as_int(port)
                if number is not None:
                    found = _numeric_probe_port(container, probe, number, path)
                    if found is not None:
                        yield found
                elif isinstance(port, str) and port not in container.port_names:
                    declared = ", ".join(sorted(container.port_names)) or "none"
                    yield Violation(
                        path,
                        f"{probe} uses port {port!r}, which the container does not declare "
                        f"(named ports: {declared})",
                        "use a declared port name or the port number",
                        container=container.name,
                    )


def check_service_ports(target: Target) -> Iterator[Violation]:
    containers = target.workload.app_containers
    names = frozenset().union(*(c.port_names for c in containers))
    numbers = frozenset[int]().union(*(c.port_numbers for c in containers))
    workload = f"{target.workload.kind} {target.workload.name}"
    for service in target.services:
        for index, port in enumerate(as_list(as_map(service.get("spec")).get("ports"))):
            port_map = as_map(port)
            target_port = port_map.get("targetPort")
            key = "targetPort"
            if target_port is None:  # the API server defaults targetPort to port
                target_port, key = port_map.get("port"), "port"
            number = as_int(target_port)
            if number is not None and numbers and number not in numbers:
                yield Violation(
                    ("spec", "ports", index, key),
                    f"target port {number} is not a containerPort of {workload} "
                    f"(declared: {_listed(numbers)}); it works only if the app listens there "
                    "undeclared",
                    "set targetPort to a declared containerPort (better: its name)",
                    subject=service,
                    severity=Severity.WARNING,
                )
            elif isinstance(target_port, str) and target_port not in names:
                yield Violation(
                    ("spec", "ports", index, "targetPort"),
                    f"targetPort {target_port!r} is not a port name of {workload} "
                    f"(named ports: {', '.join(sorted(names)) or 'none'})",
                    "use a containerPort name the pods declare, or the port number",
                    subject=service,
                )


RULES = (
    Rule("networking.probe-port", Category.NETWORKING, Severity.ERROR,
         "Probe ports exist",
         "A probe on an undeclared named port always fails: the pod never becomes ready. "
         "A number that is no declared containerPort is usually a typo (warning).",
         "Name the port in the container's ports or use its number.", check_probe_ports),
    Rule("networking.service-target-port", Category.NETWORKING, Severity.ERROR,
         "Service target ports exist",
         "A Service whose targetPort names no container port sends traffic nowhere. "
         "A number that is no declared containerPort is usually a typo (warning).",
         "Use a port name the selected pods declare.", check_service_ports),
)  # fmt: skip
