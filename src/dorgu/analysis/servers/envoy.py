"""Envoy (static bootstrap YAML/JSON): listener ports, cluster endpoint addresses (with the
route prefix that sends traffic to each cluster) and the admin port's ``/ready`` check.

Must not: open files or resolve names.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.analysis.servers.configs import HealthPath, Listen, ServerConfig, Upstream, port_number
from dorgu.analysis.servers.structured import load_structured
from dorgu.formats.yamldocs import Path, YamlDocument
from dorgu.models.evidence import Location

MAX_WALK = 50_000


def _walk(data: object, path: Path, budget: list[int]) -> Iterator[tuple[Path, dict[str, object]]]:
    if budget[0] <= 0:
        return
    budget[0] -= 1
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from _walk(value, (*path, str(key)), budget)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _walk(value, (*path, index), budget)


def _socket(data: object) -> tuple[str | None, int | None]:
    if not isinstance(data, dict):
        return None, None
    socket = data.get("socket_address")
    if not isinstance(socket, dict):
        return None, None
    address = socket.get("address")
    port = port_number(str(socket.get("port_value", "")))
    return (str(address).lower() if address else None), port


def parse_envoy(text: str, *, file: str) -> ServerConfig:
    """What one Envoy bootstrap configuration says."""
    config = ServerConfig(server="envoy", files=[file])
    doc = load_structured(text, file=file, diagnostics=config.diagnostics)
    if doc is None or not isinstance(doc.data, dict):
        return config

    def where(path: Path) -> Location:
        return Location(file=file, line=doc.line_of(path))

    routes = _routes(doc)
    admin: list[Listen] = []
    budget = [MAX_WALK]
    for path, node in _walk(doc.data, (), budget):
        parent = path[-1] if path else None
        if parent == "admin" or (len(path) >= 2 and path[-2] == "listeners"):
            _host, port = _socket(node.get("address"))
            if port is None:
                continue
            if parent == "admin":
                config.health.append(HealthPath("/ready", where(path), port))
                admin.append(Listen(port, where((*path, "address"))))
            else:
                config.listens.append(Listen(port, where((*path, "address"))))
        elif parent == "endpoint":
            host, port = _socket(node.get("address"))
            cluster = _cluster_of(doc, path)
            if host is not None:
                config.upstreams.append(
                    Upstream(
                        host, port, where((*path, "address")), routes.get(cluster or ""), "http"
                    )
                )
    config.listens.extend(admin)  # after the listeners: the admin port is not the main one
    return config


def _cluster_of(doc: YamlDocument, path: Path) -> str | None:
    data: object = doc.data
    name: str | None = None
    for step in path:
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return name
        if isinstance(data, dict) and isinstance(data.get("cluster_name") or data.get("name"), str):
            found = data.get("cluster_name") or data.get("name")
            name = str(found)
    return name


def _routes(doc: YamlDocument) -> dict[str, str]:
    """Cluster name -> the first path prefix routed to it."""
    routes: dict[str, str] = {}
    for _path, node in _walk(doc.data, (), [MAX_WALK]):
        match, route = node.get("match"), node.get("route")
        if isinstance(match, dict) and isinstance(route, dict):
            cluster = route.get("cluster")
            prefix = match.get("prefix") or match.get("path")
            if isinstance(cluster, str) and isinstance(prefix, str):
                routes.setdefault(cluster, prefix)
    return routes
