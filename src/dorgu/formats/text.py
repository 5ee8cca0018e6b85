"""Turning untrusted bytes into text."""

from __future__ import annotations

from dorgu.errors import InputError

_BINARY_SNIFF = 8192


def looks_binary(data: bytes) -> bool:
    """True if the first bytes contain NUL (the heuristic git and grep use)."""
    return b"\x00" in data[:_BINARY_SNIFF]


def decode_text(data: bytes, *, file: str) -> str:
    """Decode UTF-8 (with or without BOM) and normalise newlines.

    Raises ``InputError`` naming the file and byte offset for binary or non-UTF-8 content.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if looks_binary(data):
        raise InputError(
            f"{file}: binary file, expected text",
            hint="remove it or point dorgu at the source file",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{file}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})",
            hint="save the file as UTF-8",
        ) from e
    return text.replace("\r\n", "\n").replace("\r", "\n")
