"""Splitting instruction arguments: whitespace-separated words and the JSON exec form.

Words keep their quotes and escape characters (removal happens during substitution), so a
word can be split again or shown as written.  Must not: expand variables or remove quotes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """A word as written and its span ``[start, end)`` in the text it was split from."""

    text: str
    start: int
    end: int


def split_words(text: str, escape: str) -> list[Word]:
    """Split on unquoted whitespace, the way Docker splits ENV/LABEL/ARG/EXPOSE arguments.

    Inside single quotes nothing is special; elsewhere the escape character protects the next
    character (both are kept).  An unterminated quote runs to the end of the text.
    """
    words: list[Word] = []
    n = len(text)
    i = 0
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        quote = ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and quote != "'" and i + 1 < n:
                    i += 1
            elif ch.isspace():
                break
            elif ch in "'\"":
                quote = ch
            elif ch == escape and i + 1 < n:
                i += 1
            i += 1
        words.append(Word(text[start:i], start, i))
    return words


class NotStringArrayError(ValueError):
    """The text is a JSON array but not every element is a string."""


def parse_json_array(text: str) -> tuple[str, ...] | None:
    """The exec form ``["a", "b"]`` as a tuple, or None when the text is not a JSON array.

    Raises ``NotStringArrayError`` for a valid JSON array holding something other than strings
    (Docker refuses those instead of falling back to the shell form).
    """
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise NotStringArrayError(stripped)
    # JSON escapes can produce lone surrogates, which cannot be serialised: make them "?".
    return tuple(item.encode("utf-8", "replace").decode("utf-8") for item in value)
