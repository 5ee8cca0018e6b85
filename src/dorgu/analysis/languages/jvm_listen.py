"""JVM port expressions: ``server.port=${PORT:8080}`` and the like, per profile, and Ktor's
``application.conf`` (``port = 8080`` then ``port = ${?PORT}``).

The property itself is the expression (``prop server.port``): the evaluator checks its relaxed
environment variable (``SERVER_PORT``) first, then the value with its placeholders expanded
against the other captured properties and the environment.  Values of non-default profiles
(``application-docker.yml``, ``%prod.quarkus.http.port``) become expressions that apply when the
container activates that profile (``SPRING_PROFILES_ACTIVE``, ``QUARKUS_PROFILE``,
``MICRONAUT_ENVIRONMENTS``).

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import posixpath
import re

from dorgu.analysis.languages.jvm_config import JvmConfig
from dorgu.analysis.listening.expressions import (
    MAX_PROPERTIES,
    ListenExpr,
    env,
    literal,
    make_expr,
    prop,
)
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

PORT_KEYS = {
    "spring-boot": "server.port",
    "quarkus": "quarkus.http.port",
    "micronaut": "micronaut.server.port",
}
_NAMES = LazyPattern(r"\$\{\??([^{}:]+)")
_HOCON_PORT = LazyPattern(
    r"^[ \t]*(?:ktor\.deployment\.)?port[ \t]*[=:][ \t]*(?:\$\{(\?)?([\w.]{1,128})\}|(\d{1,6}))",
    re.M,
)
MAX_CONF_CHARS = 1_000_000


def _properties(config: JvmConfig, key: str, raw: str) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {key: raw}
    pending = [raw]
    while pending and len(found) < MAX_PROPERTIES:
        for name in _NAMES.findall(pending.pop()):
            name = name.strip()
            item = config.get(name)
            if item is not None and name not in found:
                found[name] = item.value
                pending.append(item.value)
    return tuple(sorted(found.items()))


def config_exprs(config: JvmConfig, framework: str | None) -> list[ListenExpr]:
    key = PORT_KEYS.get(framework or "")
    if key is None:
        return []
    out: list[ListenExpr] = []
    for item in config.values.get(key, [])[:16]:
        if "${" not in item.value and item.profile is None:
            continue  # a literal of the default profile: the analyser reports it already
        out.append(
            make_expr(
                f"{key}={item.value}",
                [prop(key)],
                f"jvm.{framework}.port_expr",
                item.location,
                properties=_properties(config, key, item.value),
                profile=item.profile,
                confidence=0.9 if item.profile is None else 0.8,
            )
        )
    return out


def ktor_exprs(texts: list[tuple[str, str]]) -> list[ListenExpr]:
    """``application.conf``: a literal port, overridden by ``${?VAR}`` when it is set."""
    out: list[ListenExpr] = []
    for path, text in texts:
        if posixpath.basename(path) != "application.conf" or len(text) > MAX_CONF_CHARS:
            continue
        default: str | None = None
        for match in _HOCON_PORT.finditer(text):
            if match.group(3):
                default = match.group(3)
                continue
            chain = [env(match.group(2))] + ([literal(default)] if default else [])
            line = text.count("\n", 0, match.start()) + 1
            where = Location(file=path, line=line)
            out.append(make_expr(match.group().strip(), chain, "jvm.ktor.port_expr", where))
    return out
