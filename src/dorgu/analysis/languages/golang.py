"""The Go analyser: net/http, Gin, Echo, Fiber, chi, gorilla/mux, httprouter and gRPC servers.

Reads go.mod (module, go version, direct requirements) and Go sources (comments masked); routes
are in ``golang_routes``.  ``vendor/`` and ``_test.go`` files are ignored.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.grpc.servers import scan_server_code
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.golang_routes import scan_routes
from dorgu.analysis.languages.listen_exprs import argument_expr
from dorgu.analysis.languages.scanning import (
    Text,
    assignment,
    call_args,
    has_any,
    is_skipped,
    is_test,
    port_purpose,
    receiver,
    shallowest,
    sources,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.listening.expressions import env, flag, literal, make_expr
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import EndpointKind
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_FRAMEWORKS = (
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo", "echo"),
    ("github.com/gofiber/fiber", "fiber"),
    ("github.com/go-chi/chi", "chi"),
    ("github.com/gorilla/mux", "gorilla"),
    ("github.com/julienschmidt/httprouter", "httprouter"),
    ("google.golang.org/grpc", "grpc"),
)
_MODULE_KINDS = (
    ("github.com/jackc/pgx", "postgres"),
    ("github.com/lib/pq", "postgres"),
    ("gorm.io/driver/postgres", "postgres"),
    ("github.com/go-sql-driver/mysql", "mysql"),
    ("gorm.io/driver/mysql", "mysql"),
    ("github.com/redis/go-redis", "redis"),
    ("github.com/go-redis/redis", "redis"),
    ("github.com/gomodule/redigo", "redis"),
    ("github.com/segmentio/kafka-go", "kafka"),
    ("github.com/IBM/sarama", "kafka"),
    ("github.com/Shopify/sarama", "kafka"),
    ("github.com/confluentinc/confluent-kafka-go", "kafka"),
    ("github.com/twmb/franz-go", "kafka"),
    ("github.com/streadway/amqp", "rabbitmq"),
    ("github.com/rabbitmq/amqp091-go", "rabbitmq"),
    ("go.mongodb.org/mongo-driver", "mongodb"),
    ("github.com/nats-io/nats.go", "nats"),
    ("github.com/elastic/go-elasticsearch", "elasticsearch"),
    ("github.com/olivere/elastic", "elasticsearch"),
    ("github.com/bradfitz/gomemcache", "memcached"),
    ("github.com/gocql/gocql", "cassandra"),
    ("github.com/minio/minio-go", "minio"),
    ("github.com/mattn/go-sqlite3", "sqlite"),
    ("modernc.org/sqlite", "sqlite"),
    ("github.com/denisenkom/go-mssqldb", "mssql"),
    ("github.com/microsoft/go-mssqldb", "mssql"),
    ("github.com/ClickHouse/clickhouse-go", "clickhouse"),
    ("github.com/aws/aws-sdk-go-v2/service/s3", "s3"),
    ("github.com/aws/aws-sdk-go-v2/service/sqs", "sqs"),
    ("github.com/aws/aws-sdk-go-v2/service/dynamodb", "dynamodb"),
)
_REQUIRE_LINE = LazyPattern(r"^\s*(?:require\s+)?([\w.\-~]+(?:/[\w.\-~]+)+)\s+v[\w.\-+]+")
_MODULE = LazyPattern(r"^module\s+(\S+)", re.M)
_GO_VERSION = LazyPattern(r"^go\s+(\d+(?:\.\d+){0,2})\s*$", re.M)
_LISTEN_ARG = LazyPattern(
    r"(http\.ListenAndServe(?:TLS)?\(|\.(?:Run|Start|Listen|ListenAndServe)\()"
    r"|\bAddr\s*:\s*([^,\n}]{1,200})"
)
_NET_HTTP = LazyPattern(r"http\.(?:ListenAndServe|HandleFunc|Handle|NewServeMux)\(")
_LITERAL_PORT = LazyPattern(
    r"(?:http\.ListenAndServe(?:TLS)?|\.(?:Run|Start|StartTLS|Listen|ListenTLS|ListenAndServe))"
    r'\(\s*"[\w.\-\[\]]*:(\d{2,5})"'
)
_ADDR = LazyPattern(r'Addr\s*:\s*"[\w.\-\[\]]*:(\d{2,5})"')
_NET_LISTEN = LazyPattern(r'net\.Listen\(\s*"tcp[46]?"\s*,\s*"[\w.\-\[\]]*:(\d{2,5})"')
_GIN_RUN = LazyPattern(r"\.Run\(\s*\)")
_GETENV = LazyPattern(r'os\.Getenv\(\s*"(\w{1,64})"\s*\)')
_ENV_HELPER = LazyPattern(r'[Ee]nv\w*\(\s*"(\w{1,64})"\s*,\s*":?(\d{2,5})"\s*\)')
_ENV_TAG = LazyPattern(
    r'(?:env|envconfig):"(\w{1,64})[^"]{0,50}"[^`\n]{0,100}?(?:envDefault|default):":?(\d{2,5})"'
)
_FLAG = LazyPattern(
    r'flag\.(?:String|Int)(?:Var)?\([^"\n]{0,60}"(port|addr|listen|http|http-addr|listen-addr)"'
    r'\s*,\s*"?:?(\d{2,5})"?'
)
_QUOTED_PORT = LazyPattern(r'=\s*":?(\d{2,5})"')
_PORT_NAME = LazyPattern(
    r"^(?:port|addr|listenAddr|httpAddr|defaultPort|serverPort|httpPort)$", re.IGNORECASE
)
_METRICS_SERVER = LazyPattern(
    r'ListenAndServe\(\s*"[\w.\-]*:(\d{2,5})"\s*,\s*promhttp\.Handler\(\)'
)
ENV_READ = LazyPattern(r'os\.(?:Getenv|LookupEnv)\(\s*"(\w{1,128})"|(?:env|envconfig):"(\w{1,128})')
_HTTP_CALL = LazyPattern(
    r'http\.(?:Get|Post|Head|NewRequest\w*)\([^"\n]{0,100}"(https?://[^"\s]{1,300})"'
)


def _kind(module: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for prefix, kind in table:
        if module == prefix or module.startswith(prefix + "/"):
            return kind
    return None


class GoAnalyzer:
    name = "go"

    def wants(self, path: str) -> bool:
        if is_skipped(path):
            return False
        return path.rsplit("/", 1)[-1] in ("go.mod", "go.work") or (
            path.endswith(".go") and not is_test(path)
        )

    def detect(self, tree: SourceTree) -> bool:
        return any(
            (p.endswith(".go") or p.rsplit("/", 1)[-1] == "go.mod") and not is_skipped(p)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("go")
        gomod = shallowest(tree, "go.mod")
        requires = self._read_gomod(gomod, tree.texts.get(gomod or "", ""), findings)
        texts = [Text(path, text, "go") for path, text in sources(tree, ".go")]
        framework = self._framework(requires, texts, findings)
        for module, loc in requires.items():
            kind = _kind(module, _MODULE_KINDS)
            if kind is not None:
                findings.dependency(kind, loc, "go.mod.require", via="driver")
        scan_routes(texts, findings, framework)
        for text in texts:
            self._scan(text, findings, framework)
        version = next((e.value for e in findings.evidence if e.field == "language_version"), None)
        confidence = (
            0.9
            if gomod and framework
            else 0.75
            if gomod
            else 0.6
            if framework
            else 0.3
            if texts
            else 0.1
        )
        return findings.report(
            confidence=confidence,
            framework=framework,
            language_version=version,
            build_tool="go" if gomod else None,
            app_type="api" if framework else None,
            extras={"module": m.group(1)}
            if gomod and (m := _MODULE.search(tree.texts.get(gomod, "")))
            else {},
        )

    @staticmethod
    def _read_gomod(path: str | None, text: str, findings: Findings) -> dict[str, Location]:
        requires: dict[str, Location] = {}
        if path is None:
            return requires
        version = _GO_VERSION.search(text)
        if version:
            at = text.count("\n", 0, version.start()) + 1
            findings.fact(
                "language_version", version.group(1), "go.mod.go", Location(file=path, line=at)
            )
        findings.fact("build_tool", "go", "go.mod", Location(file=path, line=1), 0.95)
        for number, line in enumerate(text.splitlines()[:20000], start=1):
            if "// indirect" in line:
                continue
            match = _REQUIRE_LINE.match(line)
            if match and not line.lstrip().startswith(("module", "replace", "exclude", "retract")):
                requires.setdefault(match.group(1), Location(file=path, line=number))
        if not _MODULE.search(text):
            findings.diagnose(
                "go.mod.no_module", "go.mod has no module directive", Location(file=path, line=1)
            )
        return requires

    @staticmethod
    def _framework(
        requires: dict[str, Location], texts: list[Text], findings: Findings
    ) -> str | None:
        for module, loc in requires.items():
            found = _kind(module, _FRAMEWORKS)
            if found is not None and found != "grpc":
                findings.fact("framework", found, "go.mod.require", loc, 0.9)
                return found
        # grpc-go is in every client's go.mod too: only server code makes the framework grpc
        grpc = [loc for module, loc in requires.items() if _kind(module, _FRAMEWORKS) == "grpc"]
        if grpc and scan_server_code([(t.path, t.raw) for t in texts]).found:
            findings.fact("framework", "grpc", "go.mod.require", grpc[0], 0.8)
            return "grpc"
        for text in texts:
            match = _NET_HTTP.search(text.code)
            if match:
                findings.fact("framework", "net/http", "go.net_http", text.loc(match.start()), 0.7)
                return "net/http"
        return None

    @staticmethod
    def _scan(text: Text, findings: Findings, framework: str | None) -> None:
        code = text.code
        if "promhttp" in code:
            for match in _METRICS_SERVER.finditer(code):
                loc = text.loc(match.start())
                number = int(match.group(1))
                findings.port(number, loc, "go.promhttp.server", 0.85, "metrics")
                findings.endpoint(
                    EndpointKind.METRICS, "/metrics", loc, "go.promhttp.server", port=number
                )
        for pattern in (_LITERAL_PORT, _ADDR) if ":" in code else ():
            for match in pattern.finditer(code):
                findings.port(match.group(1), text.loc(match.start()), "go.listen", 0.85)
        if "net.Listen" in code:
            kind = "grpc" if "grpc.NewServer" in code else "http"
            for match in _NET_LISTEN.finditer(code):
                findings.port(match.group(1), text.loc(match.start()), "go.net_listen", 0.8, kind)
        if framework == "gin" and ".Run(" in code:
            for match in _GIN_RUN.finditer(code):
                findings.port(8080, text.loc(match.start()), "go.gin.default_port", 0.55)
        if "PORT" in code:
            GoAnalyzer._scan_env_ports(text, findings)
        GoAnalyzer._scan_listen_args(text, findings)
        if "flag." in code:
            for match in _FLAG.finditer(code):
                findings.port(match.group(2), text.loc(match.start()), "go.flag.port_default", 0.75)
                chain = [flag(match.group(1)), literal(match.group(2))]
                expr = make_expr(match.group(), chain, "go.flag.port_expr", text.loc(match.start()))
                findings.listen(expr)
        for match in _QUOTED_PORT.finditer(code):
            assigned = assignment(code, match.start() + 1)
            name = receiver(code, match.start())
            target = assigned[0] if assigned else name
            if target and _PORT_NAME.match(target):
                findings.port(match.group(1), text.loc(match.start()), "go.port_constant", 0.6)
        if has_any(code, "Getenv", "LookupEnv", 'env:"', 'envconfig:"'):
            findings.env_names(text, ENV_READ, "go.env.read")
        findings.url_schemes(text, "go.connection_url")
        for match in _HTTP_CALL.finditer(code) if "://" in code else ():
            findings.service_url(match.group(1), text.loc(match.start()), "go.http_client")

    @staticmethod
    def _scan_listen_args(text: Text, findings: Findings) -> None:
        """``http.ListenAndServe(addr, ...)``, ``r.Run(addr)``, ``Addr: addr``: the address
        expression, through one variable, when it reads the environment."""
        code = text.code
        if not has_any(code, "Getenv", "LookupEnv"):
            return
        for count, match in enumerate(_LISTEN_ARG.finditer(code)):
            if count >= 64:
                break
            if match.group(1) is not None:
                args = call_args(code, match.end() - 1, 1000)
                value = split_top_level(args)[:1] if args else []
            else:
                value = [match.group(2)]
            if value:
                loc = text.loc(match.start())
                expr = argument_expr(
                    text, value[0], match.start(), "go", "go.listen.port_expr", loc
                )
                if expr is not None:
                    findings.listen(expr)

    @staticmethod
    def _scan_env_ports(text: Text, findings: Findings) -> None:
        code = text.code
        for match in _GETENV.finditer(code):
            purpose = port_purpose(match.group(1))
            assigned = assignment(code, match.start())
            if purpose is None or assigned is None:
                continue
            fallback = re.search(
                rf'\b{re.escape(assigned[0])}\s*=\s*":?(\d{{2,5}})"',
                code[match.end() : match.end() + 400],
            )
            loc = text.loc(match.start())
            chain = [env(match.group(1))] + ([literal(fallback.group(1))] if fallback else [])
            shown = match.group() + (f' (else "{fallback.group(1)}")' if fallback else "")
            findings.listen(make_expr(shown, chain, "go.env.port_expr", loc, purpose=purpose))
            if fallback:
                findings.port(fallback.group(1), loc, "go.env.port_default", 0.8, purpose)
        for pattern in (_ENV_HELPER, _ENV_TAG):
            for match in pattern.finditer(code):
                purpose = port_purpose(match.group(1))
                if purpose:
                    loc = text.loc(match.start())
                    findings.port(match.group(2), loc, "go.env.port_default", 0.8, purpose)
                    chain = [env(match.group(1)), literal(match.group(2))]
                    findings.listen(
                        make_expr(match.group(), chain, "go.env.port_expr", loc, purpose=purpose)
                    )


ANALYZER = GoAnalyzer()
