"""NetworkPolicies derived from declared dependencies (``--network-policy``).

Each component gets one policy selecting its pods, with both directions restricted:
- ingress: public HTTP components (type api/web) accept their HTTP and metrics ports from any
  namespace (callers and ingress controllers are unknown); every component accepts, from each
  component that connects to it, the ports of the connection graph (``Component.connections``:
  the ports its callers' addresses name), or all its ports from a caller that only declares it
  as a dependency (compose ``depends_on``, detected clients) without naming a port;
- egress: DNS (port 53), the same ports of the components it connects to, and, when it depends on
  something outside the project (a managed database, an external API), any address, with a
  warning to narrow it.

Must not guess addresses of external dependencies.
"""

from __future__ import annotations

import re

from dorgu.generation.diagnosing import warning
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan, PlannedPort
from dorgu.models.evidence import Diagnostic

Generated = tuple[list[GeneratedResource], list[Diagnostic]]


def _ports(ports: list[PlannedPort]) -> list[object]:
    return [{"port": p.name, "protocol": p.protocol} for p in ports]


def _depends(plan: ComponentPlan, other: ComponentPlan) -> bool:
    """True when ``plan`` talks to ``other``: a connection, a declared dependency, compose
    ``depends_on``, or a non-secret env value addressing its Service (``http://orders:8080``)."""
    name = other.component.name
    if (
        name in plan.component.depends_on
        or any(d.component == name for d in plan.component.dependencies)
        or any(c.component == name for c in plan.component.connections)
    ):
        return True
    # A URL or ``host:port`` naming its Service; a bare word (``POSTGRES_USER=checkout``) is not
    # an address (bare ``*_HOST`` values are in the analysis' connection graph).
    service = re.escape(other.input.service_name)
    host = re.compile(rf"((//|@){service}(:\d+)?(/|$)|^{service}:\d+$)")
    return any(v.value and host.search(v.value) for v in plan.component.env)


def _edge_ports(plan: ComponentPlan, other: ComponentPlan) -> list[PlannedPort]:
    """The ports of ``other`` that ``plan`` connects to: those its connections name, or all of
    them when a connection names no port or there is only a declared dependency."""
    wanted = {c.port for c in plan.component.connections if c.component == other.component.name}
    if not wanted or None in wanted:
        return list(other.ports)
    chosen = [p for p in other.ports if p.number in wanted and p.protocol == "TCP"]
    return chosen or list(other.ports)


def _caller_rules(plan: ComponentPlan, callers: list[ComponentPlan]) -> list[object]:
    """One ingress rule per distinct set of ports, listing the callers that use exactly it."""
    groups: dict[tuple[str, ...], list[ComponentPlan]] = {}
    for caller in callers:
        ports = _edge_ports(caller, plan)
        groups.setdefault(tuple(p.name for p in ports), []).append(caller)
    by_name = {p.name: p for p in plan.ports}
    return [
        {
            "from": [{"podSelector": {"matchLabels": dict(o.selector)}} for o in group],
            "ports": _ports([by_name[n] for n in names]),
        }
        for names, group in groups.items()
    ]


def build_network_policy(plan: ComponentPlan, app: AppPlan) -> Generated:
    if not app.request.options.network_policy:
        return [], []
    ingress: list[object] = []
    public_ports = [p for p in plan.ports if p.http or p.name == "metrics"]
    if plan.public and public_ports:
        ingress.append({"from": [{"namespaceSelector": {}}], "ports": _ports(public_ports)})
    callers = [o for o in app.components if o is not plan and _depends(o, plan)]
    if callers and plan.ports:
        ingress.extend(_caller_rules(plan, callers))
    egress: list[object] = [
        {
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        }
    ]
    diagnostics: list[Diagnostic] = []
    for other in app.components:
        if other is not plan and _depends(plan, other) and other.ports:
            egress.append(
                {
                    "to": [{"podSelector": {"matchLabels": dict(other.selector)}}],
                    "ports": _ports(_edge_ports(plan, other)),
                }
            )
    generated = {o.component.name for o in app.components}
    outside = sorted(
        {
            d.name
            for d in plan.component.dependencies
            if d.component is None or d.component not in generated
        }
    )
    if outside:
        egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})
        diagnostics.append(
            warning(
                "egress-open",
                f"{plan.component.name}: depends on {', '.join(outside)} outside "
                "the project, so egress to any address is allowed; narrow the ipBlock",
            )
        )
    spec: Manifest = {
        "podSelector": {"matchLabels": dict(plan.selector)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": ingress,
        "egress": egress,
    }
    manifest: Manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": plan.metadata(),
        "spec": spec,
    }
    return [GeneratedResource(manifest, component=plan.component.name)], diagnostics
