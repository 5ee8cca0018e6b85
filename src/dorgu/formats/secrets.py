"""Deciding whether an environment variable holds a secret.

Used everywhere a value could be stored: a secret-looking variable keeps its name and loses its
value.  Deliberately eager: a false positive costs a Secret reference, a false negative a leak.
"""

from __future__ import annotations

import posixpath
import re

from dorgu.models.patterns import LazyPattern

_SECRET_NAME = LazyPattern(
    r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|"
    r"SIGNING_?KEY|ENCRYPTION_?KEY|SESSION_?KEY|CLIENT_?SECRET|DSN|WEBHOOK_?URL|SALT|"
    r"CONNECTION_?STRING|CONN_?STR|DATABASE_URL|_KEY$|^KEY$|COOKIE)",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = LazyPattern(
    r"(_(FILE|PATH|DIR|ENABLED|TIMEOUT|TTL|LENGTH|ALGORITHM|HEADER|ISSUER|AUDIENCE|URL_PATH)$|"
    r"^(AUTH_(MODE|TYPE|PROVIDER|METHOD)|AUTHOR|KEYBOARD))",
    re.IGNORECASE,
)
_URL_CREDENTIALS = LazyPattern(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)
_SECRET_VALUE = LazyPattern(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"\bAKIA[0-9A-Z]{16}\b|"  # AWS access key id
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|"  # GitHub tokens
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}|"  # Slack
    r"\bsk-[A-Za-z0-9_-]{20,}|"  # OpenAI-style keys
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|"  # JWT
    r"(?i:password=(?!\$[({]?[A-Za-z_])[^;&\s]+))"  # a $VAR reference is no secret
)


def url_has_credentials(value: str) -> bool:
    """True for ``scheme://user:password@host`` style values."""
    return bool(_URL_CREDENTIALS.match(value.strip()))


def looks_secret(name: str, value: str | None = None) -> bool:
    """True if the variable's name or value suggests a credential."""
    if value is not None and (url_has_credentials(value) or _SECRET_VALUE.search(value)):
        return True
    if _NOT_SECRET_NAME.search(name):
        return False
    return bool(_SECRET_NAME.search(name))


def strip_url_credentials(url: str) -> str:
    """Remove ``user:password@`` (or ``token@``) from a URL; other text is returned unchanged."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1", url.strip(), flags=re.IGNORECASE)


_SECRET_FILE = LazyPattern(r"secret|passw|passwd|token|credential|api_?key", re.IGNORECASE)


def is_secret_file_candidate(path: str) -> bool:
    """Files compose ``secrets:`` usually point at (``db_password.txt``, ``secrets/api.token``):
    loaded so that their content is known as a secret value (never kept)."""
    base = posixpath.basename(path).lower()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    if suffix in ("secret", "token", "pass", "password"):
        return True
    if suffix not in ("", "txt"):
        return False
    return bool(_SECRET_FILE.search(stem) or "/secrets/" in f"/{path.lower()}")
