"""Python facts other than routes: frameworks, listening ports (code and start commands),
backing services (manifests, imports, connection URLs, Django settings), env vars read.

Must not: open files or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.languages.listen_exprs import argument_expr
from dorgu.analysis.languages.python_manifests import PythonManifests
from dorgu.analysis.languages.scanning import (
    Text,
    call_args,
    has_any,
    port_purpose,
    receiver,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.listening.expressions import env, literal, make_expr
from dorgu.models.app import DependencyType
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

WEB_FRAMEWORKS = (
    "django", "fastapi", "flask", "litestar", "falcon", "bottle", "tornado", "starlette",
    "aiohttp", "sanic",
)  # fmt: skip
WORKER_FRAMEWORKS = ("celery", "rq", "dramatiq", "locust")
_CODE_ONLY = frozenset({"starlette", "aiohttp"})  # also pulled in as libraries
FRAMEWORK_CODE: dict[str, Pattern] = {
    "django": LazyPattern(r"^[ \t]*from[ \t]+django[. ]|DJANGO_SETTINGS_MODULE", re.M),
    "fastapi": LazyPattern(r"^[ \t]*from[ \t]+fastapi\b|\bFastAPI[ \t]*\(", re.M),
    "flask": LazyPattern(
        r"^[ \t]*from[ \t]+flask[ \t]+import\b|\bFlask[ \t]*\([ \t]*__name__", re.M
    ),
    "starlette": LazyPattern(
        r"^[ \t]*from[ \t]+starlette\.applications[ \t]+import|\bStarlette[ \t]*\(", re.M
    ),
    "aiohttp": LazyPattern(r"\bweb\.Application[ \t]*\(|\bweb\.run_app[ \t]*\("),
    "sanic": LazyPattern(r"\bSanic[ \t]*\("),
    "celery": LazyPattern(r"\bCelery[ \t]*\("),
    "rq": LazyPattern(r"^[ \t]*from[ \t]+rq[ \t]+import[^\n]*\bWorker\b", re.M),
    "dramatiq": LazyPattern(r"@dramatiq\.actor\b"),
    "litestar": LazyPattern(r"^[ \t]*from[ \t]+litestar\b|\bLitestar[ \t]*\(", re.M),
    "falcon": LazyPattern(r"\bfalcon\.(?:asgi\.)?(?:App|API)[ \t]*\("),
    "bottle": LazyPattern(r"^[ \t]*from[ \t]+bottle[ \t]+import\b|\bBottle[ \t]*\(", re.M),
    "tornado": LazyPattern(r"^[ \t]*(?:from|import)[ \t]+tornado\b", re.M),
    "locust": LazyPattern(r"^[ \t]*from[ \t]+locust[ \t]+import\b", re.M),
}
_PACKAGE_KINDS = {
    **dict.fromkeys(
        ("psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "asyncpg", "pg8000", "aiopg"),
        "postgres",
    ),
    **dict.fromkeys(
        ("pymysql", "mysqlclient", "mysql-connector-python", "aiomysql", "asyncmy"), "mysql"
    ),
    **dict.fromkeys(("pymongo", "motor", "mongoengine", "beanie", "odmantic"), "mongodb"),
    **dict.fromkeys(("redis", "aioredis", "django-redis", "redis-py-cluster", "hiredis"), "redis"),
    **dict.fromkeys(("pika", "aio-pika", "aiormq", "kombu"), "rabbitmq"),
    **dict.fromkeys(("kafka-python", "kafka-python-ng", "confluent-kafka", "aiokafka"), "kafka"),
    **dict.fromkeys(("elasticsearch", "elasticsearch-dsl", "elasticsearch-async"), "elasticsearch"),
    **dict.fromkeys(("pymemcache", "python-memcached", "pylibmc", "aiomcache"), "memcached"),
    **dict.fromkeys(("clickhouse-driver", "clickhouse-connect"), "clickhouse"),
    **dict.fromkeys(("cassandra-driver", "scylla-driver"), "cassandra"),
    "opensearch-py": "opensearch",
    "nats-py": "nats",
    "neo4j": "neo4j",
    "influxdb-client": "influxdb",
    "pymssql": "mssql",
    "minio": "minio",
    "mariadb": "mariadb",
    "hvac": "vault",
}
_IMPORT_KINDS = {
    **dict.fromkeys(("psycopg", "psycopg2", "asyncpg", "pg8000", "aiopg"), "postgres"),
    **dict.fromkeys(("pymysql", "MySQLdb", "mysql.connector", "aiomysql", "asyncmy"), "mysql"),
    **dict.fromkeys(("pymongo", "motor", "mongoengine", "beanie"), "mongodb"),
    **dict.fromkeys(("redis", "aioredis"), "redis"),
    **dict.fromkeys(("pika", "aio_pika"), "rabbitmq"),
    **dict.fromkeys(("kafka", "confluent_kafka", "aiokafka"), "kafka"),
    **dict.fromkeys(("pymemcache", "memcache", "pylibmc"), "memcached"),
    "elasticsearch": "elasticsearch",
    "opensearchpy": "opensearch",
    "nats": "nats",
    "neo4j": "neo4j",
    "clickhouse_driver": "clickhouse",
    "cassandra": "cassandra",
    "pymssql": "mssql",
    "minio": "minio",
}
FRAMEWORK_GATES = {
    "django": ("django", "DJANGO_"),
    "fastapi": ("fastapi", "FastAPI"),
    "flask": ("flask", "Flask"),
    "starlette": ("Starlette", "starlette.applications"),
    "aiohttp": ("web.",),
    "sanic": ("Sanic",),
    "celery": ("Celery",),
    "rq": ("Worker",),
    "dramatiq": ("dramatiq",),
    "litestar": ("litestar", "Litestar"),
    "falcon": ("falcon",),
    "bottle": ("bottle", "Bottle"),
    "tornado": ("tornado",),
    "locust": ("locust",),
}
_IMPORT = LazyPattern(r"^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*(?:\.\w+)?)", re.M)
_AWS = LazyPattern(
    r"""\b(?:boto3|session|aioboto3\.Session\(\))\.(?:client|resource)\(\s*["'](\w{1,40})["']"""
)
_AWS_KINDS = {"s3": "s3", "sqs": "sqs", "dynamodb": "dynamodb"}
_DJANGO_DB = LazyPattern(
    r"""["']django(?:\.contrib\.gis)?\.db\.backends\.(postgresql\w*|postgis|mysql|sqlite3|oracle)["']"""
)
_DJANGO_ENGINES = {"mysql": "mysql", "sqlite3": "sqlite", "oracle": "oracle"}  # else postgres
_DJANGO_CACHE = LazyPattern(
    r"""["'](?:django_redis\.cache\.RedisCache|django\.core\.cache\.backends\.(redis)\.RedisCache|"""
    r"""django\.core\.cache\.backends\.(memcached)\.\w+)["']"""
)
_HTTP_CALL = LazyPattern(
    r"""\b(?:requests|httpx|session|client|http_client|\w+_client)\.(?:get|post|put|patch|delete|"""
    r"""head|request|stream)\(\s*(?:["'][A-Z]+["']\s*,\s*)?["'](https?://[^"'\s]{1,300})"""
)
_BASE_URL = LazyPattern(r"""\bbase_url\s*=\s*["'](https?://[^"'\s]{1,300})""")
ENV_READ = LazyPattern(
    r"""\bos\.environ\[\s*["'](\w{1,128})["']"""
    r"""|\b(?:os\.)?environ\.(?:get|setdefault|pop)\(\s*["'](\w{1,128})["']"""
    r"""|\bos\.getenv\(\s*["'](\w{1,128})["']"""
    r"""|\benv(?:\.(?:str|int|bool|float|list|json|url|db_url|db|cache_url|cache|dict|path))?"""
    r"""\(\s*["']([A-Z][A-Z0-9_]{0,127})["']"""
    r"""|\bconfig\(\s*["']([A-Z][A-Z0-9_]{0,127})["']"""
)
_SETTINGS_CLASS = LazyPattern(
    r"^([ \t]*)class[ \t]+\w+\([^)\n]{0,200}\bBaseSettings\b[^)\n]{0,200}\)[ \t]*:[ \t]*\n", re.M
)
_ENV_PREFIX = LazyPattern(r"""\benv_prefix\s*=\s*["'](\w{0,64})["']""")
_FIELD_DEFAULT = LazyPattern(r"""=\s*(?:Field\(\s*(?:default\s*=\s*)?)?["']?(\d{2,5})\b""")
_FIELD = LazyPattern(r"(\w+)[ \t]*:[ \t]*[^=\s]")
_RUN = LazyPattern(r"\.(run|serve|run_app)[ \t]*\(")
_APP_VAR = LazyPattern(r"^[ \t]*(\w+)[ \t]*=[ \t]*(?:[\w.]+\.)?(Flask|Quart|Sanic)[ \t]*\(", re.M)
_PORT_ARG = LazyPattern(r"\bport\s*=\s*")
_PORT_KW = LazyPattern(r"\bport\s*=\s*(\d{2,5})\b")
_PORT_ENV_KW = LazyPattern(
    r"""\bport\s*=\s*int\(\s*os\.(?:environ\.get|getenv)\(\s*["'](\w+)["']\s*,\s*["']?(\d{2,5})"""
)
_LISTEN_KW = LazyPattern(r"""\blisten\s*=\s*["'][^"':]*:(\d{2,5})["']""")
_ENV_PORT = LazyPattern(
    r"""\bos\.(?:environ\.get|getenv)\(\s*["'](\w{1,64})["']\s*,\s*["']?(\d{2,5})["']?\s*\)"""
)
_GUNICORN_BIND = LazyPattern(
    r"""^[ \t]*bind[ \t]*=[ \t]*\[?[ \t]*["'][^"'\n]*:(\d{2,5})["']""", re.M
)
_RUN_DEFAULTS = {"uvicorn.run": 8000, "web.run_app": 8080, "flask": 5000}  # by call or app kind


def frameworks(
    texts: list[Text], manifests: PythonManifests
) -> tuple[dict[str, int], dict[str, Location]]:
    """Score per framework (code use 2, manifest 1) and where each was first seen."""
    scores: dict[str, int] = {}
    where: dict[str, Location] = {}
    names = {r.name: r.location for r in manifests.requirements}
    for text in texts:
        for name, pattern in FRAMEWORK_CODE.items():
            if name not in where or scores.get(name, 0) < 2:
                gate = has_any(text.code, *FRAMEWORK_GATES[name])
                match = pattern.search(text.code) if gate else None
                if match:
                    scores[name] = 2
                    where[name] = text.loc(match.start())
    for name in FRAMEWORK_CODE:
        if name in names and (name not in _CODE_ONLY or name in scores):
            scores[name] = scores.get(name, 0) + 1
            where.setdefault(name, names[name])
    return scores, where


def scan_ports(text: Text, findings: Findings) -> None:
    code = text.code
    runs = [
        (match, f"{name}.{match.group(1)}")
        for match in (_RUN.finditer(code) if has_any(code, ".run", ".serve") else ())
        if (name := receiver(code, match.start())) is not None
    ]
    apps = {m.group(1): m.group(2) for m in _APP_VAR.finditer(code)} if runs else {}
    for match, call in runs:
        var = call.split(".", 1)[0]
        known_call = call in _RUN_DEFAULTS or call == "waitress.serve"
        app_run = match.group(1) == "run" and (var in apps or var in ("app", "application"))
        if not known_call and not app_run:
            continue
        args = call_args(code, match.end() - 1)
        if args is None:
            continue
        loc = text.loc(match.start())
        keyword = _PORT_ARG.search(args)
        if keyword is not None:
            value = split_top_level(args[keyword.end() :])[:1]
            expr = argument_expr(
                text,
                value[0] if value else "",
                match.start(),
                "python",
                "python.run.port_expr",
                loc,
            )
            if expr is not None:
                findings.listen(expr)
        explicit = _PORT_KW.search(args) or _LISTEN_KW.search(args)
        from_env = _PORT_ENV_KW.search(args)
        if explicit:
            findings.port(explicit.group(1), loc, "python.run.port", 0.85)
        elif from_env:
            findings.port(from_env.group(2), loc, "python.run.port_env_default", 0.8)
        else:
            key = "flask" if apps.get(var) in ("Flask", "Quart") else call
            default = _RUN_DEFAULTS.get(key)
            if default is not None:
                findings.port(default, loc, "python.run.default_port", 0.55)
    for match in _ENV_PORT.finditer(code) if "PORT" in code else ():
        purpose = port_purpose(match.group(1))
        if purpose is not None:
            loc = text.loc(match.start())
            findings.port(match.group(2), loc, "python.env.port_default", 0.75, purpose)
    if text.path.rsplit("/", 1)[-1].startswith("gunicorn"):
        for match in _GUNICORN_BIND.finditer(code):
            findings.port(match.group(1), text.loc(match.start()), "python.gunicorn.bind", 0.9)


def scan_dependencies(text: Text, findings: Findings) -> None:
    code = text.code
    for match in _IMPORT.finditer(code):
        module = match.group(1)
        kind = _IMPORT_KINDS.get(module) or _IMPORT_KINDS.get(module.split(".", 1)[0])
        if kind is not None:
            findings.dependency(kind, text.loc(match.start()), "python.import", via="driver")
    for match in _AWS.finditer(code) if "boto" in code else ():
        service = match.group(1).lower()
        kind = _AWS_KINDS.get(service)
        loc = text.loc(match.start())
        findings.dependency(
            kind, loc, "python.boto3.client", via="driver", name=kind or f"aws-{service}"
        )
    for match in _DJANGO_DB.finditer(code) if "db.backends" in code else ():
        kind = _DJANGO_ENGINES.get(match.group(1), "postgres")
        findings.dependency(
            kind,
            text.loc(match.start()),
            "python.django.database",
            via="config",
            dep_type=DependencyType.DATABASE,
        )
    for match in _DJANGO_CACHE.finditer(code) if "Cache" in code else ():
        kind = "memcached" if match.group(2) else "redis"
        findings.dependency(kind, text.loc(match.start()), "python.django.cache", via="config")
    findings.url_schemes(text, "python.connection_url")
    for pattern in (_HTTP_CALL, _BASE_URL) if "://" in code else ():
        for match in pattern.finditer(code):
            findings.service_url(match.group(1), text.loc(match.start()), "python.http_client")


def manifest_dependencies(manifests: PythonManifests, findings: Findings) -> None:
    for requirement in manifests.requirements:
        kind = _PACKAGE_KINDS.get(requirement.name)
        if kind is not None:
            confidence = 0.5 if requirement.name == "kombu" else 0.8
            findings.dependency(
                kind, requirement.location, "python.manifest", via="driver", confidence=confidence
            )
        elif requirement.name in ("boto3", "aioboto3") and not any(
            findings.has_dependency(n) for n in ("s3", "sqs", "dynamodb")
        ):
            findings.dependency(
                None, requirement.location, "python.manifest", via="driver", name="aws"
            )
        for extra in requirement.extras:
            if requirement.name == "celery" and extra in ("redis", "sqs"):
                findings.dependency(
                    extra, requirement.location, "python.manifest.celery", via="driver"
                )


def scan_env(text: Text, findings: Findings) -> None:
    code = text.code
    if has_any(code, "environ", "getenv", "env(", "env.", "config("):
        findings.env_names(text, ENV_READ, "python.env.read")
    for match in _SETTINGS_CLASS.finditer(code) if "BaseSettings" in code else ():
        body = code[match.end() : match.end() + 20_000]
        prefix_match = _ENV_PREFIX.search(body[:5000])
        prefix = prefix_match.group(1) if prefix_match else ""
        indent: str | None = None
        offset = match.end()
        for line in body.splitlines(keepends=True)[:300]:
            stripped = line.strip()
            current = line[: len(line) - len(line.lstrip())]
            if stripped:
                if len(current) <= len(match.group(1)):
                    break
                indent = current if indent is None else indent
                field = _FIELD.match(stripped)
                if current == indent and field and field.group(1) not in ("model_config",):
                    name = (prefix + field.group(1)).upper()
                    findings.env(name, text.loc(offset + len(current)), "python.pydantic.settings")
                    purpose = port_purpose(name)
                    if purpose is not None:
                        default = _FIELD_DEFAULT.search(stripped)
                        chain = [env(name)] + ([literal(default.group(1))] if default else [])
                        where = text.loc(offset + len(current))
                        rule = "python.pydantic.port_expr"
                        findings.listen(make_expr(stripped, chain, rule, where, purpose=purpose))
            offset += len(line)
