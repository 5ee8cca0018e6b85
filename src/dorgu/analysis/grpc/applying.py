"""Folding gRPC findings into a merged component: the ``grpc`` field, a port named ``grpc``,
``framework = grpc`` when no HTTP framework was found, and type ``api``.

Which port is gRPC: the one the server code listens on (added when no other source lists it);
else a port whose purpose is already ``grpc``; else the single port of a component whose only
framework is gRPC or that serves no HTTP routes or endpoints; else, when the component has no
port at all, gRPC's conventional 50051 with low confidence and a warning.

Must not: open files or raise.
"""

from __future__ import annotations

from dorgu.analysis.grpc.detecting import GrpcFindings
from dorgu.models.app import AppType, Component, ComponentKind, Port
from dorgu.models.evidence import Diagnostic, Evidence, Severity

CONVENTIONAL_PORT = 50051
GRPC_FRAMEWORKS = frozenset({"grpc", "tonic"})


def _as_grpc(port: Port) -> Port:
    return port.model_copy(update={"name": "grpc", "purpose": "grpc"})


def apply_grpc(
    component: Component, found: GrpcFindings
) -> tuple[Component, list[Evidence], list[Diagnostic]]:
    server = found.server
    if server is None or component.kind is not ComponentKind.APP:
        return component, [], []
    field = f"components.{component.name}."
    evidence = [e.model_copy(update={"field": field + e.field}) for e in found.evidence]
    diagnostics = list(found.diagnostics)
    ports = list(component.ports)
    grpc_only = (component.framework or "grpc") in GRPC_FRAMEWORKS
    number = server.port
    index = next(
        (i for i, p in enumerate(ports) if number is not None and p.number == number), None
    )
    if number is not None and index is None:
        ports.append(Port(number=number, name="grpc", purpose="grpc", location=server.location))
    elif index is None:
        index = next((i for i, p in enumerate(ports) if p.purpose == "grpc"), None)
        serves_http = bool(component.routes or component.endpoints)
        if index is None and len(ports) == 1 and (grpc_only or not serves_http):
            index = 0
        if index is None and not ports:
            number = CONVENTIONAL_PORT
            ports.append(Port(number=number, name="grpc", purpose="grpc"))
            evidence.append(
                Evidence(
                    field=field + "grpc.port",
                    value=str(number),
                    rule="grpc.conventional-port",
                    location=server.location,
                    confidence=0.3,
                )
            )
            diagnostics.append(
                Diagnostic(
                    code="grpc.port-unknown",
                    severity=Severity.WARNING,
                    message=(
                        f"{component.name}: serves gRPC but no listen port was found; "
                        f"assuming {number} (set ports in .dorgu.yaml if it differs)"
                    ),
                    location=server.location,
                )
            )
    if index is not None:
        ports[index] = _as_grpc(ports[index])
        number = ports[index].number
    update: dict[str, object] = {
        "ports": tuple(ports),
        "grpc": server.model_copy(update={"port": number}),
    }
    if component.framework is None:
        update["framework"] = "grpc"
        evidence.append(
            Evidence(
                field=field + "framework",
                value="grpc",
                rule="grpc.server",
                location=server.location,
                confidence=0.85,
            )
        )
    if component.type in (None, AppType.WORKER):
        update["type"] = AppType.API
        evidence.append(
            Evidence(
                field=field + "type",
                value=AppType.API.value,
                rule="grpc.type",
                location=server.location,
                confidence=0.8,
                detail="serves gRPC",
            )
        )
    return component.model_copy(update=update), evidence, diagnostics
