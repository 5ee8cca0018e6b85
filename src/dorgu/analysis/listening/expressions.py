"""Port expressions as the code writes them, and reading a port out of a value.

A ``ListenExpr`` is a coalescing chain of ``Ref`` alternatives: the first one that yields a value
wins (``process.env.PORT || process.env.HTTP_PORT || 3000`` is ``[env PORT, env HTTP_PORT,
literal 3000]``).  A ``Ref`` reads an environment variable, a configuration property (JVM
placeholders, resolved against the captured properties and relaxed-bound environment
variables), a command-line flag of the start command, or is a literal.  ``shape`` says how a
value holds the port: a number, ``host:port``, a URL list (``http://+:5005;https://+:5006``) or
a port list (``8080;8081``).

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

MAX_TEXT = 200  # characters of an expression kept for evidence
MAX_CHAIN = 8  # alternatives kept per expression
MAX_PROPERTIES = 32  # captured configuration properties per expression


class Shape(StrEnum):
    NUMBER = "number"
    HOSTPORT = "hostport"
    URLS = "urls"
    PORTS = "ports"


class RefKind(StrEnum):
    ENV = "env"
    PROPERTY = "property"
    FLAG = "flag"
    LITERAL = "literal"


@dataclass(frozen=True)
class Ref:
    """One alternative of a chain: ``name`` is the variable, property or flag; ``value`` the
    literal text (for ``LITERAL``)."""

    kind: RefKind
    name: str = ""
    value: str = ""

    def __str__(self) -> str:
        if self.kind is RefKind.LITERAL:
            return repr(self.value)
        return f"{self.kind.value} {self.name}"


def env(name: str) -> Ref:
    return Ref(RefKind.ENV, name=name)


def literal(value: str | int) -> Ref:
    return Ref(RefKind.LITERAL, value=str(value))


def prop(name: str) -> Ref:
    return Ref(RefKind.PROPERTY, name=name)


def flag(name: str) -> Ref:
    return Ref(RefKind.FLAG, name=name)


@dataclass(frozen=True)
class ListenExpr:
    """How one piece of code or config computes a listen port.

    ``properties`` holds the raw values of configuration properties the chain refers to (JVM
    placeholders), ``profile`` the configuration profile the expression belongs to (None: the
    default profile), ``overridable`` whether the framework's own variables (``SERVER_PORT``
    for ``server.port``) beat it.  ``empty_is_unset``: ``""`` falls through to the next
    alternative (``||``, ``:-``, ``or``) rather than counting as a value.
    """

    text: str
    chain: tuple[Ref, ...]
    rule: str
    location: Location | None = None
    shape: Shape = Shape.NUMBER
    purpose: str = "http"
    confidence: float = 0.85
    properties: tuple[tuple[str, str], ...] = ()
    profile: str | None = None
    empty_is_unset: bool = True

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.chain if r.kind is RefKind.ENV)

    @property
    def default(self) -> str | None:
        return next((r.value for r in self.chain if r.kind is RefKind.LITERAL), None)

    @property
    def reads_environment(self) -> bool:
        return any(r.kind is not RefKind.LITERAL for r in self.chain)


def make_expr(
    text: str,
    chain: list[Ref] | tuple[Ref, ...],
    rule: str,
    location: Location | None,
    *,
    shape: Shape = Shape.NUMBER,
    purpose: str = "http",
    confidence: float = 0.85,
    properties: tuple[tuple[str, str], ...] = (),
    profile: str | None = None,
    empty_is_unset: bool = True,
) -> ListenExpr:
    """A ``ListenExpr`` with ``text`` squeezed to one line and capped, the chain de-duplicated."""
    seen: list[Ref] = []
    for ref in chain:
        if ref not in seen and len(seen) < MAX_CHAIN:
            seen.append(ref)
    return ListenExpr(
        text=" ".join(text.split())[:MAX_TEXT],
        chain=tuple(seen),
        rule=rule,
        location=location,
        shape=shape,
        purpose=purpose,
        confidence=confidence,
        properties=properties[:MAX_PROPERTIES],
        profile=profile,
        empty_is_unset=empty_is_unset,
    )


# --- reading a port out of a value ------------------------------------------------------------

_URL = LazyPattern(r"^\s*(https?)://(\[[^\]]*\]|[^/:;,\s]*)(?::(\d{1,6}))?", re.IGNORECASE)
_TAIL_PORT = LazyPattern(r":(\d{1,6})\s*$")


def _number(text: str) -> int | None:
    text = text.strip().strip("\"'")
    if not (text.isascii() and text.isdigit()) or len(text) > 6:  # "²".isdigit() is True
        return None
    number = int(text)
    return number if 1 <= number <= 65535 else None


def read_port(value: str, shape: Shape) -> int | None:
    """The port ``value`` holds in ``shape``; None when it holds none (non-numeric, 0, out of
    range).  A number shape also accepts ``:8080`` and ``host:8080``; URL lists prefer the first
    ``http`` URL (an URL without a port means 80 for http, 443 for https)."""
    value = value[:1000]
    if shape is Shape.URLS:
        urls = [u for u in re.split(r"[;,\s]+", value) if u]
        parsed = [m for m in (_URL.match(u) for u in urls) if m]
        if not parsed:
            return None
        first = next((m for m in parsed if m.group(1).lower() == "http"), parsed[0])
        if first.group(3) is None:
            return 80 if first.group(1).lower() == "http" else 443
        return _number(first.group(3))
    if shape is Shape.PORTS:
        head = next((p for p in re.split(r"[;,\s]+", value) if p), "")
        return _number(head)
    direct = _number(value)
    if direct is not None:
        return direct
    tail = _TAIL_PORT.search(value.strip().strip("\"'"))
    return _number(tail.group(1)) if tail else None
