"""How a browser frontend is served, decided once the Dockerfile and compose are merged in.

- **static**: the image's final stage is a static web server (nginx, Caddy, httpd, ... the
  common multi-stage build: a node stage runs the build, the last stage serves ``dist/`` or
  ``build/``), or the command runs a static file server (``serve``, ``http-server``).  The port
  is the one the Dockerfile or compose declares; for a server the servers pass understands
  (``dorgu.analysis.servers``: nginx, Caddy, httpd, ...) the port is left to that pass, which
  reads the copied or mounted configuration (``listen 8080;``) and falls back to the image's
  default; other static server images get their default port here.  Probes use ``/`` (the
  server answers it with ``index.html``).
- **dev**: the command runs a bundler's development server (``vite``, ``ng serve``,
  ``react-scripts start``, ``npm run dev``...).  It works, but is not a production build:
  a warning says so, and the dev server's port is used when nothing else names one.
- **ssr**: a Node server renders pages (``next start``, Nuxt's server); left as analysed.

Every frontend component is of type ``web``.

Must not: open files or raise.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from dorgu.analysis.dockerfile import DockerfileInfo
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.rebasing import rebase_location
from dorgu.analysis.servers.images import server_for_image
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Endpoint,
    EndpointKind,
    Frontend,
    FrontendMode,
    Port,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

# (image name as written, without registry host or tag; server; the image's default port)
STATIC_SERVER_IMAGES = (
    ("nginxinc/nginx-unprivileged", "nginx", 8080),
    ("bitnami/nginx", "nginx", 8080),
    ("nginx", "nginx", 80),
    ("caddy", "caddy", 80),
    ("httpd", "httpd", 80),
    ("bitnami/apache", "httpd", 8080),
    ("joseluisq/static-web-server", "static-web-server", 80),
    ("lipanski/docker-static-website", "busybox-httpd", 3000),
)
STATIC_SERVER_COMMANDS = {"serve": 3000, "http-server": 8080}


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(p for p in parts if p != "library")


def static_server_image(image: str | None) -> tuple[str, int] | None:
    """(server, default port) when ``image`` is a static web server image."""
    if not image:
        return None
    name = _image_name(image.lower())
    for known, server, port in STATIC_SERVER_IMAGES:
        if name == known:
            return server, port
    return None


def _words(component: Component) -> list[str]:
    words = [*(component.entrypoint or ()), *(component.command or ())]
    if len(words) >= 3 and words[0].endswith("sh") and words[1] == "-c":
        try:
            return shlex.split(words[2])[:20]
        except ValueError:
            return words[2].split()[:20]
    return words[:20]


def _frontend(reports: Sequence[LanguageReport]) -> Frontend | None:
    return next((r.frontend for r in reports if r.frontend is not None), None)


def apply_frontend(
    component: Component,
    reports: Sequence[LanguageReport],
    *,
    tree: SourceTree,
    directory: str,
    docker: DockerfileInfo | None,
) -> tuple[Component, list[Evidence], list[Diagnostic]]:
    frontend = _frontend(reports)
    if (
        frontend is None
        or component.kind is not ComponentKind.APP
        or component.framework != frontend.framework  # e.g. a Django app bundling its assets
    ):
        return component, [], []
    # lazy: only node front ends need the package reader (startup time)
    from dorgu.analysis.languages.node_facts import read_packages
    from dorgu.analysis.languages.node_frontends import DEV_PORTS, dev_server

    frontend = frontend.model_copy(
        update={"location": rebase_location(frontend.location, directory)}
    )
    field = f"components.{component.name}."
    evidence: list[Evidence] = []
    diagnostics: list[Diagnostic] = []
    where = Location(file=docker.file) if docker is not None and docker.file else None
    ports = component.ports
    words = _words(component)
    command = " ".join(words)
    image_server = static_server_image(component.base_image)
    bundler = dev_server(command, read_packages(tree.subtree(directory), Findings("node")))
    tool = words[1] if words[:1] == ["npx"] and len(words) > 1 else words[0] if words else ""
    if image_server is not None:
        server, default = image_server
        frontend = frontend.model_copy(update={"mode": FrontendMode.STATIC, "server": server})
        evidence.append(_fact(field + "frontend.server", server, "frontend.static-image", where))
        # A server the servers pass reads (its config's listen, else the image's default) gets
        # its port there: one mechanism, so a guessed default never competes with the config.
        if not ports and server_for_image(component.base_image) is None:
            ports = (Port(number=default, name="http", purpose="http", location=where),)
            rule = f"frontend.{server}.default-port"
            evidence.append(_fact(field + "port", str(default), rule, where, 0.7))
    elif tool in STATIC_SERVER_COMMANDS:
        frontend = frontend.model_copy(update={"mode": FrontendMode.STATIC, "server": tool})
        evidence.append(_fact(field + "frontend.server", tool, "frontend.static-command", where))
        if not ports:
            number = STATIC_SERVER_COMMANDS[tool]
            ports = (Port(number=number, name="http", purpose="http", location=where),)
            evidence.append(_fact(field + "port", str(number), f"frontend.{tool}.port", where))
    elif bundler is not None:
        frontend = frontend.model_copy(update={"mode": FrontendMode.DEV, "bundler": bundler})
        evidence.append(_fact(field + "frontend.mode", "dev", "frontend.dev-server", where))
        diagnostics.append(dev_mode_warning(component.name, bundler, command, where))
        if not ports and bundler in DEV_PORTS:
            number = DEV_PORTS[bundler]
            ports = (Port(number=number, name="http", purpose="http", location=where),)
            evidence.append(
                _fact(field + "port", str(number), f"frontend.{bundler}.dev-port", where)
            )
    endpoints = component.endpoints
    if frontend.mode is not FrontendMode.SSR and not any(
        e.kind in (EndpointKind.HEALTH, EndpointKind.LIVENESS) for e in endpoints
    ):
        endpoints = (*endpoints, Endpoint(kind=EndpointKind.HEALTH, path="/", location=where))
        evidence.append(_fact(field + "endpoints.health", "/", "frontend.index", where, 0.7))
    evidence.append(
        _fact(field + "type", AppType.WEB.value, "frontend.type", frontend.location, 0.85)
    )
    update = {"frontend": frontend, "ports": ports, "endpoints": endpoints, "type": AppType.WEB}
    return component.model_copy(update=update), evidence, diagnostics


def dev_mode_warning(name: str, bundler: str, command: str, where: Location | None) -> Diagnostic:
    return Diagnostic(
        code="frontend.dev-server",
        severity=Severity.INFO,  # generate repeats it as a warning
        message=(
            f"{name}: runs the {bundler} development server ({command[:80]}); production "
            "needs a built image (run the build, then serve the output with nginx or caddy)"
        ),
        location=where,
    )


def _fact(
    field: str, value: str, rule: str, where: Location | None, confidence: float = 0.8
) -> Evidence:
    return Evidence(field=field, value=value, rule=rule, location=where, confidence=confidence)
