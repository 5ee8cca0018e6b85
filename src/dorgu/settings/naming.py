"""Naming patterns: ``{team}-{app}-{env}`` -> a valid DNS-1123 label.

Sanitising: NFKD to ASCII, lower-case, every run of characters outside ``[a-z0-9]`` becomes one
``-``, leading and trailing ``-`` are dropped (so an empty variable simply disappears).  A name
longer than ``max_length`` keeps its first ``max_length - 9`` characters and gets ``-`` plus the
first 8 hex digits of the SHA-256 of the full sanitised name: stable across runs and machines.

Must not read settings files or the environment; callers pass the variables.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping

from dorgu.errors import ConfigError
from dorgu.models.config import EffectiveSettings
from dorgu.models.patterns import LazyPattern

NAME_VARIABLES: tuple[str, ...] = (
    "app", "team", "env", "environment", "namespace", "component", "owner", "type",
)  # fmt: skip
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
HASH_LENGTH = 8
MIN_MAX_LENGTH = HASH_LENGTH + 2

_VARIABLE = LazyPattern(r"\{([^{}]*)\}")
_NOT_ALNUM = LazyPattern(r"[^a-z0-9]+")
_DNS_LABEL = LazyPattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def pattern_variables(pattern: str) -> list[str]:
    """The variables a pattern uses; ``ConfigError`` for unknown ones or stray braces."""
    valid = ", ".join("{" + name + "}" for name in NAME_VARIABLES)
    used = _VARIABLE.findall(pattern)
    for name in used:
        if name not in NAME_VARIABLES:
            raise ConfigError(
                f"naming pattern {pattern!r} uses unknown variable {{{name}}}",
                hint=f"valid variables: {valid}",
            )
    if "{" in _VARIABLE.sub("", pattern) or "}" in _VARIABLE.sub("", pattern):
        raise ConfigError(
            f"naming pattern {pattern!r} has an unbalanced brace", hint=f"valid variables: {valid}"
        )
    return used


def sanitize_name(text: str, *, max_length: int = DNS_LABEL_MAX) -> str:
    """``text`` as a DNS-1123 label of at most ``max_length`` characters ('' if nothing is left)."""
    if max_length < MIN_MAX_LENGTH:
        raise ValueError(f"max_length must be at least {MIN_MAX_LENGTH}")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = _NOT_ALNUM.sub("-", ascii_text.lower()).strip("-")
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode("ascii")).hexdigest()[:HASH_LENGTH]
    head = name[: max_length - HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}" if head else digest


def render_name(
    pattern: str,
    variables: Mapping[str, str | None],
    *,
    max_length: int = DNS_LABEL_MAX,
) -> str:
    """Substitute ``variables`` into ``pattern`` and sanitise.  Unset variables are empty.

    Raises ``ConfigError`` for unknown variables or when the result is empty.
    """
    pattern_variables(pattern)
    rendered = _VARIABLE.sub(lambda m: variables.get(m.group(1)) or "", pattern)
    name = sanitize_name(rendered, max_length=max_length)
    if not name:
        raise ConfigError(
            f"naming pattern {pattern!r} gives an empty name",
            hint="set app.name (or the other variables it uses) to letters or digits",
        )
    return name


def is_dns_label(name: str, *, max_length: int = DNS_LABEL_MAX) -> bool:
    """True for a valid DNS-1123 label no longer than ``max_length``."""
    return len(name) <= max_length and bool(_DNS_LABEL.match(name))


def name_variables(
    settings: EffectiveSettings, *, component: str | None = None
) -> dict[str, str | None]:
    """The naming variables for ``settings`` (``{component}`` is the compose service, if any)."""
    app = settings.app
    return {
        "app": app.name,
        "team": app.team,
        "env": settings.environment,
        "environment": settings.environment,
        "namespace": settings.namespace,
        "component": component,
        "owner": app.owner,
        "type": app.type.value if app.type is not None else None,
    }


def resource_name(
    settings: EffectiveSettings, *, component: str | None = None, max_length: int = DNS_LABEL_MAX
) -> str:
    """The name for a resource of this app: ``naming.pattern`` rendered with the settings.

    When ``component`` is given but the pattern has no ``{component}``, ``-{component}`` is
    appended (unless it equals the app name), so components of one app never share a name.
    """
    pattern = settings.naming.pattern
    if component and "{component}" not in pattern and component != settings.app.name:
        pattern += "-{component}"
    return render_name(
        pattern, name_variables(settings, component=component), max_length=max_length
    )
