"""The Ruby analyser: Rails, Sinatra, Hanami, Grape and Roda apps, Sidekiq/Resque workers.

Reads the Gemfile (outside development/test groups), .ruby-version, config/puma.rb,
config/database.yml, config/application.rb, config.ru, Procfile and Ruby sources (comments
masked).  Routes are in ``ruby_routes``.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.ruby_routes import scan_rails_routes, scan_sinatra
from dorgu.analysis.languages.scanning import (
    Text,
    is_skipped,
    is_test,
    shallowest,
    sources,
    version_from_spec,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import EndpointKind
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_FRAMEWORKS = ("rails", "hanami", "sinatra", "grape", "roda")
_WORKERS = ("sidekiq", "resque", "sneakers", "karafka")
_GEM_KINDS = {
    **dict.fromkeys(("pg",), "postgres"),
    **dict.fromkeys(("mysql2", "trilogy"), "mysql"),
    **dict.fromkeys(("sqlite3",), "sqlite"),
    **dict.fromkeys(("redis", "redis-client", "hiredis", "kredis", "sidekiq", "resque"), "redis"),
    **dict.fromkeys(("bunny", "sneakers", "hutch"), "rabbitmq"),
    **dict.fromkeys(("ruby-kafka", "rdkafka", "karafka", "racecar", "waterdrop"), "kafka"),
    **dict.fromkeys(("mongoid", "mongo"), "mongodb"),
    **dict.fromkeys(
        ("elasticsearch", "searchkick", "chewy", "elasticsearch-model"), "elasticsearch"
    ),
    "opensearch-ruby": "opensearch",
    "dalli": "memcached",
    "aws-sdk-s3": "s3",
    "aws-sdk-sqs": "sqs",
    "nats-pure": "nats",
}
_GEM = LazyPattern(r"""^\s*gem\s*\(?\s*["']([\w.\-]{1,100})["']""")
_GROUP = LazyPattern(r"^\s*group\s+(.*)\bdo\b")
_RUBY = LazyPattern(r"""^\s*ruby\s+["']([^"'\n]{1,40})["']""", re.M)
_BLOCK = LazyPattern(r"\bdo\s*(?:\|[^|]*\|)?\s*$")
_END = LazyPattern(r"^\s*end\b")
_ADAPTER = LazyPattern(r"^\s*adapter:\s*[\"']?(postgresql|postgis|mysql2|trilogy|sqlite3)\b", re.M)
_ADAPTER_KINDS = {
    "postgresql": "postgres",
    "postgis": "postgres",
    "mysql2": "mysql",
    "trilogy": "mysql",
    "sqlite3": "sqlite",
}
_PUMA_FETCH = LazyPattern(
    r"""^\s*port\s*\(?\s*ENV\.fetch\(\s*["'](\w+)["']\s*(?:,\s*(\d{2,5})\s*\)|\)\s*\{\s*(\d{2,5})\s*\})""",
    re.M,
)
_PUMA_PORT = LazyPattern(r"^\s*port\s*\(?\s*(\d{2,5})\b", re.M)
_PUMA_BIND = LazyPattern(r"""^\s*bind\s*\(?\s*["']tcp://[^"'\n]*:(\d{2,5})["']""", re.M)
_SINATRA_PORT = LazyPattern(r"\bset\s*\(?\s*:port\s*,\s*(\d{2,5})\b")
_SINATRA_CODE = LazyPattern(
    r"""^\s*require\s+["']sinatra(?:/base)?["']|<\s*Sinatra::(?:Base|Application)\b""", re.M
)
_RAILS_APP = LazyPattern(r"<\s*Rails::Application\b")
_API_ONLY = LazyPattern(r"config\.api_only\s*=\s*true\b")
_COMMAND = LazyPattern(
    r"\b(puma|rails\s+(?:s|server)|rackup|unicorn|falcon\s+serve|sidekiq)\b[^\n]{0,300}"
)
_COMMAND_PORT = LazyPattern(r"(?:-p|--port)(?:=|\s+)(\d{2,5})\b|tcp://[^\s:]*:(\d{2,5})")
_COMMAND_DEFAULTS = {"rails": 3000, "rackup": 9292, "puma": 9292, "unicorn": 8080}
_EXPORTER = LazyPattern(r"^\s*use\s+(?:::)?Prometheus::Middleware::Exporter\b([^\n]*)", re.M)
ENV_READ = LazyPattern(
    r"""\bENV\[\s*["'](\w{1,128})["']\s*\]|\bENV\.fetch\s*\(?\s*["'](\w{1,128})["']|\bENV\.key\?\(\s*["'](\w{1,128})["']"""
)
_HTTP_CALL = LazyPattern(
    r"""\b(?:HTTParty|Faraday|Net::HTTP|RestClient|HTTP)\.(?:get|post|put|patch|delete|new)\(?\s*["'](https?://[^"'\s]{1,300})"""
)


class RubyAnalyzer:
    name = "ruby"

    def wants(self, path: str) -> bool:
        if is_skipped(path):
            return False
        base = path.rsplit("/", 1)[-1]
        if base in ("Gemfile", ".ruby-version", "config.ru", "Procfile", "database.yml", "gems.rb"):
            return True
        return base.endswith((".rb", ".rake")) and not is_test(path)

    def detect(self, tree: SourceTree) -> bool:
        return any(
            (p.endswith(".rb") or p.rsplit("/", 1)[-1] in ("Gemfile", "gems.rb", "config.ru"))
            and not is_skipped(p)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("ruby")
        gemfile = shallowest(tree, "Gemfile", "gems.rb")
        gems = self._read_gemfile(gemfile, tree.texts.get(gemfile or "", ""))
        texts = [Text(p, t, "ruby") for p, t in sources(tree, ".rb", ".ru")]
        framework = self._framework(gems, texts, findings)
        api_only = any(
            _API_ONLY.search(t.code) for t in texts if t.path.endswith("config/application.rb")
        )
        for text in texts:
            if text.path == "config/routes.rb" or text.path.endswith("/config/routes.rb"):
                scan_rails_routes(text, findings, api_only=api_only)
            elif "inatra" in text.code and _SINATRA_CODE.search(text.code):
                scan_sinatra(text, findings)
            self._scan(text, findings)
        for name, loc in gems.items():
            kind = _GEM_KINDS.get(name)
            if kind is not None:
                findings.dependency(kind, loc, "ruby.gem", via="driver")
        for path, content in tree.texts.items():
            if path.endswith("config/database.yml") and not is_skipped(path):
                match = _ADAPTER.search(content)
                if match:
                    loc = Location(file=path, line=content.count("\n", 0, match.start()) + 1)
                    kind = _ADAPTER_KINDS[match.group(1)]
                    findings.dependency(kind, loc, "ruby.rails.database_yml", via="config")
        workers = [w for w in _WORKERS if w in gems]
        self._scan_procfile(tree, findings)
        version = self._version(tree, gemfile, findings)
        if gemfile:
            findings.fact("build_tool", "bundler", "ruby.gemfile", Location(file=gemfile), 0.9)
        main = framework or (workers[0] if workers else None)
        app_type = None
        if framework == "rails":
            app_type = "api" if api_only else "web"
        elif framework:
            app_type = "web" if framework == "hanami" else "api"
        elif workers:
            app_type = "worker"
        confidence = (
            0.9 if gemfile and main else 0.75 if main else 0.6 if gemfile else 0.3 if texts else 0.1
        )
        return findings.report(
            confidence=confidence,
            framework=main,
            language_version=version,
            build_tool="bundler" if gemfile else None,
            app_type=app_type,
            extras={"worker": workers[0]} if workers and framework else {},
        )

    @staticmethod
    def _read_gemfile(path: str | None, text: str) -> dict[str, Location]:
        gems: dict[str, Location] = {}
        if path is None:
            return gems
        skipping: list[bool] = []
        for number, line in enumerate(text.splitlines()[:10000], start=1):
            group = _GROUP.match(line)
            if group:
                skipping.append(not re.search(r":(?:production|default)\b", group.group(1)))
                continue
            if _BLOCK.search(line):
                skipping.append(bool(skipping and skipping[-1]))
            elif _END.match(line):
                if skipping:
                    skipping.pop()
            elif (gem := _GEM.match(line)) is not None and not (skipping and skipping[-1]):
                gems.setdefault(gem.group(1), Location(file=path, line=number))
        return gems

    @staticmethod
    def _framework(gems: dict[str, Location], texts: list[Text], findings: Findings) -> str | None:
        for name in _FRAMEWORKS:
            if name in gems or (name == "rails" and "railties" in gems):
                loc = gems.get(name) or gems.get("railties")
                findings.fact("framework", name, "ruby.gem", loc, 0.9)
                return name
        for text in texts:
            for pattern, name in ((_RAILS_APP, "rails"), (_SINATRA_CODE, "sinatra")):
                match = pattern.search(text.code)
                if match:
                    findings.fact("framework", name, "ruby.code", text.loc(match.start()), 0.7)
                    return name
        return None

    @staticmethod
    def _scan(text: Text, findings: Findings) -> None:
        code = text.code
        if text.path.endswith("puma.rb"):
            for match in _PUMA_FETCH.finditer(code):
                findings.port(
                    match.group(2) or match.group(3),
                    text.loc(match.start()),
                    "ruby.puma.port_env_default",
                    0.85,
                )
            for pattern in (_PUMA_PORT, _PUMA_BIND):
                for match in pattern.finditer(code):
                    findings.port(match.group(1), text.loc(match.start()), "ruby.puma.port", 0.9)
        for match in _SINATRA_PORT.finditer(code) if ":port" in code else ():
            findings.port(match.group(1), text.loc(match.start()), "ruby.sinatra.port", 0.85)
        if text.path.endswith(".ru"):
            for match in _EXPORTER.finditer(code):
                custom = re.search(r"""path:\s*["']([^"'\n]+)["']""", match.group(1))
                path = custom.group(1) if custom else "/metrics"
                findings.endpoint(
                    EndpointKind.METRICS, path, text.loc(match.start()), "ruby.prometheus.exporter"
                )
        if "ENV" in code:
            findings.env_names(text, ENV_READ, "ruby.env.read")
            scan_env_ports(text, findings, "ruby")
        findings.url_schemes(text, "ruby.connection_url")
        for match in _HTTP_CALL.finditer(code) if "://" in code else ():
            findings.service_url(match.group(1), text.loc(match.start()), "ruby.http_client")

    @staticmethod
    def _scan_procfile(tree: SourceTree, findings: Findings) -> None:
        for path in tree.named("Procfile"):
            text = tree.texts.get(path)
            if text is None or is_skipped(path):
                continue
            source = Text(path, text, "text")
            for match in _COMMAND.finditer(source.code):
                tool = match.group(1).split()[0]
                if tool == "sidekiq":
                    continue
                loc = source.loc(match.start())
                port = _COMMAND_PORT.search(match.group())
                if port:
                    findings.port(port.group(1) or port.group(2), loc, f"ruby.command.{tool}", 0.9)
                elif (
                    tool in _COMMAND_DEFAULTS
                    and "-C" not in match.group()
                    and "$" not in match.group()
                ):
                    findings.port(
                        _COMMAND_DEFAULTS[tool], loc, f"ruby.command.{tool}.default_port", 0.6
                    )

    @staticmethod
    def _version(tree: SourceTree, gemfile: str | None, findings: Findings) -> str | None:
        path = shallowest(tree, ".ruby-version")
        if path is not None:
            first = (tree.texts.get(path) or "").strip().split("\n", 1)[0]
            version = version_from_spec(first.removeprefix("ruby-"))
            if version:
                findings.fact(
                    "language_version", version, "ruby.ruby_version", Location(file=path, line=1)
                )
                return version
        text = tree.texts.get(gemfile or "", "")
        match = _RUBY.search(text)
        version = version_from_spec(match.group(1)) if match else None
        if version and match and gemfile:
            loc = Location(file=gemfile, line=text.count("\n", 0, match.start()) + 1)
            findings.fact("language_version", version, "ruby.gemfile.ruby", loc, 0.85)
        return version


ANALYZER = RubyAnalyzer()
