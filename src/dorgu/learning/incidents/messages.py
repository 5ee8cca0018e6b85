"""Messages kept as incident evidence: secrets redacted, then bounded.

Kubernetes messages carry whatever a container, a probe or a controller printed: an Event can
quote a failing command line with ``--password=...``, a probe's response body, a connection
string with credentials.  Every free-text message stored in an ``IncidentMemory`` (evidence,
reasons) goes through ``clean_message``, the project's redactor (``dorgu.formats.redacting``,
the same rules as LLM prompts), before it is truncated, so a secret is never cut in half where
the redactor would no longer recognise it.

Must not do I/O.
"""

from __future__ import annotations

from dorgu.formats.redacting import redact_text
from dorgu.models.incidents import MAX_DETAIL

_SCAN = 4 * MAX_DETAIL
"""Only this much of a message is read: what lies beyond is never stored, so it need not be
redacted (and a megabyte of Event text costs no regex time)."""


def clip(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters (an ellipsis marks a cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_message(message: str | None, *, limit: int = MAX_DETAIL) -> str | None:
    """``message`` with every secret-looking part replaced by ``[redacted:KIND]``, at most
    ``limit`` characters; ``None`` stays ``None``."""
    if message is None:
        return None
    return clip(redact_text(message[:_SCAN]), limit)
