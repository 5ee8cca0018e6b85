"""Secret values a component's env files hold, to keep mounted files that repeat them out of
ConfigMaps.

A compose project often keeps a password in ``.env`` (or an ``env_file``) and repeats it in a
bind-mounted config file (``init.sql``, ``pgbouncer.ini``, ``users.acl``).  The analysis never
keeps secret values, so the generate service reads those env files again here, and a mounted file
that contains one of their secret values (or a secret-looking assignment, as the LLM redactor
finds them) becomes a Secret template instead of a ConfigMap.

Must not: return a value to anything but the in-memory check (nothing is logged or stored).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import yaml

from dorgu.analysis.scrubbing import protectable
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import InputError
from dorgu.formats.text import decode_text
from dorgu.models.app import Component
from dorgu.models.patterns import LazyPattern

logger = logging.getLogger(__name__)
MAX_ENV_FILE_BYTES = 256 * 1024
_VARIABLE = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}")
_KEYED_KINDS = frozenset({"private-key", "url-credentials", "secret-value", "credential"})


def env_file_secrets(component: Component, *, root: Path) -> tuple[str, ...]:
    """Secret values of ``.env``, the component's env files and the ``environment`` sections
    of the compose files at ``root`` (``${VAR}`` resolved from ``.env``)."""
    names = {".env", *(var.from_file for var in component.env if var.from_file)}
    found: dict[str, str] = {}
    dotenv: dict[str, str] = {}
    for name in sorted(names):
        text = _read(root, name)
        if not text:
            continue  # nothing to parse: the compose parser is not even imported
        from dorgu.analysis.compose.dotenv import parse_dotenv  # lazy: startup time
        from dorgu.analysis.compose.notes import Notes

        for entry in parse_dotenv(text, file=name, notes=Notes(), lookup=lambda _n: None):
            if entry.value is None:
                continue
            if name == ".env":
                dotenv[entry.name] = entry.value
            if looks_secret(entry.name, entry.value):
                found[entry.name] = entry.value
    for path in sorted(root.glob("*compose*.y*ml")):
        for key, value in _compose_environment(_read(root, path.name)):
            value = _VARIABLE.sub(lambda m: dotenv.get(m.group(1), m.group(0)), value)
            if "${" not in value and looks_secret(key, value):
                found.setdefault(key, value)
    return tuple(sorted({v for v in found.values() if protectable(v)}))


def _read(root: Path, name: str) -> str | None:
    path = (root / name).resolve()
    try:
        path.relative_to(root.resolve())
        if not path.is_file() or path.stat().st_size > MAX_ENV_FILE_BYTES:
            return None
        return decode_text(path.read_bytes(), file=name)
    except (ValueError, OSError, InputError):
        return None


def _compose_environment(text: str | None) -> list[tuple[str, str]]:
    """(name, value) of every ``environment`` entry of every service, as written."""
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return []
    services = data.get("services") if isinstance(data, dict) else None
    pairs: list[tuple[str, str]] = []
    for service in services.values() if isinstance(services, dict) else ():
        env = service.get("environment") if isinstance(service, dict) else None
        if isinstance(env, dict):
            pairs += [(str(k), str(v)) for k, v in env.items() if v is not None]
        elif isinstance(env, list):
            for item in env:
                key, sep, value = str(item).partition("=")
                if sep:
                    pairs.append((key, value))
    return pairs


def holds_secret(text: str, values: Sequence[str]) -> bool:
    """True when ``text`` contains one of ``values`` or a secret-looking assignment."""
    if any(value in text for value in values):
        return True
    from dorgu.llm.redacting import Redactor  # lazy: startup time

    redactor = Redactor()
    redactor(text)
    return any(redactor.counts[kind] for kind in _KEYED_KINDS)
