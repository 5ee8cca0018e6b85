"""Elixir analyser: ``mix.exs`` (Phoenix, Ecto adapters, Redix, Broadway/AMQP, PromEx),
``config/*.exs`` endpoint ports (``String.to_integer(System.get_env("PORT") || "4000")``),
Plug/Bandit child specs, and routers via ``elixir_router``.

``runtime.exs`` and ``prod.exs`` outrank ``config.exs``, which outranks ``dev.exs``.  Phoenix's
default 4000 is reported only when an endpoint is configured without a port.
Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath
import re

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.elixir_router import ROUTER_HINT, RouterFacts, scan_router
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.scanning import Text, is_skipped, sources
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import EndpointKind
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_DEP = LazyPattern(r"\{\s*:(\w+)\s*,([^{}\n]*)\}")
_ELIXIR_VERSION = LazyPattern(r"\belixir:\s*\"[~>=\s]*(\d+\.\d+(?:\.\d+)?)")
_DEP_KINDS = {
    "postgrex": "postgres",
    "myxql": "mysql",
    "ecto_sqlite3": "sqlite",
    "exqlite": "sqlite",
    "tds": "mssql",
    "mongodb_driver": "mongodb",
    "mongodb": "mongodb",
    "redix": "redis",
    "amqp": "rabbitmq",
    "broadway_rabbitmq": "rabbitmq",
    "broadway_kafka": "kafka",
    "kafka_ex": "kafka",
    "brod": "kafka",
    "broadway_sqs": "sqs",
    "gnat": "nats",
    "elasticsearch": "elasticsearch",
    "snap": "elasticsearch",
    "ex_aws_s3": "s3",
}
_CONFIG_RANK = {"runtime.exs": 0, "prod.exs": 1, "config.exs": 2, "dev.exs": 4, "test.exs": 9}
_HTTP_PORT = LazyPattern(r"\bhttps?:\s*\[[^\]]{0,400}?\bport:\s*([^\]\n]{1,200})")
_ENDPOINT_CONFIG = LazyPattern(r"\bconfig\s+:\w+\s*,\s*[\w.]+\.Endpoint\b")
_ENV_FALLBACK = LazyPattern(
    r"System\.get_env\(\s*\"([A-Z_]*PORT)\"\s*(?:,\s*\"(\d{2,5})\"\s*\)|\)\s*\|\|\s*\"?(\d{2,5}))"
)
_ASSIGN = r"(?m)^\s*{name}\s*=\s*(.+)$"
_CHILD_PORT = LazyPattern(r"\{\s*(?:Plug\.Cowboy|Bandit)\s*,[^{}]{0,400}?\bport:\s*(\d{2,5})")
_ENV_VAR = LazyPattern(r"System\.(?:get_env|fetch_env!?)\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"")
_PROM_EX_PATH = LazyPattern(r"plug\s+PromEx\.Plug\b[^\n]*?\bpath:\s*\"([^\"]+)\"")
_TELEMETRY_PROM = LazyPattern(r"\{\s*TelemetryMetricsPrometheus\s*,([^{}]{0,400})\}")


def _port_value(expr: str, code: str) -> tuple[str, str | None] | None:
    """(port, env name) of a port expression: literal, env fallback, or a variable holding one."""
    expr = expr.strip()
    literal = re.match(r"(\d{2,5})\b", expr)
    if literal:
        return literal.group(1), None
    fallback = _ENV_FALLBACK.search(expr)
    if fallback:
        return fallback.group(2) or fallback.group(3), fallback.group(1)
    name = re.match(r"([a-z_]\w*)\s*(?:,|$)", expr)
    if name:
        expr = name.group(1)
        assigned = re.search(_ASSIGN.format(name=re.escape(expr)), code)
        if assigned and assigned.group(1).strip() != expr:
            return _port_value(assigned.group(1), "")
    return None


class ElixirAnalyzer:
    name = "elixir"

    def wants(self, path: str) -> bool:
        return path.endswith((".ex", ".exs"))

    def detect(self, tree: SourceTree) -> bool:
        return any(posixpath.basename(p) == "mix.exs" for p in tree.paths)

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("elixir")
        deps: dict[str, Location] = {}
        version: str | None = None
        mix_files = [p for p in tree.named("mix.exs") if not is_skipped(p) and p in tree.texts]
        for path in mix_files:
            text = Text(path, tree.texts[path], "ruby")
            for m in _DEP.finditer(text.code):
                if re.search(
                    r"\bonly:\s*(?::test|\[\s*:(?:dev|test)\s*(?:,\s*:(?:dev|test)\s*)?\])",
                    m.group(2),
                ):
                    continue
                deps.setdefault(m.group(1), text.loc(m.start()))
            match = _ELIXIR_VERSION.search(text.code)
            if match and version is None:
                version = match.group(1)
                findings.fact(
                    "language_version", version, "elixir.mix.elixir", text.loc(match.start())
                )
        framework_dep = next((d for d in ("phoenix", "plug_cowboy", "bandit") if d in deps), None)
        framework = None
        if framework_dep:
            framework = "phoenix" if framework_dep == "phoenix" else "plug"
            findings.fact(
                "framework", framework, "elixir.mix.dependency", deps[framework_dep], 0.95
            )
        if mix_files:
            findings.fact(
                "build_tool", "mix", "elixir.mix", Location(file=mix_files[0], line=1), 0.95
            )
        for name, location in sorted(deps.items()):
            if name in _DEP_KINDS:
                findings.dependency(
                    _DEP_KINDS[name],
                    location,
                    "elixir.mix.dependency",
                    via="driver",
                    confidence=0.9,
                )
        self._config(tree, findings, framework)
        facts = RouterFacts()
        for path, raw in sources(tree, ".ex", ".exs"):
            text = Text(path, raw, "ruby")
            findings.env_names(text, _ENV_VAR, "elixir.system-env")
            if ROUTER_HINT.search(text.code):
                scan_router(text, findings, facts)
            for m in _CHILD_PORT.finditer(text.code):
                findings.port(m.group(1), text.loc(m.start()), "elixir.plug-child-spec", 0.85)
            self._metrics(text, findings, deps)
        app_type = (
            "web" if "browser" in facts.pipelines else "api" if findings.route_count else None
        )
        return findings.report(
            confidence=0.9 if mix_files else 0.3,
            framework=framework,
            language_version=version,
            build_tool="mix" if mix_files else None,
            app_type=app_type,
            extras={"pipelines": ",".join(sorted(facts.pipelines))} if facts.pipelines else {},
        )

    def _config(self, tree: SourceTree, findings: Findings, framework: str | None) -> None:
        configs = [
            p
            for p in tree.paths
            if p in tree.texts
            and posixpath.basename(posixpath.dirname(p)) == "config"
            and p.endswith(".exs")
            and not is_skipped(p)
        ]
        configs.sort(key=lambda p: (_CONFIG_RANK.get(posixpath.basename(p), 3), p))
        endpoint: Location | None = None
        for path in configs:
            rank = _CONFIG_RANK.get(posixpath.basename(path), 3)
            if rank >= 9:
                continue
            text = Text(path, tree.texts[path], "ruby")
            scan_env_ports(text, findings, "elixir")
            for m in _HTTP_PORT.finditer(text.code):
                value = _port_value(m.group(1), text.code)
                if value:
                    confidence = 0.9 - 0.1 * rank if rank < 4 else 0.5
                    findings.port(
                        value[0],
                        text.loc(m.start()),
                        f"elixir.config.{posixpath.basename(path)}",
                        confidence,
                    )
            hit = _ENDPOINT_CONFIG.search(text.code)
            if hit and endpoint is None:
                endpoint = text.loc(hit.start())
        if framework == "phoenix" and endpoint is not None:
            findings.port(4000, endpoint, "elixir.phoenix.default-port", 0.4)

    def _metrics(self, text: Text, findings: Findings, deps: dict[str, Location]) -> None:
        code = text.code
        if "prom_ex" in deps and "PromEx.Plug" in code:
            match = _PROM_EX_PATH.search(code)
            where = code.find("PromEx.Plug")
            findings.endpoint(
                EndpointKind.METRICS,
                match.group(1) if match else "/metrics",
                text.loc(where),
                "elixir.prom_ex.plug",
            )
        if "telemetry_metrics_prometheus" in deps and "TelemetryMetricsPrometheus" in code:
            for m in _TELEMETRY_PROM.finditer(code):
                port = re.search(r"\bport:\s*(\d{2,5})", m.group(1))
                number = int(port.group(1)) if port else 9568
                findings.endpoint(
                    EndpointKind.METRICS,
                    "/metrics",
                    text.loc(m.start()),
                    "elixir.telemetry_metrics_prometheus",
                    port=number,
                )
                findings.port(
                    number,
                    text.loc(m.start()),
                    "elixir.telemetry_metrics_prometheus",
                    0.8,
                    purpose="metrics",
                )


ANALYZER = ElixirAnalyzer()
