"""The PHP analyser: Laravel, Lumen, Symfony and Slim.

Reads composer.json (PHP version, frameworks, extensions and client libraries), .env.example,
route files, config/routes*.yaml, RoadRunner/php-fpm configs, Procfile and PHP sources (comments
masked; Symfony ``@Route`` docblocks are read from the raw text).  Routes are in ``php_routes``.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dorgu.analysis.languages import php_routes as routes
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.scanning import (
    Text,
    has_any,
    is_skipped,
    is_test,
    line_of_token,
    shallowest,
    sources,
    version_from_spec,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_FRAMEWORKS = (
    ("laravel/framework", "laravel"),
    ("laravel/lumen-framework", "lumen"),
    ("symfony/framework-bundle", "symfony"),
    ("slim/slim", "slim"),
)
_PACKAGE_KINDS = {
    **dict.fromkeys(("predis/predis", "ext-redis", "snc/redis-bundle"), "redis"),
    **dict.fromkeys(("php-amqplib/php-amqplib", "ext-amqp", "enqueue/amqp-lib"), "rabbitmq"),
    **dict.fromkeys(("mongodb/mongodb", "ext-mongodb", "doctrine/mongodb-odm"), "mongodb"),
    **dict.fromkeys(("ext-pdo_pgsql", "ext-pgsql"), "postgres"),
    **dict.fromkeys(("ext-pdo_mysql", "ext-mysqli"), "mysql"),
    "elasticsearch/elasticsearch": "elasticsearch",
    "ext-rdkafka": "kafka",
    "ext-memcached": "memcached",
    "league/flysystem-aws-s3-v3": "s3",
}
_DOTENV_DB = LazyPattern(r"^DB_CONNECTION=[\"']?(pgsql|mysql|mariadb|sqlite|sqlsrv)\b", re.M)
_DOTENV_REDIS = LazyPattern(
    r"^(?:CACHE_DRIVER|CACHE_STORE|QUEUE_CONNECTION|SESSION_DRIVER)=[\"']?redis\b", re.M
)
_DOTENV_URL = LazyPattern(
    r"^\w+=[\"']?(postgres(?:ql)?|mysql|mongodb(?:\+srv)?|rediss?|amqps?)://", re.M
)
_DB_KINDS = {
    "pgsql": "postgres",
    "sqlsrv": "mssql",
    "postgresql": "postgres",
    "mongodb+srv": "mongodb",
    "rediss": "redis",
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
}
_SERVE = LazyPattern(r"\bartisan\s+serve\b[^\n\"]{0,200}")
_BUILTIN = LazyPattern(r"\bphp\s+-S\s+[\w.\[\]]*:(\d{2,5})")
_OCTANE = LazyPattern(r"\boctane:start\b[^\n\"]{0,200}")
_PORT_OPTION = LazyPattern(r"--port[= ](\d{2,5})\b")
_RR_ADDRESS = LazyPattern(r"^\s*address:\s*[\"']?[\w.]*:(\d{2,5})", re.M)
_FPM_LISTEN = LazyPattern(r"^\s*listen\s*=\s*(?:[\w.\[\]]+:)?(\d{2,5})\s*$", re.M)
_FPM_FILES = ("www.conf", "zz-docker.conf", "php-fpm.conf", "docker.conf")
ENV_READ = LazyPattern(
    r"""\benv\(\s*['"](\w{1,128})['"]|\bgetenv\(\s*['"](\w{1,128})['"]"""
    r"""|\$_ENV\[\s*['"](\w{1,128})['"]"""
)
_YAML_ENV = LazyPattern(r"%env\((?:[\w-]+:)*(\w{1,128})\)%")
_HTTP_CALL = LazyPattern(
    r"""(?:Http::|->)(?:get|post|put|patch|delete|request)\(\s*(?:['"]\w+['"]\s*,\s*)?['"](https?://[^'"\s]{1,300})"""
)


class PhpAnalyzer:
    name = "php"

    def wants(self, path: str) -> bool:
        if is_skipped(path):
            return False
        base = path.rsplit("/", 1)[-1]
        if base in (
            "composer.json",
            ".env.example",
            ".env.dist",
            ".rr.yaml",
            "Procfile",
            *_FPM_FILES,
        ):
            return True
        if base.endswith((".yaml", ".yml")) and (
            "config/routes" in path or "config/packages" in path
        ):
            return True
        return base.endswith(".php") and not is_test(path)

    def detect(self, tree: SourceTree) -> bool:
        return any(
            (p.endswith(".php") or p.rsplit("/", 1)[-1] == "composer.json") and not is_skipped(p)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("php")
        composer = shallowest(tree, "composer.json")
        text = tree.texts.get(composer or "", "")
        data = self._load(composer, text, findings) if composer else {}
        raw_require = data.get("require")
        require: dict[str, Any] = raw_require if isinstance(raw_require, dict) else {}
        framework = None
        for package, name in _FRAMEWORKS:
            if package in require:
                framework = name
                loc = Location(file=composer or "", line=line_of_token(text, f'"{package}"'))
                findings.fact("framework", name, "php.composer", loc, 0.9)
                break
        for package in require:
            kind = _PACKAGE_KINDS.get(package)
            loc = Location(file=composer or "", line=line_of_token(text, f'"{package}"'))
            if kind is not None:
                findings.dependency(kind, loc, "php.composer", via="driver")
            elif package == "aws/aws-sdk-php":
                findings.dependency(None, loc, "php.composer", via="driver", name="aws")
        version = None
        if isinstance(require.get("php"), str):
            version = version_from_spec(require["php"])
            if version:
                loc = Location(file=composer or "", line=line_of_token(text, '"php"'))
                findings.fact("language_version", version, "php.composer.php", loc, 0.85)
        texts = [Text(p, t, "php") for p, t in sources(tree, ".php")]
        self._routes(tree, texts, findings, framework)
        for source in texts:
            if has_any(source.code, "env(", "$_ENV"):
                findings.env_names(source, ENV_READ, "php.env.read")
            scan_env_ports(source, findings, "php")
            findings.url_schemes(source, "php.connection_url")
            for match in _HTTP_CALL.finditer(source.code) if "://" in source.code else ():
                findings.service_url(match.group(1), source.loc(match.start()), "php.http_client")
        self._config_files(tree, findings, data, composer, text)
        if composer:
            findings.fact("build_tool", "composer", "php.composer", Location(file=composer), 0.9)
        confidence = 0.9 if composer and framework else 0.6 if composer else 0.3 if texts else 0.1
        return findings.report(
            confidence=confidence,
            framework=framework,
            language_version=version,
            build_tool="composer" if composer else None,
            app_type=None
            if framework is None
            else "api"
            if framework in ("slim", "lumen")
            else "web",
        )

    @staticmethod
    def _load(path: str | None, text: str, findings: Findings) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            findings.diagnose(
                "php.composer.invalid",
                f"invalid JSON: {e.msg}",
                Location(file=path or "", line=e.lineno),
            )
            return {}
        except (RecursionError, ValueError) as e:
            findings.diagnose(
                "php.composer.invalid",
                f"unreadable JSON: {type(e).__name__}",
                Location(file=path or ""),
            )
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _routes(
        tree: SourceTree, texts: list[Text], findings: Findings, framework: str | None
    ) -> None:
        api_prefix = "api"
        for source in texts:
            if source.path.endswith("bootstrap/app.php"):
                api_prefix = routes.laravel_bootstrap(source, findings) or api_prefix
        yaml_prefixes: dict[str, str] = {}
        for path, content in tree.texts.items():
            if (
                "config/routes" in path
                and path.endswith((".yaml", ".yml"))
                and not is_skipped(path)
            ):
                yaml_prefixes.update(routes.scan_routes_yaml(path, content, findings))
        for source in texts:
            path = source.path
            if "Route::" in source.code and ("routes/" in path or framework == "laravel"):
                base = api_prefix if path.endswith("routes/api.php") else ""
                routes.scan_laravel(source, findings, base)
            if "->" in source.code and framework in ("slim", "lumen", None):
                routes.scan_objects(source, findings, framework)
            if "Route" in source.raw and ("#[" in source.code or "@Route" in source.raw):
                prefix = next(
                    (
                        p
                        for folder, p in yaml_prefixes.items()
                        if folder and path.startswith(folder)
                    ),
                    "",
                )
                routes.scan_symfony(source, findings, prefix)

    @staticmethod
    def _config_files(
        tree: SourceTree, findings: Findings, data: dict[str, Any], composer: str | None, text: str
    ) -> None:
        commands: list[tuple[str, str, str]] = []  # (file, command text, anchor)
        scripts = data.get("scripts")
        if isinstance(scripts, dict):
            for value in scripts.values():
                for command in value if isinstance(value, list) else [value]:
                    if isinstance(command, str):
                        commands.append((composer or "", command, command))
        for path, content in sorted(tree.texts.items()):
            if is_skipped(path):
                continue
            base = path.rsplit("/", 1)[-1]
            if base == "Procfile":
                commands.extend((path, line, line) for line in content.splitlines()[:200])
            elif base in (".env.example", ".env.dist"):
                for pattern in (_DOTENV_DB, _DOTENV_URL):
                    for match in pattern.finditer(content):
                        kind = _DB_KINDS.get(match.group(1), match.group(1))
                        loc = Location(file=path, line=content.count("\n", 0, match.start()) + 1)
                        findings.dependency(kind, loc, "php.dotenv", via="env", confidence=0.7)
                for match in _DOTENV_REDIS.finditer(content):
                    loc = Location(file=path, line=content.count("\n", 0, match.start()) + 1)
                    findings.dependency("redis", loc, "php.dotenv", via="env", confidence=0.7)
            elif base == ".rr.yaml":
                for match in _RR_ADDRESS.finditer(content):
                    loc = Location(file=path, line=content.count("\n", 0, match.start()) + 1)
                    findings.port(match.group(1), loc, "php.roadrunner.address", 0.85)
            elif base in _FPM_FILES:
                for match in _FPM_LISTEN.finditer(content):
                    loc = Location(file=path, line=content.count("\n", 0, match.start()) + 1)
                    findings.port(match.group(1), loc, "php.fpm.listen", 0.85, "fastcgi")
            elif "config/" in path and base.endswith((".yaml", ".yml")):
                source = Text(path, content, "text")
                findings.env_names(source, _YAML_ENV, "php.symfony.env")
        for file, command, anchor in commands:
            source_text = text if file == composer else tree.texts.get(file, "")
            loc = Location(file=file, line=line_of_token(source_text, anchor[:80]))
            serve = _SERVE.search(command) or _OCTANE.search(command)
            builtin = _BUILTIN.search(command)
            if builtin:
                findings.port(builtin.group(1), loc, "php.builtin_server", 0.8)
            elif serve:
                option = _PORT_OPTION.search(serve.group())
                tool = "octane" if "octane" in serve.group() else "artisan_serve"
                if option:
                    findings.port(option.group(1), loc, f"php.{tool}", 0.85)
                elif "$" not in serve.group():
                    findings.port(8000, loc, f"php.{tool}.default_port", 0.6)


ANALYZER = PhpAnalyzer()
