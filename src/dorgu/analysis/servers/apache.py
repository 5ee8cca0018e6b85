"""Apache httpd: ``Listen`` ports, ``ProxyPass``/``BalancerMember``/``RewriteRule [P]`` and
``SetHandler proxy:fcgi://`` targets, ``DocumentRoot`` directories and health locations.

``${VAR}`` is resolved from ``Define`` and the service's environment, as httpd does.
``Include``/``IncludeOptional`` are followed (relative to ``ServerRoot``) given a reader.

Must not: open files or resolve names.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

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
from dorgu.analysis.servers.templating import has_variable, substitute, unresolved_message
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.patterns import LazyPattern

HTTPD_ROOT = "/usr/local/apache2"
_SECTION = LazyPattern(r"^<\s*(/?)\s*([A-Za-z]+)\s*([^>]*)>\s*$")
MAX_LINES = 50_000


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return text.split()


class _Apache:
    def __init__(self, config: ServerConfig, reader: ConfigReader | None, env: Mapping[str, str]):
        self.config = config
        self.reader = reader
        self.defines: dict[str, str] = dict(env)
        self.balancers: dict[str, list[tuple[str, int | None, Location]]] = {}
        self.pending: list[tuple[str, str | None, Location]] = []  # balancer uses
        self.server_root = HTTPD_ROOT
        self.lines = 0
        self.vhost_ports: list[Listen] = []

    def read(self, source: ConfigText, cause: Location | None) -> None:
        if self.reader is not None and not self.reader.enter(source, cause=cause):
            return
        try:
            self._lines(source)
        finally:
            if self.reader is not None:
                self.reader.leave()

    def _lines(self, source: ConfigText) -> None:
        sections: list[tuple[str, str]] = []
        logical, start = "", 0
        for number, raw in enumerate(source.text.splitlines(), start=1):
            self.lines += 1
            if self.lines > MAX_LINES:
                self._diag(
                    "servers.too-many-lines", f"over {MAX_LINES} lines; the rest is ignored", None
                )
                return
            if raw.rstrip().endswith("\\"):
                logical, start = logical + raw.rstrip()[:-1] + " ", start or number
                continue
            line = (logical + raw).strip()
            where = Location(file=source.file, line=start or number)
            logical, start = "", 0
            if not line or line.startswith("#"):
                continue
            section = _SECTION.match(line)
            if section:
                closing, name, arg = section.groups()
                if closing:
                    if sections and sections[-1][0] == name.lower():
                        sections.pop()
                    else:
                        self._diag(
                            "servers.apache.syntax", f"</{name}> closes no open <{name}>", where
                        )
                elif len(sections) < 32:
                    sections.append((name.lower(), arg.strip().strip("\"'")))
                    if name.lower() == "virtualhost":
                        self._vhost(arg, where)
                continue
            self._directive(line, where, sections)
        if sections:
            self._diag("servers.apache.syntax", f"<{sections[-1][0]}> is not closed", None)

    def _directive(self, line: str, where: Location, sections: list[tuple[str, str]]) -> None:
        name, _, rest = line.partition(" ")
        key = name.lower()
        if key == "define":
            parts = _words(rest)
            if len(parts) >= 2:
                self.defines[parts[0]] = parts[1]
            return
        args = _words(substitute(rest, self.defines, syntax="braces"))
        if not args:
            return
        location_path = next((arg for kind, arg in reversed(sections) if kind == "location"), None)
        balancer = next((arg for kind, arg in reversed(sections) if kind == "proxy"), None)
        if key == "serverroot":
            self.server_root = args[0]
        elif key == "listen":
            self._listen(args, where)
        elif key in ("include", "includeoptional"):
            self._include(args[0], where, optional=key == "includeoptional")
        elif key in ("alias", "scriptalias") and len(args) >= 2 and is_health_path(args[0]):
            self.config.health.append(HealthPath(args[0], where))
        elif key == "documentroot" and not has_variable(args[0]):
            self.config.roots.append(StaticRoot(args[0], where))
        elif key == "balancermember" and balancer:
            address = split_address(args[0])
            if address is not None:
                self.balancers.setdefault(balancer, []).append((address[0], address[1], where))
        elif key in ("proxypass", "proxypassmatch"):
            path, target = (location_path, args[0]) if location_path else (args[0], args[1:2])
            target_text = target if isinstance(target, str) else (target[0] if target else "")
            if target_text and target_text != "!":
                shown_path = path if key == "proxypass" else None
                self._upstream(target_text, shown_path, where)
        elif key == "rewriterule" and len(args) >= 3 and "P" in args[2].strip("[]").split(","):
            self._upstream(args[1], None, where)
        elif key == "sethandler":
            handler = args[0]
            if handler.startswith("proxy:"):
                self._upstream(handler.removeprefix("proxy:"), location_path, where)
            elif location_path and is_health_path(location_path):
                self.config.health.append(HealthPath(location_path, where))

    def _listen(self, args: list[str], where: Location) -> None:
        value = args[0]
        if has_variable(value):
            self._diag("servers.unresolved", unresolved_message(f"Listen {value}", value), where)
            return
        port = port_number(value.rpartition(":")[2])
        if port is None:
            self._diag("servers.apache.value", f"Listen {value} is not a port", where)
            return
        tls = len(args) > 1 and args[1].lower() == "https"
        self.config.listens.append(Listen(port, where, tls=tls))

    def _upstream(self, target: str, path: str | None, where: Location) -> None:
        scheme = scheme_of(target)
        if scheme == "balancer":
            name = target.split("://", 1)[1].split("/", 1)[0]
            self.pending.append((f"balancer://{name}", path, where))
            return
        address = split_address(target)
        if address is None:
            if has_variable(target):
                message = unresolved_message("a proxy target", target)
                self._diag("servers.unresolved", message, where)
            return
        self.config.upstreams.append(Upstream(address[0], address[1], where, path, scheme))

    def _include(self, pattern: str, where: Location, *, optional: bool) -> None:
        if self.reader is None:
            self._diag("servers.include-not-followed", f"Include {pattern} is not followed", where)
            return
        for text in self.reader.include(pattern, relative_to=self.server_root, cause=where):
            self.read(text, where)

    def _vhost(self, arg: str, where: Location) -> None:
        """``<VirtualHost *:8080>``: the port, used when no ``Listen`` is read (it is then in a
        file the image provides, typically changed by a ``sed`` in the Dockerfile)."""
        for address in substitute(arg, self.defines, syntax="braces").split():
            port = port_number(address.strip("\"'").rpartition(":")[2])
            if port is not None:
                self.vhost_ports.append(Listen(port, where))

    def finish(self) -> None:
        if not self.config.listens:
            self.config.listens.extend(self.vhost_ports)
        for name, path, where in self.pending:
            members = self.balancers.get(name, [])
            if not members:
                self._diag("servers.apache.value", f"{name} has no BalancerMember", where)
            for host, port, location in members:
                self.config.upstreams.append(Upstream(host, port, location, path, "http"))

    def _diag(self, code: str, message: str, where: Location | None) -> None:
        self.config.diagnostics.append(
            Diagnostic(code=code, severity=Severity.INFO, message=message, location=where)
        )


def parse_apache(
    text: str,
    *,
    file: str,
    container_path: str = f"{HTTPD_ROOT}/conf/httpd.conf",
    reader: ConfigReader | None = None,
    env: Mapping[str, str] | None = None,
    server_root: str = HTTPD_ROOT,
) -> ServerConfig:
    """What one httpd configuration (and what it includes, given a reader) says."""
    config = ServerConfig(server="apache", files=[file])
    apache = _Apache(config, reader, env or {})
    apache.server_root = server_root
    apache.read(ConfigText(path=container_path, file=file, text=text), None)
    apache.finish()
    if reader is not None:
        config.files = reader.files or config.files
    return config
