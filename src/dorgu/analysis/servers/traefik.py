"""Traefik: entry point ports and ``ping`` from the static configuration (file or ``--flags``),
file-provider backends (``http.services.*.loadBalancer.servers[].url``), and the routes that
other containers declare in their labels (``traefik.http.routers.<r>.rule``,
``traefik.http.services.<s>.loadbalancer.server.port``).

Must not: open files or resolve names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.analysis.servers.configs import (
    HealthPath,
    Listen,
    ServerConfig,
    Upstream,
    port_number,
    split_address,
)
from dorgu.analysis.servers.structured import load_structured
from dorgu.formats.yamldocs import YamlDocument
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

DEFAULT_ENTRY = 80  # Traefik's default "http" entry point when none is configured
API_PORT = 8080  # the "traefik" entry point: dashboard/API (insecure) and ping
_PATH_RULE = LazyPattern(r"Path(?:Prefix)?\(\s*[`\"']([^`\"']+)[`\"']")
_TRUE = ("true", "1", "yes", "")


@dataclass(frozen=True)
class LabelRoute:
    """What one container's ``traefik.*`` labels ask of Traefik."""

    enabled: bool | None  # traefik.enable; None when not said
    port: int | None  # loadbalancer.server.port
    path: str | None  # from a Path/PathPrefix rule
    declared: bool  # any traefik.http.* / traefik.tcp.* label


def label_route(labels: Sequence[tuple[str, str]]) -> LabelRoute:
    """Read the ``traefik.*`` labels of one container."""
    enabled: bool | None = None
    port: int | None = None
    path: str | None = None
    declared = False
    for key, value in labels:
        lowered = key.lower()
        if lowered == "traefik.enable":
            enabled = value.strip().lower() in _TRUE
        elif lowered.startswith(("traefik.http.", "traefik.tcp.", "traefik.udp.")):
            declared = True
            if lowered.endswith(".loadbalancer.server.port"):
                port = port_number(value) or port
            elif lowered.endswith(".rule") and path is None:
                match = _PATH_RULE.search(value)
                path = match.group(1) if match else None
    return LabelRoute(enabled, port, path, declared)


def _static(data: dict[str, object], where: Location, config: ServerConfig) -> None:
    entries = data.get("entryPoints") or data.get("entrypoints")
    ping_entry = "traefik"
    ports: dict[str, int] = {}
    if isinstance(entries, dict):
        for name, entry in entries.items():
            address = entry.get("address") if isinstance(entry, dict) else None
            port = port_number(str(address).rpartition(":")[2].split("/")[0]) if address else None
            if port is not None:
                ports[str(name).lower()] = port
                config.listens.append(Listen(port, where))
    if not ports:
        config.listens.append(Listen(DEFAULT_ENTRY, where))
    api = data.get("api")
    ping = data.get("ping")
    if isinstance(ping, dict) and isinstance(ping.get("entryPoint"), str):
        ping_entry = str(ping["entryPoint"]).lower()
    needs_api = (
        isinstance(api, dict) and api.get("insecure") in (True, "true")
    ) or ping is not None
    if needs_api and "traefik" not in ports:
        ports["traefik"] = API_PORT
        config.listens.append(Listen(API_PORT, where))
    if ping is not None and ping is not False:
        config.health.append(HealthPath("/ping", where, ports.get(ping_entry, API_PORT)))
    http = data.get("http")
    services = http.get("services") if isinstance(http, dict) else None
    if isinstance(services, dict):
        for service in services.values():
            balancer = service.get("loadBalancer") if isinstance(service, dict) else None
            servers = balancer.get("servers") if isinstance(balancer, dict) else None
            for server in servers if isinstance(servers, list) else []:
                url = server.get("url") if isinstance(server, dict) else None
                address = split_address(str(url)) if url else None
                if address is not None:
                    config.upstreams.append(Upstream(address[0], address[1], where, None, "http"))


def parse_traefik(text: str, *, file: str) -> ServerConfig:
    """What one Traefik configuration file (static or file-provider dynamic) says."""
    config = ServerConfig(server="traefik", files=[file])
    doc: YamlDocument | None = load_structured(text, file=file, diagnostics=config.diagnostics)
    if doc is not None and isinstance(doc.data, dict):
        _static(doc.data, Location(file=file, line=1), config)
    return config


def traefik_flags(command: Sequence[str], *, where: Location | None) -> ServerConfig:
    """The static configuration given as ``--entrypoints.web.address=:80`` style arguments."""
    data: dict[str, object] = {}
    entries: dict[str, object] = {}
    for word in command:
        if not word.startswith("--"):
            continue
        key, _, value = word[2:].partition("=")
        parts = key.lower().split(".")
        if parts[0] == "entrypoints" and len(parts) == 3 and parts[2] == "address":
            entries[parts[1]] = {"address": value}
        elif parts == ["ping"] and value.lower() in _TRUE:
            data["ping"] = {}
        elif parts == ["ping", "entrypoint"]:
            data["ping"] = {"entryPoint": value}
        elif parts == ["api", "insecure"] and value.lower() in _TRUE:
            data["api"] = {"insecure": True}
    data["entryPoints"] = entries
    config = ServerConfig(server="traefik")
    _static(data, where or Location(file="compose"), config)
    return config
