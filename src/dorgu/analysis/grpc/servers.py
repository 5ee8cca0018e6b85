"""gRPC server code in every supported ecosystem: creating a server, registering services
(and the standard health service), and the address it listens on.

One table of patterns per ecosystem, each tagged with what it proves:

- ``server``: a gRPC server is created or started (``grpc.server``, ``grpc.NewServer``,
  ``ServerBuilder.forPort``, ``MapGrpcService<T>``, tonic ``Server::builder``, ...);
- ``service``: a service is registered; group 1 is its short name (``Greeter``);
- ``health``: ``grpc.health.v1.Health`` is registered;
- ``port``: group 1 is the listen port of the gRPC server.

Must not: open files or raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dorgu.analysis.languages.scanning import Text, has_any
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

HEALTH_NAMES = frozenset({"Health", "HealthCheck"})


@dataclass(frozen=True)
class _Pattern:
    what: str  # server | service | health | port
    pattern: Pattern
    rule: str


def _p(what: str, rule: str, regex: str) -> _Pattern:
    return _Pattern(what, LazyPattern(regex), rule)


_PY = (
    _p("server", "python.server", r"\bgrpc\.(?:aio\.)?server\s*\("),
    _p("service", "python.add_servicer", r"\badd_(\w{1,100}?)Servicer_to_server\s*\("),
    _p("health", "python.health", r"\bhealth_pb2_grpc\.add_HealthServicer_to_server\b"),
    _p(
        "port",
        "python.add_port",
        r"""\.add_(?:insecure|secure)_port\(\s*f?["'][^"'\n]*:(\d{2,5})["']""",
    ),
)
_GO = (
    _p("server", "go.new_server", r"\bgrpc\.NewServer\s*\("),
    _p("service", "go.register", r"\bRegister(\w{1,100}?)Server\s*\(\s*\w"),
    _p("health", "go.health", r"\b(?:grpc_health_v1|healthpb|healthgrpc)\.RegisterHealthServer\b"),
    _p(
        "port", "go.listen", r"""\bnet\.Listen\(\s*"tcp[46]?"\s*,\s*"[\w.\-\[\]]*:(\d{2,5})"\s*\)"""
    ),
)
_JVM = (
    _p("server", "jvm.server_builder", r"\b(?:Netty)?ServerBuilder\s*\.\s*forPort\s*\("),
    _p("server", "jvm.server_builder", r"\bGrpc\s*\.\s*newServerBuilderForPort\s*\("),
    _p("server", "jvm.spring_grpc_service", r"@GrpcService\b"),
    _p("service", "jvm.impl_base", r"\b(\w{1,100})Grpc\s*\.\s*\w{1,100}ImplBase\b"),
    _p(
        "service",
        "jvm.coroutine_impl_base",
        r"\b(\w{1,100})GrpcKt\s*\.\s*\w{1,100}CoroutineImplBase\b",
    ),
    _p("health", "jvm.health", r"\bHealthStatusManager\b|\bHealthGrpc\s*\.\s*HealthImplBase\b"),
    _p("port", "jvm.for_port", r"\b(?:forPort|newServerBuilderForPort)\s*\(\s*(\d{2,5})\b"),
)
_DOTNET = (
    _p("server", "dotnet.map_grpc_service", r"\bMapGrpcService\s*<"),
    _p("server", "dotnet.add_grpc", r"\bAddGrpc\s*\("),
    _p("service", "dotnet.service_base", r"class\s+\w+\s*:\s*(?:[\w.]+\.)?(\w{1,100})\.\1Base\b"),
    _p("health", "dotnet.health", r"\bMapGrpcHealthChecksService\s*\(|\bAddGrpcHealthChecks\s*\("),
)
_RUST = (
    _p("server", "rust.tonic_builder", r"\bServer::builder\s*\(\s*\)"),
    _p("service", "rust.add_service", r"\.add_service\(\s*(\w{1,100}?)Server::new\b"),
    _p("health", "rust.tonic_health", r"\btonic_health::|\bhealth_reporter\s*\(\s*\)"),
    _p("port", "rust.serve_addr", r"""["'][\w.\-\[\]:]*:(\d{2,5})["']\s*\.\s*parse\b"""),
)
_NODE = (
    _p("server", "node.grpc_server", r"\bnew\s+(?:grpc\.)?Server\s*\(|\bTransport\.GRPC\b"),
    _p(
        "service",
        "node.add_service",
        r"\.addService\(\s*(?:[\w.]{0,200}\.)?(\w{1,100})\.service\s*,",
    ),
    _p(
        "service",
        "node.add_service",
        r"\.addService\(\s*(?:[\w.]{0,200}\.)?(\w{1,100}?)Service\s*,",
    ),
    _p("health", "node.health", r"""['"]grpc-health-check['"]|\bHealthImplementation\b"""),
    _p("service", "node.nest_grpc_method", r"""@Grpc(?:Stream)?Method\(\s*['"](\w{1,100})['"]"""),
    _p(
        "port",
        "node.nest_grpc_url",
        r"""\bTransport\.GRPC\b[^}]{0,500}?\burl\s*:\s*['"`][\w.\-\[\]]*:(\d{2,5})""",
    ),
    _p("port", "node.bind", r"""\.bind(?:Async)?\(\s*['"`][\w.\-\[\]]*:(\d{2,5})['"`]"""),
)
_RUBY = (
    _p("server", "ruby.rpc_server", r"\bGRPC::RpcServer\.new\b"),
    _p("service", "ruby.service", r"<\s*(?:[\w:]{0,200}::)?(\w{1,100})::Service\b"),
    _p("health", "ruby.health", r"\bGrpc::Health::Checker\b"),
    _p("port", "ruby.add_port", r"""\.add_http2_port\(\s*['"][\w.\-\[\]]*:(\d{2,5})['"]"""),
)
_PHP = (
    _p("server", "php.roadrunner", r"\bSpiral\\RoadRunner\\GRPC\\Server\b|\bnew\s+Server\s*\("),
    _p(
        "service",
        "php.register",
        r"->registerService\(\s*(?:\\?[\w\\]{0,200}\\)?(\w{1,100}?)Interface::class",
    ),
    _p("health", "php.health", r"\bHealthInterface::class"),
)
_BY_SUFFIX: tuple[tuple[tuple[str, ...], str, tuple[_Pattern, ...]], ...] = (
    ((".py",), "python", _PY),  # (suffixes, comment syntax, patterns)
    ((".go",), "go", _GO),
    ((".java", ".kt", ".scala"), "js", _JVM),
    ((".cs",), "js", _DOTNET),
    ((".rs",), "js", _RUST),
    ((".js", ".mjs", ".cjs", ".ts", ".mts"), "js", _NODE),
    ((".rb",), "ruby", _RUBY),
    ((".php",), "php", _PHP),
)
_GATES = ("grpc", "Grpc", "GRPC", "tonic", "Servicer", "Server", "RpcServer")
MAX_REGISTRATIONS = 100


@dataclass
class ServerCode:
    """What the source says about a gRPC server; each fact with the rule and place."""

    server: tuple[str, Location] | None = None
    services: dict[str, tuple[str, Location]] = field(default_factory=dict)  # short name
    health: tuple[str, Location] | None = None
    port: tuple[int, str, Location] | None = None

    @property
    def found(self) -> bool:
        return self.server is not None or bool(self.services)


def _patterns(path: str) -> tuple[str, tuple[_Pattern, ...]] | None:
    for suffixes, language, patterns in _BY_SUFFIX:
        if path.endswith(suffixes):
            return language, patterns
    return None


def scan_server_code(texts: list[tuple[str, str]]) -> ServerCode:
    """Scan (path, text) pairs of source files in path order."""
    found = ServerCode()
    for path, raw in texts:
        chosen = _patterns(path)
        if chosen is None or not has_any(raw, *_GATES):
            continue
        syntax, patterns = chosen
        text = Text(path, raw, syntax)
        for item in patterns:
            for match in item.pattern.finditer(text.code):
                _record(found, item, match, text, f"grpc.{item.rule}")
                if item.what != "service":
                    break
    return found


def _record(found: ServerCode, item: _Pattern, match: re.Match[str], text: Text, rule: str) -> None:
    where = text.loc(match.start())
    if item.what == "server" and found.server is None:
        found.server = (rule, where)
    elif item.what == "health" and found.health is None:
        found.health = (rule, where)
    elif item.what == "port" and found.port is None:
        number = int(match.group(1))
        if 1 <= number <= 65535:
            found.port = (number, rule, where)
    elif item.what == "service":
        name = match.group(1)
        if name in HEALTH_NAMES:
            if found.health is None:
                found.health = (rule, where)
        elif name.endswith("Handler"):  # grpc-gateway's RegisterXHandlerServer is HTTP
            return
        elif name and name not in found.services and len(found.services) < MAX_REGISTRATIONS:
            found.services[name] = (rule, where)
