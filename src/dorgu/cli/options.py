"""Parsing of repeated ``KEY=VALUE`` flags shared by several commands."""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.errors import UsageError


def parse_pairs(values: Sequence[str], *, flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{flag} {value!r}: expected KEY=VALUE", hint=f"for example {flag} VERSION=1.2.3"
            )
        pairs[key.strip()] = rest
    return pairs
