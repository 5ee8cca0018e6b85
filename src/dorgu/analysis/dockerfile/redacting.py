"""Deciding whether free text carries a secret, and blanking it out.

Extends ``looks_secret`` (which judges one name/value pair) to text that embeds assignments,
such as ``SECRET_KEY=abc`` inside a shell command or a legacy ``ENV`` value.
Must not: log or return the secret parts it finds.
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.results import REDACTED
from dorgu.analysis.secrets import looks_secret
from dorgu.models.patterns import LazyPattern

_ASSIGNMENT = LazyPattern(r"(?<![A-Za-z0-9_])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*)[=:]([^\s'\";&|]+)")
_TOKEN = LazyPattern(r"\S+")


def carries_secret(text: str) -> bool:
    """True if ``text`` looks like a credential or contains ``NAME=value`` with a secret name."""
    if looks_secret("", text):
        return True
    return any(
        looks_secret(m.group(1).replace("-", "_").replace(".", "_"), m.group(2))
        for m in _ASSIGNMENT.finditer(text)
        if m.group(2) and not m.group(2).startswith("$")
    )


def redact_text(text: str) -> str:
    """``text`` with secret-carrying tokens replaced (all of it if the secret spans tokens)."""
    if not carries_secret(text):
        return text
    cleaned = _TOKEN.sub(lambda m: REDACTED if carries_secret(m.group()) else m.group(), text)
    return REDACTED if carries_secret(cleaned) else cleaned
