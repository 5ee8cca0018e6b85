"""nginx: listen ports, ``proxy_pass``/``grpc_pass``/``fastcgi_pass`` targets (through
``upstream`` blocks and ``set`` variables), ``root``/``alias`` directories and health
locations (``location = /healthz { return 200; }``).

``parse_nginx`` reads one text; with a ``ConfigReader`` it follows ``include`` inside the tree.
A ``server`` without ``listen`` listens on 80, as nginx does when run as root.

Must not: open files or resolve names; the caller maps upstream hosts to components.
"""

from __future__ import annotations

import posixpath

from dorgu.analysis.servers.configs import (
    HealthPath,
    Listen,
    ServerConfig,
    StaticRoot,
    Upstream,
    port_number,
    scheme_of,
    split_address,
)
from dorgu.analysis.servers.health import is_health_path
from dorgu.analysis.servers.including import ConfigReader, ConfigText
from dorgu.analysis.servers.nginx_syntax import Directive, parse_directives
from dorgu.analysis.servers.templating import has_variable, unresolved_message
from dorgu.models.evidence import Diagnostic, Location, Severity

NGINX_PREFIX = "/etc/nginx"
DEFAULT_LISTEN = 80
_PASSES = {
    "proxy_pass": "http",
    "grpc_pass": "grpc",
    "fastcgi_pass": "fastcgi",
    "uwsgi_pass": "uwsgi",
    "scgi_pass": "scgi",
    "memcached_pass": "memcached",
}
_LOCATION_MODIFIERS = frozenset({"=", "~", "~*", "^~"})


def parse_nginx(
    text: str,
    *,
    file: str,
    container_path: str = "/etc/nginx/nginx.conf",
    reader: ConfigReader | None = None,
) -> ServerConfig:
    """What one nginx configuration (and what it includes, given a reader) says."""
    config = ServerConfig(server="nginx", files=[file])
    root = ConfigText(path=container_path, file=file, text=text)
    directives = _load(root, reader, config, cause=None)
    _Interpreter(config).run(directives)
    if reader is not None:
        config.files = reader.files or config.files
    return config


def _load(
    source: ConfigText, reader: ConfigReader | None, config: ServerConfig, *, cause: Location | None
) -> list[Directive]:
    if reader is not None and not reader.enter(source, cause=cause):
        return []
    try:
        directives, problems = parse_directives(source.text, file=source.file)
        config.diagnostics.extend(problems)
        return _expand(directives, source, reader, config)
    finally:
        if reader is not None:
            reader.leave()


def _expand(
    directives: list[Directive],
    source: ConfigText,
    reader: ConfigReader | None,
    config: ServerConfig,
) -> list[Directive]:
    out: list[Directive] = []
    for directive in directives:
        if directive.name == "include" and directive.args:
            if reader is None:
                config.diagnostics.append(
                    Diagnostic(
                        code="servers.include-not-followed",
                        severity=Severity.INFO,
                        message=f"include {directive.args[0]} is not followed (no file access)",
                        location=directive.location,
                    )
                )
                continue
            for included in reader.include(
                directive.args[0], relative_to=NGINX_PREFIX, cause=directive.location
            ):
                out.extend(_load(included, reader, config, cause=directive.location))
            continue
        if directive.block is not None:
            directive.block = _expand(directive.block, source, reader, config)
        out.append(directive)
    return out


