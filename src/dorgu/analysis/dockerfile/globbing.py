"""Shell glob patterns for ``${VAR#glob}``, ``${VAR%glob}`` and ``${VAR/glob/repl}``.

Must not: run on long inputs (values over ``PATTERN_VALUE_LIMIT`` characters or patterns over
``PATTERN_LIMIT`` are returned unchanged, keeping the work bounded).
"""

from __future__ import annotations

import re

from dorgu.models.patterns import Pattern

PATTERN_VALUE_LIMIT = 512
PATTERN_LIMIT = 64


def apply_pattern(operator: str, value: str, word: str, replacement: str) -> str:
    """Apply ``#``, ``##``, ``%``, ``%%``, ``/`` or ``//`` with glob ``word`` to ``value``."""
    if len(value) > PATTERN_VALUE_LIMIT or len(word) > PATTERN_LIMIT:
        return value
    pattern = _glob(word)
    if operator in ("#", "##"):
        cuts = range(len(value) + 1) if operator == "#" else range(len(value), -1, -1)
        for cut in cuts:
            if pattern.fullmatch(value[:cut]):
                return value[cut:]
        return value
    if operator in ("%", "%%"):
        cuts = range(len(value), -1, -1) if operator == "%" else range(len(value) + 1)
        for cut in cuts:
            if pattern.fullmatch(value[cut:]):
                return value[:cut]
        return value
    if not word:
        return value
    count = 0 if operator == "//" else 1
    return pattern.sub(lambda _m: replacement, value, count=count)


def _glob(pattern: str) -> Pattern:
    """A shell glob (``*``, ``?``, ``[...]``) as a regular expression."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                parts.append(re.escape(ch))
            else:
                inner = pattern[i + 1 : end]
                negate = inner.startswith(("!", "^"))
                body = re.escape(inner[1:] if negate else inner).replace("\\-", "-")
                parts.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            parts.append(re.escape(ch))
        i += 1
    try:
        return re.compile("".join(parts), re.DOTALL)
    except re.error:
        return re.compile(re.escape(pattern), re.DOTALL)
