"""What a web server or proxy configuration says, whatever the server: the shared result type.

``ServerConfig`` holds the ports the server listens on, the addresses it forwards to, the
directories it serves and the paths that answer health checks, each with the file and line
that says so.  Addresses are host and port only: credentials in an upstream URL are dropped.

Must not: parse anything, open files, or hold secret values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_CONFIG_BYTES = 512 * 1024  # one configuration file
MAX_FILES = 64  # files read for one server, includes included
MAX_INCLUDE_DEPTH = 8
MAX_DIAGNOSTICS = 20  # per server: the rest are counted in one last diagnostic
MAX_FINDINGS = 256  # listens / upstreams / roots / health paths kept per server
_SCHEME_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "h2c": 80}


@dataclass(frozen=True)
class Listen:
    """A port the server accepts connections on."""

    port: int
    location: Location
    tls: bool = False
    protocol: str = "TCP"
    http: bool = True  # False for plain TCP/UDP proxying (nginx ``stream``, HAProxy ``mode tcp``)


@dataclass(frozen=True)
class Upstream:
    """An address the server forwards requests to: ``host`` (a name or IP) and ``port``.

    ``path`` is the URL prefix routed there when the config says (``/api``); ``scheme`` is the
    protocol when known (http, https, grpc, fastcgi, tcp).
    """

    host: str
    port: int | None
    location: Location
    path: str | None = None
    scheme: str | None = None


@dataclass(frozen=True)
class StaticRoot:
    """A directory served as files (``root``, ``DocumentRoot``, ``file_server``)."""

    path: str
    location: Location


@dataclass(frozen=True)
class HealthPath:
    """A path the server answers itself for health checks (``location = /healthz { return 200; }``)."""

    path: str
    location: Location
    port: int | None = None


@dataclass
class ServerConfig:
    """Everything read from one server's configuration files (``files`` in reading order)."""

    server: str
    listens: list[Listen] = field(default_factory=list)
    upstreams: list[Upstream] = field(default_factory=list)
    roots: list[StaticRoot] = field(default_factory=list)
    health: list[HealthPath] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def listen_ports(self) -> list[int]:
        """The distinct listening port numbers, in the order they were found."""
        return list(dict.fromkeys(listen.port for listen in self.listens))

    def bounded(self) -> ServerConfig:
        """This config with at most ``MAX_FINDINGS`` of each finding and ``MAX_DIAGNOSTICS``
        diagnostics (plus one that says how many more there were)."""
        for name in ("listens", "upstreams", "roots", "health"):
            del getattr(self, name)[MAX_FINDINGS:]
        extra = len(self.diagnostics) - MAX_DIAGNOSTICS
        if extra > 0:
            first = self.diagnostics[0]
            del self.diagnostics[MAX_DIAGNOSTICS:]
            self.diagnostics.append(
                Diagnostic(
                    code="servers.more-diagnostics",
                    severity=Severity.INFO,
                    message=f"{extra} more problems in the {self.server} configuration not shown",
                    location=Location(file=first.location.file) if first.location else None,
                )
            )
        return self

    def extend(self, other: ServerConfig) -> None:
        self.listens.extend(other.listens)
        self.upstreams.extend(other.upstreams)
        self.roots.extend(other.roots)
        self.health.extend(other.health)
        self.files.extend(f for f in other.files if f not in self.files)
        self.diagnostics.extend(other.diagnostics)


def port_number(text: str) -> int | None:
    """``8080`` -> 8080; anything that is not a TCP/UDP port number -> None."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    number = int(text)
    return number if 0 < number < 65536 else None


def split_address(text: str, *, default_port: int | None = None) -> tuple[str, int | None] | None:
    """A host and port from ``host:port``, ``[v6]:port``, ``scheme://user@host:port/path``.

    Returns None when there is no usable host (a variable, a unix socket, junk).
    """
    text = text.strip().strip("\"'")
    if not text or text.startswith(("unix:", "/", "$", "{")):
        return None
    scheme = None
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        try:
            parts = urlsplit(text)
            host, port = parts.hostname, parts.port
        except ValueError:
            return None
        if not host or "$" in host or "{" in host:
            return None
        if port is None:
            port = _SCHEME_PORTS.get(scheme, default_port)
        return host.lower(), port
    text = text.split("/", 1)[0].rsplit("@", 1)[-1]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = port_number(rest[1:]) if rest.startswith(":") else default_port
        return (host, port) if host else None
    host, sep, rest = text.rpartition(":")
    if not sep:
        host, port = text, default_port
    else:
        port = port_number(rest)
        if port is None:
            return None
    if not host or "$" in host or "{" in host:
        return None
    return host.lower(), port


def scheme_of(text: str) -> str | None:
    text = text.strip().strip("\"'")
    return text.split("://", 1)[0].lower() if "://" in text else None
