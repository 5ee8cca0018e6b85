"""Whether an image reference is one a container runtime can pull.

The grammar of a reference (as Docker, containerd and the kubelet read it)::

    reference := name [ ":" tag ] [ "@" digest ]
    name      := [ domain "/" ] path ( "/" path )*       (at most 255 characters)
    domain    := host-part ( "." host-part )* [ ":" port ]   (letters of any case)
    path      := lower-case letters and digits, joined by ".", "_", "__" or dashes
    tag       := a word character, then up to 127 of [A-Za-z0-9_.-]
    digest    := algorithm ":" at least 32 hex digits

``reference_problem`` says what is wrong in words, or None.  Must not rewrite anything.
"""

from __future__ import annotations

from dorgu.models.patterns import LazyPattern

MAX_NAME = 255
_HOST_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = LazyPattern(rf"^{_HOST_PART}(?:\.{_HOST_PART})*(?::[0-9]+)?$")
_PATH = LazyPattern(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = LazyPattern(r"^\w[\w.-]{0,127}$")
_DIGEST = LazyPattern(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$")


def reference_problem(reference: str) -> str | None:
    """What makes ``reference`` unpullable, or None when it is well formed."""
    text, at, digest = reference.partition("@")
    if at and not _DIGEST.match(digest):
        return f"the digest {digest!r} is not <algorithm>:<hex>"
    slash = text.rfind("/")
    colon = text.rfind(":")
    name, tag = (text[:colon], text[colon + 1 :]) if colon > slash else (text, None)
    if tag is not None and not _TAG.match(tag):
        return "the tag is empty" if not tag else f"the tag {tag!r} has characters a tag cannot"
    if not name:
        return "it names no repository"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    parts = name.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        if not _DOMAIN.match(first):
            return f"the registry {first!r} is not a host name"
        parts = parts[1:]
    bad = next((p for p in parts if not _PATH.match(p)), None)
    if bad is not None:
        if bad.lower() != bad and _PATH.match(bad.lower()):
            return f"the repository part {bad!r} has upper-case letters"
        return f"the repository part {bad!r} is not lower-case letters, digits and separators"
    return None
