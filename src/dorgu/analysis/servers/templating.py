"""Environment variables in server configurations, resolved from the service's environment.

Three syntaxes: ``envsubst`` (``${VAR}`` and ``$VAR``, as the nginx image renders
``/etc/nginx/templates/*.template``; only variables the environment defines are replaced, so
nginx's own ``$host`` stays), ``braces`` (``${VAR}``: Apache, HAProxy) and ``caddy``
(``{$VAR}``, ``{$VAR:default}``, ``{env.VAR}``).  One pass, never recursive: a value that
itself contains ``${...}`` is not expanded again, so cyclic definitions cannot loop.

Must not: read the process environment, or report values (only names).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dorgu.models.patterns import LazyPattern

_ENVSUBST = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_BRACES = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CADDY = LazyPattern(
    r"\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}|\{env\.([A-Za-z_][A-Za-z0-9_]*)\}"
)
_UNRESOLVED = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{\$([A-Za-z_][A-Za-z0-9_]*)[^}]*\}")


def substitute(text: str, env: Mapping[str, str], *, syntax: str) -> str:
    """``text`` with the variables ``env`` defines replaced; the others left as written."""
    if syntax == "caddy":

        def caddy(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(3)
            if name in env:
                return env[name]
            default = match.group(2)
            return default if default is not None else match.group(0)

        return _CADDY.sub(caddy, text)
    pattern = _ENVSUBST if syntax == "envsubst" else _BRACES

    def plain(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env.get(name, match.group(0))

    return pattern.sub(plain, text)


def unresolved_names(text: str) -> list[str]:
    """Names of ``${VAR}`` / ``{$VAR}`` references still in ``text``."""
    return list(dict.fromkeys(m.group(1) or m.group(2) for m in _UNRESOLVED.finditer(text)))


def has_variable(text: str) -> bool:
    return "$" in text or "{$" in text


def unresolved_message(what: str, value: str) -> str:
    """Why ``value`` of ``what`` could not be used: the variables it still references."""
    names = unresolved_names(value)
    if names:
        listed = ", ".join(names)
        return (
            f"{what} uses {listed}, which the service's environment does not set "
            "(or sets to a secret); the value is unknown"
        )
    return f"{what} is computed at run time from a server variable; the value is unknown"
