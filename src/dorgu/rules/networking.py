"""Networking rules: probes and Services point at ports the containers really declare.

Only named ports are checked strictly (a container may listen on a number it does not
declare; a name that no container declares never resolves).

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.objects import as_list, as_map
from dorgu.rules.probes import PROBES
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation

HANDLERS = ("httpGet", "tcpSocket", "grpc")


def check_probe_ports(target: Target) -> Iterator[Violation]:
    for container in target.workload.app_containers:
        for probe in PROBES:
            spec = as_map(container.data.get(probe))
            for handler in HANDLERS:
                port = as_map(spec.get(handler)).get("port")
                if isinstance(port, str) and port not in container.port_names:
                    declared = ", ".join(sorted(container.port_names)) or "none"
                    yield Violation(
                        container.at(probe, handler, "port"),
                        f"{probe} uses port {port!r}, which the container does not declare "
                        f"(named ports: {declared})",
                        "use a declared port name or the port number",
                        container=container.name,
                    )


def check_service_ports(target: Target) -> Iterator[Violation]:
    names = frozenset().union(*(c.port_names for c in target.workload.app_containers))
    for service in target.services:
        for index, port in enumerate(as_list(as_map(service.get("spec")).get("ports"))):
            target_port = as_map(port).get("targetPort")
            if isinstance(target_port, str) and target_port not in names:
                yield Violation(
                    ("spec", "ports", index, "targetPort"),
                    f"targetPort {target_port!r} is not a port name of {target.workload.kind} "
                    f"{target.workload.name} (named ports: {', '.join(sorted(names)) or 'none'})",
                    "use a containerPort name the pods declare, or the port number",
                    subject=service,
                )


RULES = (
    Rule("networking.probe-port", Category.NETWORKING, Severity.ERROR,
         "Probe ports exist",
         "A probe on an undeclared named port always fails: the pod never becomes ready.",
         "Name the port in the container's ports or use its number.", check_probe_ports),
    Rule("networking.service-target-port", Category.NETWORKING, Severity.ERROR,
         "Service target ports exist",
         "A Service whose targetPort names no container port sends traffic nowhere.",
         "Use a port name the selected pods declare.", check_service_ports),
)  # fmt: skip
