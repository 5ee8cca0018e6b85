"""Node facts other than routes: package.json reading, listening ports (code and npm scripts),
backing services (packages, Prisma/TypeORM/Sequelize/Knex config, connection URLs), env vars.

Must not: open files or raise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from dorgu.analysis.languages.listen_exprs import argument_expr
from dorgu.analysis.languages.scanning import (
    Text,
    call_args,
    has_any,
    is_skipped,
    line_of_token,
    port_purpose,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.listening.commands import command_exprs
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

FRAMEWORKS = (
    ("@nestjs/core", "nestjs"),
    ("next", "nextjs"),
    ("nuxt", "nuxt"),
    ("fastify", "fastify"),
    ("@hapi/hapi", "hapi"),
    ("hapi", "hapi"),
    ("koa", "koa"),
    ("hono", "hono"),
    ("express", "express"),
)
_PACKAGE_KINDS = {
    **dict.fromkeys(
        ("pg", "pg-promise", "postgres", "slonik", "@neondatabase/serverless"), "postgres"
    ),
    **dict.fromkeys(("mysql", "mysql2"), "mysql"),
    **dict.fromkeys(("mongodb", "mongoose"), "mongodb"),
    **dict.fromkeys(("redis", "ioredis", "@redis/client", "bull", "bullmq", "bee-queue"), "redis"),
    **dict.fromkeys(("amqplib", "amqp-connection-manager"), "rabbitmq"),
    **dict.fromkeys(("kafkajs", "node-rdkafka", "@confluentinc/kafka-javascript"), "kafka"),
    **dict.fromkeys(("memcached", "memjs"), "memcached"),
    **dict.fromkeys(("mssql", "tedious"), "mssql"),
    **dict.fromkeys(("sqlite3", "better-sqlite3"), "sqlite"),
    "mariadb": "mariadb",
    "@elastic/elasticsearch": "elasticsearch",
    "@opensearch-project/opensearch": "opensearch",
    "nats": "nats",
    "cassandra-driver": "cassandra",
    "neo4j-driver": "neo4j",
    "@clickhouse/client": "clickhouse",
    "minio": "minio",
    "@aws-sdk/client-s3": "s3",
    "@aws-sdk/client-sqs": "sqs",
    "@aws-sdk/client-dynamodb": "dynamodb",
}
_PRISMA = LazyPattern(
    r"""\bprovider\s*=\s*["'](postgresql|postgres|mysql|mongodb|sqlite|sqlserver|cockroachdb)["']"""
)
_ORM_TYPE = LazyPattern(
    r"""\b(?:type|dialect|client)\s*:\s*['"`](postgres|postgresql|pg|mysql|mysql2|mariadb|mongodb|"""
    r"""sqlite|better-sqlite3|mssql|cockroachdb)['"`]"""
)
_ORM_KINDS = {
    "postgresql": "postgres",
    "pg": "postgres",
    "mysql2": "mysql",
    "better-sqlite3": "sqlite",
    "sqlserver": "mssql",
}
_ORM_MARKERS = (
    "typeorm",
    "TypeORM",
    "DataSource",
    "TypeOrmModule",
    "Sequelize",
    "knex",
    "MikroORM",
)
_HTTP_CALL = LazyPattern(
    r"""\b(?:fetch|axios(?:\.(?:get|post|put|patch|delete|request))?|got(?:\.\w+)?|"""
    r"""superagent\.\w+)\(\s*['"`](https?://[^'"`\s$]{1,300})"""
)
_BASE_URL = LazyPattern(r"""\bbaseURL\s*:\s*['"`](https?://[^'"`\s$]{1,300})""")
ENV_READ = LazyPattern(
    r"""\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]{0,127})"""
    r"""|(?<![.\w])env\.([A-Z][A-Z0-9_]{0,127})\b"""
    r"""|\bprocess\.env\[\s*['"`](\w{1,128})['"`]\s*\]"""
    r"""|\b(?:configService|config)\.get(?:OrThrow)?(?:<[^>\n]{0,50}>)?\(\s*['"`]([A-Z][A-Z0-9_]{0,127})['"`]"""
    r"""|\bDeno\.env\.get\(\s*['"`](\w{1,128})['"`]"""
)
_ENV_DESTRUCTURE = LazyPattern(r"""\{([^{}]{1,1000})\}\s*=\s*process\.env\b""")
_LISTEN = LazyPattern(r"""\.listen\(\s*(?:\{[^}]{0,300}?\bport\s*:\s*)?['"]?(\d{2,5})\b""")
_LISTEN_CALL = LazyPattern(r"\.listen\(")
_PORT_CONST = LazyPattern(
    r"""\b(?:const|let|var)\s+(?:PORT|port|httpPort|HTTP_PORT|DEFAULT_PORT|defaultPort)\s*"""
    r"""(?::\s*\w+\s*)?=\s*['"]?(\d{2,5})\b"""
)
_PORT_ENV = LazyPattern(
    r"""(?:process\.)?env(?:\.(\w{1,64})|\[\s*['"](\w{1,64})['"]\s*\])\s*\)?\s*(?:,\s*10\s*\)\s*)?"""
    r"""(?:\|\||\?\?)\s*['"]?(\d{2,5})\b"""
)
_CONFIG_PORT = LazyPattern(
    r"""\.get(?:<\w+>)?\(\s*['"](\w{1,64})['"]\s*(?:,\s*(\d{2,5}))?\s*\)\s*(?:(?:\|\||\?\?)\s*(\d{2,5}))?"""
)
_SCRIPT_PORT = LazyPattern(r"(?:--port|-p)(?:=|\s+)(\d{2,5})\b|\bPORT=(\d{2,5})\b")