class _Interpreter:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.upstreams: dict[str, list[tuple[str, int | None, Location]]] = {}
        self.variables: dict[str, str] = {}
        self.port: int | None = None  # the first listen port of the server being read

    def run(self, directives: list[Directive]) -> None:
        self._collect(directives, depth=0)
        for directive in directives:
            self._context(directive, stream=False)

    def _collect(self, directives: list[Directive], *, depth: int) -> None:
        """Upstream blocks and ``set`` variables, wherever they are (they may come later)."""
        for directive in directives:
            if directive.name == "upstream" and directive.args and directive.block is not None:
                servers = self.upstreams.setdefault(directive.args[0], [])
                for item in directive.block:
                    if item.name == "server" and item.args:
                        address = split_address(item.args[0], default_port=80)
                        if address is not None:
                            servers.append((address[0], address[1], item.location))
            elif directive.name in ("set", "map") and len(directive.args) >= 2:
                if directive.name == "set":
                    self.variables.setdefault(directive.args[0], directive.args[1])
            elif directive.block is not None and depth < 64:
                self._collect(directive.block, depth=depth + 1)

    def _context(self, directive: Directive, *, stream: bool) -> None:
        if directive.block is None:
            return
        if directive.name in ("http", "stream"):
            for child in directive.block:
                self._context(child, stream=directive.name == "stream")
        elif directive.name == "server":
            self._server(directive, stream=stream)

    def _server(self, server: Directive, *, stream: bool) -> None:
        assert server.block is not None
        listens = [d for d in server.block if d.name == "listen"]
        before = len(self.config.listens)
        for listen in listens:
            self._listen(listen, stream=stream)
        if not listens:
            self.config.listens.append(Listen(DEFAULT_LISTEN, server.location))
        found = self.config.listens[before:]
        self.port = found[0].port if found else None
        self._directives(server.block, path=None, stream=stream, depth=0)

    def _listen(self, directive: Directive, *, stream: bool) -> None:
        if not directive.args:
            return
        value = directive.args[0]
        if value.startswith("unix:"):
            return
        if has_variable(value):
            self._unresolved("listen", value, directive.location)
            return
        port = port_number(value)
        if port is None:
            host, _, tail = value.rpartition(":")
            port = port_number(tail) if host else (DEFAULT_LISTEN if value else None)
        if port is None:
            self._problem(f"listen {value} is not a port", directive.location)
            return
        flags = set(directive.args[1:])
        protocol = "UDP" if "udp" in flags or "quic" in flags else "TCP"
        self.config.listens.append(
            Listen(port, directive.location, tls="ssl" in flags, protocol=protocol, http=not stream)
        )

    def _directives(
        self, block: list[Directive], *, path: str | None, stream: bool, depth: int
    ) -> None:
        for directive in block:
            name = directive.name
            if name == "location" and directive.block is not None and depth < 32:
                self._location(directive, stream=stream, depth=depth)
            elif name in _PASSES and directive.args:
                self._pass(directive, path, "tcp" if stream else _PASSES[name])
            elif name == "proxy_pass" and stream and directive.args:
                self._pass(directive, path, "tcp")
            elif (
                name in ("root", "alias") and directive.args and not has_variable(directive.args[0])
            ):
                self.config.roots.append(StaticRoot(directive.args[0], directive.location))
            elif name == "return" and directive.args and path and is_health_path(path):
                if directive.args[0] in ("200", "204"):
                    self.config.health.append(HealthPath(path, directive.location, self.port))
            elif name == "stub_status" and path and is_health_path(path):
                self.config.health.append(HealthPath(path, directive.location, self.port))

    def _location(self, directive: Directive, *, stream: bool, depth: int) -> None:
        args = [a for a in directive.args if a not in _LOCATION_MODIFIERS]
        regex = any(a in ("~", "~*") for a in directive.args)
        path = args[0] if args and not args[0].startswith("@") and not regex else None
        assert directive.block is not None
        self._directives(directive.block, path=path, stream=stream, depth=depth + 1)

    def _pass(self, directive: Directive, path: str | None, scheme: str) -> None:
        value = directive.args[0]
        for name, replacement in self.variables.items():
            if name in value and not has_variable(replacement):
                value = value.replace(name, replacement)
        scheme = scheme_of(value) or scheme
        bare = value.split("://", 1)[-1].split("/", 1)[0]
        if bare in self.upstreams:
            for host, port, location in self.upstreams[bare]:
                self.config.upstreams.append(Upstream(host, port, location, path, scheme))
            return
        default = 80 if scheme == "http" else 443 if scheme == "https" else None
        address = split_address(value, default_port=default)
        if address is None and has_variable(value):
            self._unresolved(directive.name, directive.args[0], directive.location)
            return
        if address is None:
            self._problem(f"{directive.name} names no host and port", directive.location)
            return
        self.config.upstreams.append(
            Upstream(address[0], address[1], directive.location, path, scheme)
        )

    def _unresolved(self, what: str, value: str, location: Location) -> None:
        self.config.diagnostics.append(
            Diagnostic(
                code="servers.unresolved",
                severity=Severity.INFO,
                message=unresolved_message(f"{what} {value}", value),
                location=location,
            )
        )

    def _problem(self, message: str, location: Location) -> None:
        self.config.diagnostics.append(
            Diagnostic(
                code="servers.nginx.value",
                severity=Severity.INFO,
                message=message,
                location=location,
            )
        )


def template_target(container_path: str) -> str:
    """Where the nginx image renders a template: ``templates/x.conf.template`` -> ``conf.d/x.conf``."""
    name = posixpath.basename(container_path).removesuffix(".template")
    return f"{NGINX_PREFIX}/conf.d/{name}"
