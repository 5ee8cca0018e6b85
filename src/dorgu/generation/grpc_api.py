"""gRPC methods as API operations, so the persona and PERSONA.md list them next to HTTP routes.

Each rpc becomes method ``GRPC`` on path ``/<package>.<Service>/<Method>`` (the HTTP/2 path a
gRPC call really uses), with a summary telling its streaming kind and message types and
``source = proto`` (or ``code`` for a service registered without a .proto declaration).

Must not read files, the environment or the cluster.
"""

from __future__ import annotations

from dorgu.models.app import Component, GrpcMethod, Route


def _kind(method: GrpcMethod) -> str:
    if method.client_streaming and method.server_streaming:
        return "bidirectional streaming"
    if method.client_streaming:
        return "client streaming"
    if method.server_streaming:
        return "server streaming"
    return "unary"


def grpc_routes(component: Component) -> tuple[Route, ...]:
    if component.grpc is None:
        return ()
    routes: list[Route] = []
    for service in component.grpc.services:
        if not service.methods:
            routes.append(
                Route(
                    method="GRPC",
                    path=f"/{service.name}/*",
                    summary="registered service; its .proto was not found",
                    source="code",
                    location=service.location,
                )
            )
        for method in service.methods:
            types = f"{method.input_type or '?'} -> {method.output_type or '?'}"
            routes.append(
                Route(
                    method="GRPC",
                    path=f"/{service.name}/{method.name}",
                    summary=f"{_kind(method)}: {types}",
                    source="proto",
                    location=service.location,
                )
            )
    return tuple(routes)