@dataclass
class PackageInfo:
    path: str | None = None
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    dependencies: dict[str, Location] = field(default_factory=dict)
    dev: set[str] = field(default_factory=set)


def _load(path: str, text: str, findings: Findings) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        findings.diagnose(
            "node.package_json.invalid",
            f"invalid JSON: {e.msg}",
            Location(file=path, line=e.lineno),
        )
        return {}
    except (RecursionError, ValueError) as e:
        findings.diagnose(
            "node.package_json.invalid", f"unreadable JSON: {type(e).__name__}", Location(file=path)
        )
        return {}
    if not isinstance(data, dict):
        findings.diagnose(
            "node.package_json.invalid",
            "package.json is not an object",
            Location(file=path, line=1),
        )
        return {}
    return data


def read_packages(tree: SourceTree, findings: Findings) -> PackageInfo:
    """The shallowest package.json's data, with dependencies of every package.json in the tree."""
    info = PackageInfo()
    for path in tree.named("package.json"):
        text = tree.texts.get(path)
        if text is None or is_skipped(path):
            continue
        data = _load(path, text, findings)
        if info.path is None:
            info.path, info.text, info.data = path, text, data
        for key in ("dependencies", "devDependencies", "peerDependencies"):
            table = data.get(key)
            if not isinstance(table, dict):
                continue
            for name in list(table)[:2000]:
                if key == "devDependencies":
                    info.dev.add(name)
                elif name not in info.dependencies:
                    line = line_of_token(text, f'"{name}"')
                    info.dependencies[name] = Location(file=path, line=line)
    return info


def scripts(info: PackageInfo) -> dict[str, str]:
    table = info.data.get("scripts")
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, str)}


def script_ports(info: PackageInfo, framework: str | None, findings: Findings) -> None:
    for name, command in scripts(info).items():
        if name not in ("start", "serve", "start:prod", "prod"):
            continue
        loc = Location(file=info.path or "package.json", line=line_of_token(info.text, f'"{name}"'))
        for expr in command_exprs(("/bin/sh", "-c", command[:2000]), loc):
            findings.listen(expr)  # npm runs scripts with sh: $PORT is the container's
        explicit = _SCRIPT_PORT.search(command)
        if explicit:
            findings.port(explicit.group(1) or explicit.group(2), loc, "node.script.port", 0.85)
        elif re.search(r"\b(?:next|nuxt)\s+start\b", command) and framework in ("nextjs", "nuxt"):
            findings.port(3000, loc, f"node.{framework}.default_port", 0.6)


def scan_ports(text: Text, findings: Findings) -> None:
    code = text.code
    for match in _LISTEN.finditer(code) if ".listen(" in code else ():
        findings.port(match.group(1), text.loc(match.start()), "node.listen", 0.85)
    for count, match in enumerate(_LISTEN_CALL.finditer(code) if ".listen(" in code else ()):
        args = call_args(code, match.end() - 1, 1000) if count < 64 else None
        first = split_top_level(args)[:1] if args else []
        if first:
            loc = text.loc(match.start())
            expr = argument_expr(
                text, first[0], match.start(), "node", "node.listen.port_expr", loc
            )
            if expr is not None:
                findings.listen(expr)
    if not has_any(code, "PORT", "port", "Port"):
        return
    for match in _PORT_ENV.finditer(code) if "env" in code else ():
        purpose = port_purpose(match.group(1) or match.group(2))
        if purpose:
            findings.port(
                match.group(3), text.loc(match.start()), "node.env.port_default", 0.8, purpose
            )
    for match in _CONFIG_PORT.finditer(code) if "PORT" in code else ():
        number = match.group(2) or match.group(3)
        purpose = port_purpose(match.group(1)) if number else None
        if purpose:
            findings.port(
                number, text.loc(match.start()), "node.config.port_default", 0.75, purpose
            )
    for match in _PORT_CONST.finditer(code):
        findings.port(match.group(1), text.loc(match.start()), "node.port_constant", 0.7)


def manifest_dependencies(info: PackageInfo, findings: Findings) -> None:
    for name, loc in info.dependencies.items():
        kind = _PACKAGE_KINDS.get(name)
        if kind is not None:
            findings.dependency(kind, loc, "node.package", via="driver")
        elif name == "aws-sdk" or (
            name.startswith("@aws-sdk/client-") and name not in _PACKAGE_KINDS
        ):
            findings.dependency(None, loc, "node.package", via="driver", name="aws")


def scan_dependencies(text: Text, findings: Findings) -> None:
    code = text.code
    if text.path.endswith(".prisma"):
        for match in _PRISMA.finditer(code):
            kind = _ORM_KINDS.get(match.group(1), match.group(1))
            findings.dependency(
                kind, text.loc(match.start()), "node.prisma.datasource", via="config"
            )
        return
    if has_any(code, *_ORM_MARKERS):
        for match in _ORM_TYPE.finditer(code):
            kind = _ORM_KINDS.get(match.group(1), match.group(1))
            findings.dependency(kind, text.loc(match.start()), "node.orm.config", via="config")
    findings.url_schemes(text, "node.connection_url")
    for pattern in (_HTTP_CALL, _BASE_URL) if "://" in code else ():
        for match in pattern.finditer(code):
            findings.service_url(match.group(1), text.loc(match.start()), "node.http_client")


def scan_env(text: Text, findings: Findings) -> None:
    if not has_any(text.code, "env.", "env[", "onfig"):
        return
    findings.env_names(text, ENV_READ, "node.env.read")
    for match in _ENV_DESTRUCTURE.finditer(text.code) if "process.env" in text.code else ():
        for item in match.group(1).split(","):
            name = re.split(r"[:=]", item, maxsplit=1)[0].strip()
            findings.env(name, text.loc(match.start()), "node.env.destructure")
