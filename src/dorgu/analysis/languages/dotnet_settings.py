""".NET settings files: ``appsettings*.json`` (Kestrel endpoints, ``Urls``, connection-string
shapes) and ``Properties/launchSettings.json`` (ports that only apply to ``dotnet run``).

.NET configuration JSON allows comments and trailing commas, and keys are case-insensitive.
Connection strings are read only for their shape; values are never stored.
``appsettings.Development.json`` counts for dependencies (lower confidence), never for ports.
Must not: open files or read the environment.
"""

from __future__ import annotations

import json
import posixpath
import re

from dorgu.analysis.languages.scanning import is_skipped, is_test, line_of_token
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

SETTINGS_NAME = LazyPattern(r"^appsettings(?:\.([\w\-]+))?\.json$", re.IGNORECASE)
_URL_PORT = LazyPattern(r"^\s*https?://[^/:;]+:(\d{2,5})")
_JSON_COMMENT = LazyPattern(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)')
_TRAILING_COMMA = LazyPattern(r",(\s*[}\]])")
_SCHEMES = (
    ("postgres", "postgres"),
    ("mysql", "mysql"),
    ("mongodb", "mongodb"),
    ("redis", "redis"),
    ("amqp", "rabbitmq"),
)


def _lenient_json(text: str, path: str, findings: Findings) -> object | None:
    """JSON with the comments and trailing commas .NET configuration accepts."""
    cleaned = _JSON_COMMENT.sub(
        lambda m: m.group(0) if m.group(0).startswith('"') else re.sub(r"[^\n]", " ", m.group(0)),
        text,
    )
    cleaned = _TRAILING_COMMA.sub(r"\1", cleaned)
    try:
        data: object = json.loads(cleaned)
    except (ValueError, RecursionError) as e:
        line = getattr(e, "lineno", None)
        findings.diagnose(
            "dotnet.json.invalid", f"invalid JSON: {e}", Location(file=path, line=line)
        )
        return None
    return data


def _get(mapping: object, key: str) -> object:
    """Case-insensitive lookup, as .NET configuration keys are."""
    if not isinstance(mapping, dict):
        return None
    return next((v for k, v in mapping.items() if str(k).lower() == key.lower()), None)


def connection_kind(name: str, value: str, packages: set[str]) -> str | None:
    """The backing kind a connection string's shape (never its values) points to."""
    lowered = value.strip().lower()
    for scheme, kind in _SCHEMES:
        if lowered.startswith(scheme):
            return kind
    keys = {part.split("=", 1)[0].strip() for part in lowered.split(";") if "=" in part}
    if "port" in keys and re.search(r"port\s*=\s*5432\b", lowered):
        return "postgres"
    if "port" in keys and re.search(r"port\s*=\s*3306\b", lowered):
        return "mysql" if "mysql" in packages or "mariadb" not in packages else "mariadb"
    if keys & {
        "initial catalog",
        "trusted_connection",
        "integrated security",
        "trustservercertificate",
    }:
        return "mssql"
    if keys & {"host", "username"} and "postgres" in packages:
        return "postgres"
    if keys & {"server", "uid", "user id"}:
        for kind in ("mysql", "mssql", "postgres"):
            if kind in packages:
                return kind
    if "data source" in keys and re.search(r"\.(db|sqlite3?)\b", lowered):
        return "sqlite"
    if re.match(r"^[\w.\-]+:\d{2,5}(,|$)", lowered) or "abortconnect" in lowered:
        return "redis" if "redis" in packages or "6379" in lowered else None
    hint = name.lower()
    return next(
        (k for k in ("postgres", "mysql", "mongodb", "redis", "rabbitmq") if k[:5] in hint), None
    )


def read_settings(tree: SourceTree, findings: Findings, packages: set[str]) -> None:
    """Ports and connection-string kinds from appsettings*.json and launchSettings.json."""
    for path, text in sorted(tree.texts.items()):
        base = posixpath.basename(path)
        if is_skipped(path) or is_test(path):
            continue
        match = SETTINGS_NAME.match(base)
        if match:
            data = _lenient_json(text, path, findings)
            env = (match.group(1) or "").lower()
            _appsettings(data, text, path, findings, packages, dev=env == "development")
        elif base == "launchSettings.json":
            profiles = _get(_lenient_json(text, path, findings), "profiles")
            for profile in profiles.values() if isinstance(profiles, dict) else ():
                for url in str(_get(profile, "applicationUrl") or "").split(";"):
                    port = _URL_PORT.match(url)
                    if port and url.strip().startswith("http://"):
                        findings.port(
                            port.group(1),
                            Location(file=path, line=line_of_token(text, url.strip())),
                            "dotnet.launch-settings.dev-only",
                            0.25,
                        )


def _appsettings(
    data: object,
    text: str,
    path: str,
    findings: Findings,
    packages: set[str],
    *,
    dev: bool,
) -> None:
    strings = _get(data, "ConnectionStrings")
    if isinstance(strings, dict):
        for name, value in strings.items():
            kind = connection_kind(str(name), str(value), packages)
            if kind:
                findings.dependency(
                    kind,
                    Location(file=path, line=line_of_token(text, f'"{name}"')),
                    "dotnet.connection-string",
                    via="config",
                    confidence=0.6 if dev else 0.8,
                )
    if dev:
        return
    urls: list[tuple[str, str]] = []
    endpoints = _get(_get(data, "Kestrel"), "Endpoints")
    if isinstance(endpoints, dict):
        urls += [(str(_get(e, "Url")), "dotnet.kestrel-endpoints") for e in endpoints.values()]
    if isinstance(_get(data, "Urls"), str):
        urls += [(u, "dotnet.urls-setting") for u in str(_get(data, "Urls")).split(";")]
    for url, rule in urls:
        port = _URL_PORT.match(url.replace("*", "0.0.0.0").replace("+", "0.0.0.0"))
        if port:
            findings.port(
                port.group(1),
                Location(file=path, line=line_of_token(text, url.strip())),
                rule,
                0.8,
            )
