""".NET analyser: ``*.csproj``/``*.fsproj`` (SDK, target framework, packages) plus settings
(``dotnet_settings``) and C# code (``dotnet_code``), assembled into one report.

Project files are hostile XML: a DOCTYPE or ENTITY declaration is refused before parsing.
The container default port (8080 for .NET 8+, 80 before) is reported with low confidence and a
rule name that says so.  Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.dotnet_code import scan_sources
from dorgu.analysis.languages.dotnet_settings import SETTINGS_NAME, read_settings
from dorgu.analysis.languages.scanning import is_skipped, is_test, line_of_token, sources
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

_PROJECT_SUFFIXES = (".csproj", ".fsproj")
_UNSAFE_XML = LazyPattern(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_TFM = LazyPattern(r"^net(?:coreapp)?(\d+)\.(\d+)")
_PACKAGE_KINDS: tuple[tuple[Pattern, str], ...] = tuple(
    (LazyPattern(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"^(Npgsql(\..+)?|Aspire\.Npgsql.*|AspNetCore\.HealthChecks\.NpgSql)$", "postgres"),
        (
            r"^(Pomelo\.EntityFrameworkCore\.MySql|MySql\.Data|MySqlConnector|MySql\.EntityFrameworkCore"
            r"|AspNetCore\.HealthChecks\.MySql)$",
            "mysql",
        ),
        (
            r"^(Microsoft\.EntityFrameworkCore\.SqlServer|Microsoft\.Data\.SqlClient|"
            r"System\.Data\.SqlClient|AspNetCore\.HealthChecks\.SqlServer)$",
            "mssql",
        ),
        (r"^(Microsoft\.EntityFrameworkCore\.Sqlite|Microsoft\.Data\.Sqlite)$", "sqlite"),
        (
            r"^(MongoDB\.Driver|MongoDB\.EntityFrameworkCore|AspNetCore\.HealthChecks\.MongoDb)$",
            "mongodb",
        ),
        (
            r"^(StackExchange\.Redis|Microsoft\.Extensions\.Caching\.StackExchangeRedis|"
            r"Aspire\.StackExchange\.Redis.*|AspNetCore\.HealthChecks\.Redis)$",
            "redis",
        ),
        (
            r"^(RabbitMQ\.Client|MassTransit\.RabbitMQ|EasyNetQ|AspNetCore\.HealthChecks\.Rabbitmq)$",
            "rabbitmq",
        ),
        (r"^(Confluent\.Kafka|MassTransit\.Kafka|AspNetCore\.HealthChecks\.Kafka)$", "kafka"),
        (r"^(NEST|Elasticsearch\.Net|Elastic\.Clients\.Elasticsearch)$", "elasticsearch"),
        (r"^(CassandraCSharpDriver)$", "cassandra"),
        (r"^(NATS\.Client|NATS\.Net)$", "nats"),
        (r"^(AWSSDK\.SQS)$", "sqs"),
        (r"^(AWSSDK\.S3)$", "s3"),
    )
)


@dataclass
class _Project:
    path: str
    sdk: str = ""
    tfm: str | None = None
    tfm_line: int | None = None
    packages: list[tuple[str, int | None]] = field(default_factory=list)


def _parse_project(path: str, text: str, findings: Findings) -> _Project | None:
    if _UNSAFE_XML.search(text):
        findings.diagnose(
            "dotnet.project.doctype",
            "project file declares a DOCTYPE or ENTITY; refusing to parse it",
            Location(file=path, line=line_of_token(text, "<!")),
        )
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        findings.diagnose(
            "dotnet.project.invalid",
            f"invalid XML in project file: {e}",
            Location(file=path, line=e.position[0] if e.position else None),
        )
        return None
    project = _Project(path=path, sdk=root.get("Sdk", "").split("/")[0])
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Sdk" and not project.sdk:
            project.sdk = element.get("Name", "")
        elif tag in ("TargetFramework", "TargetFrameworks") and element.text and not project.tfm:
            project.tfm = element.text.strip().split(";")[-1]
            project.tfm_line = line_of_token(text, f"<{tag}>")
        elif tag in ("PackageReference", "FrameworkReference") and element.get("Include"):
            name = element.get("Include", "")
            project.packages.append((name, line_of_token(text, f'"{name}"')))
    return project


class DotnetAnalyzer:
    name = "dotnet"

    def wants(self, path: str) -> bool:
        base = posixpath.basename(path)
        return (
            base.endswith((".cs", *_PROJECT_SUFFIXES))
            or base == "launchSettings.json"
            or SETTINGS_NAME.match(base) is not None
        )

    def detect(self, tree: SourceTree) -> bool:
        return any(p.endswith((*_PROJECT_SUFFIXES, ".sln")) for p in tree.paths)

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("csharp")
        projects = [
            project
            for path, text in sorted(tree.texts.items(), key=lambda i: (i[0].count("/"), i[0]))
            if path.endswith(_PROJECT_SUFFIXES)
            and not is_skipped(path)
            and not is_test(path)
            and (project := _parse_project(path, text, findings)) is not None
            and not any(
                n.lower() in ("microsoft.net.test.sdk", "xunit", "nunit")
                for n, _ in project.packages
            )
        ]
        web = next((p for p in projects if p.sdk.lower() == "microsoft.net.sdk.web"), None)
        main = web or (projects[0] if projects else None)
        framework, version, app_type = None, None, None
        package_kinds: set[str] = set()
        for project in projects:
            for name, line in project.packages:
                kind = next((k for pat, k in _PACKAGE_KINDS if pat.match(name)), None)
                if kind:
                    package_kinds.add(kind)
                    findings.dependency(
                        kind,
                        Location(file=project.path, line=line),
                        "dotnet.package",
                        via="driver",
                        confidence=0.9,
                    )
        if main is not None:
            findings.fact(
                "build_tool", "dotnet", "dotnet.project", Location(file=main.path, line=1), 0.95
            )
            tfm = _TFM.match(main.tfm or "")
            version = f"{tfm.group(1)}.{tfm.group(2)}" if tfm else None
            if version:
                findings.fact(
                    "language_version",
                    version,
                    "dotnet.target-framework",
                    Location(file=main.path, line=main.tfm_line),
                )
            if web is not None:
                framework = "aspnetcore"
                findings.fact(
                    "framework", framework, "dotnet.web-sdk", Location(file=web.path, line=1), 0.95
                )
                major = int(tfm.group(1)) if tfm else 0
                default = 8080 if major >= 8 else 80
                findings.port(
                    default,
                    Location(file=web.path, line=main.tfm_line),
                    f"dotnet.container-default-port.aspnet{'8' if major >= 8 else '6'}",
                    0.35,
                )
            elif main.sdk.lower() == "microsoft.net.sdk.worker":
                app_type = "worker"
                findings.fact(
                    "type", "worker", "dotnet.worker-sdk", Location(file=main.path, line=1)
                )
        read_settings(tree, findings, package_kinds)
        scan_sources(sources(tree, ".cs"), findings)
        if framework and app_type is None and findings.route_count:
            app_type = "api"
        language = "fsharp" if main and main.path.endswith(".fsproj") else "csharp"
        findings.language = language
        return findings.report(
            confidence=0.9 if projects else 0.4,
            framework=framework,
            language_version=version,
            build_tool="dotnet" if projects else None,
            app_type=app_type,
            extras={"target_framework": main.tfm} if main and main.tfm else {},
        )


ANALYZER = DotnetAnalyzer()
