"""One sentence for PERSONA.md on how a component serves: a frontend's build and server, and
gRPC services beside (or instead of) HTTP.

Must not read files, the environment or the cluster.
"""

from __future__ import annotations

from dorgu.models.app import Component, FrontendMode


def describe_serving(component: Component) -> str | None:
    parts: list[str] = []
    frontend = component.frontend
    if frontend is not None:
        built = f"built by {frontend.bundler}" if frontend.bundler else "built"
        output = f" into `{frontend.output_dir}`" if frontend.output_dir else ""
        if frontend.mode is FrontendMode.STATIC:
            server = f" by {frontend.server}" if frontend.server else ""
            parts.append(f"Its {frontend.framework} frontend is {built}{output} and served as "
                         f"static files{server}.")  # fmt: skip
        elif frontend.mode is FrontendMode.DEV:
            parts.append(
                f"It runs the {frontend.bundler or frontend.framework} development server, "
                "which is not meant for production: build the frontend and serve the output."
            )
        else:
            parts.append(f"Its {frontend.framework} pages are rendered by a Node server.")
    grpc = component.grpc
    if grpc is not None:
        names = ", ".join(f"`{s.name}`" for s in grpc.services[:5]) or "its services"
        more = f" and {len(grpc.services) - 5} more" if len(grpc.services) > 5 else ""
        port = f" on port {grpc.port}" if grpc.port else ""
        health = (
            "; the standard health service is registered, so probes use Kubernetes' gRPC probe"
            if grpc.health
            else "; no gRPC health service is registered, so probes only check the port"
        )
        parts.append(f"It serves gRPC{port}: {names}{more}{health}.")
    return " ".join(parts) or None
