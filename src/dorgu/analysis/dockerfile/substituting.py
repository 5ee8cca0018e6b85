"""Docker's word processing: quote removal and ``$VAR`` / ``${VAR...}`` substitution.

Supports ``$VAR``, ``${VAR}``, ``${VAR:-w}``, ``${VAR-w}``, ``${VAR:+w}``, ``${VAR+w}``,
``${VAR:?msg}``, ``${VAR?msg}``, ``${VAR#glob}``, ``${VAR##glob}``, ``${VAR%glob}``,
``${VAR%%glob}``, ``${VAR/glob/repl}``, ``${VAR//glob/repl}``, escaped ``\\$`` (or ```$``),
single quotes (literal) and double quotes (expanding).

Secret and unknown variables are never expanded: their reference is kept verbatim, so a secret
value can never reach a result.  Must not: see any secret value, raise anything but
``LimitExceededError``, or recurse deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from dorgu.analysis.dockerfile.globbing import apply_pattern
from dorgu.errors import LimitExceededError
from dorgu.models.patterns import LazyPattern

MAX_DEPTH = 24
MAX_EXPANSION = 65_536  # characters substituted into one word
_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":+", ":?", "##", "%%", "//", "-", "+", "?", "#", "%", "/")


class VarKind(Enum):
    VALUE = "value"  # known value
    UNSET = "unset"  # declared (ARG without value), expands to ""
    HIDDEN = "hidden"  # a global ARG not redeclared in this stage: expands to ""
    SECRET = "secret"  # value withheld: reference kept verbatim
    OPAQUE = "opaque"  # value unknown (platform ARGs): reference kept verbatim


@dataclass(frozen=True)
class Var:
    kind: VarKind
    value: str = ""

    @property
    def is_set(self) -> bool:
        return self.kind in (VarKind.VALUE, VarKind.SECRET, VarKind.OPAQUE)


@dataclass(frozen=True)
class Expansion:
    """The processed word and what happened on the way."""

    text: str
    tainted: bool = False  # a secret variable was referenced
    opaque: bool = False  # some reference was kept verbatim
    substituted: bool = False  # at least one variable was replaced by a value
    size: int = 0  # characters that came from variable values
    undefined: tuple[str, ...] = ()  # bare references to names not in scope
    hidden: tuple[str, ...] = ()  # bare references to global ARGs not redeclared
    problems: tuple[str, ...] = ()  # syntax problems, e.g. an unterminated quote


@dataclass
class _State:
    text: str
    scope: Mapping[str, Var]
    escape: str
    keep_undefined: bool
    pos: int = 0
    size: int = 0
    tainted: bool = False
    opaque: bool = False
    substituted: bool = False
    undefined: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def grow(self, amount: int) -> None:
        """Count substituted characters (literal text is bounded by the input size)."""
        self.size += amount
        if self.size > MAX_EXPANSION:
            raise LimitExceededError(
                f"variable expansion longer than {MAX_EXPANSION} characters",
                hint="check for ENV/ARG values that reference themselves repeatedly",
            )


def expand(
    text: str, scope: Mapping[str, Var], escape: str, *, keep_undefined: bool = False
) -> Expansion:
    """Process ``text`` as one Docker word: remove quotes and escapes, substitute variables.

    ``keep_undefined`` keeps references to names missing from ``scope`` verbatim (they may
    come from the base image) instead of substituting the empty string.
    """
    state = _State(text, scope, escape, keep_undefined)
    out = _process(state, stop="", depth=0)
    return Expansion(
        text=out,
        tainted=state.tainted,
        opaque=state.opaque,
        substituted=state.substituted,
        size=state.size,
        undefined=tuple(dict.fromkeys(state.undefined)),
        hidden=tuple(dict.fromkeys(state.hidden)),
        problems=tuple(dict.fromkeys(state.problems)),
    )


def _process(state: _State, stop: str, depth: int) -> str:
    """Read until an unquoted character in ``stop`` (not consumed) or the end of the text."""
    text, n, escape = state.text, len(state.text), state.escape
    out: list[str] = []
    while state.pos < n:
        ch = text[state.pos]
        if ch in stop:
            break
        if ch == escape:
            if state.pos + 1 < n:
                out.append(text[state.pos + 1])
            state.pos += 2
        elif ch == "'":
            end = text.find("'", state.pos + 1)
            if end < 0:
                state.problems.append("unterminated single quote")
                end = n
            out.append(text[state.pos + 1 : end])
            state.pos = end + 1
        elif ch == '"':
            out.append(_double_quoted(state, depth))
        elif ch == "$":
            out.append(_dollar(state, depth))
        else:
            out.append(ch)
            state.pos += 1
    return "".join(out)


def _double_quoted(state: _State, depth: int) -> str:
    text, n, escape = state.text, len(state.text), state.escape
    state.pos += 1
    out: list[str] = []
    while state.pos < n:
        ch = text[state.pos]
        if ch == '"':
            state.pos += 1
            return "".join(out)
        if ch == escape:
            if state.pos + 1 >= n:
                state.pos += 1
                continue
            following = text[state.pos + 1]
            if following in ('"', "$", escape):
                out.append(following)
                state.pos += 2
            else:
                out.append(ch)
                state.pos += 1
        elif ch == "$":
            out.append(_dollar(state, depth))
        else:
            out.append(ch)
            state.pos += 1
    state.problems.append("unterminated double quote")
    return "".join(out)


def _dollar(state: _State, depth: int) -> str:
    text, n = state.text, len(state.text)
    start = state.pos
    state.pos += 1
    if state.pos >= n:
        return "$"
    if text[state.pos] != "{":
        match = _NAME.match(text, state.pos)
        if match is None:
            return "$"
        state.pos = match.end()
        return _bare(state, match.group(), text[start : state.pos])
    return _braced(state, start, depth)


def _braced(state: _State, start: int, depth: int) -> str:
    text, n = state.text, len(state.text)
    match = _NAME.match(text, state.pos + 1)
    if match is None or depth >= MAX_DEPTH:
        state.problems.append("bad substitution")
        end = text.find("}", state.pos)
        state.pos = n if end < 0 else end + 1
        return text[start : state.pos]
    name = match.group()
    state.pos = match.end()
    if state.pos >= n:
        state.problems.append("missing '}'")
        return text[start:]
    if text[state.pos] == "}":
        state.pos += 1
        return _bare(state, name, text[start : state.pos])
    operator = next((op for op in _OPERATORS if text.startswith(op, state.pos)), None)
    if operator is None:
        state.problems.append("bad substitution")
        end = text.find("}", state.pos)
        state.pos = n if end < 0 else end + 1
        return text[start : state.pos]
    state.pos += len(operator)
    replacement = ""
    if operator in ("/", "//"):
        word = _process(state, stop="/}", depth=depth + 1)
        if state.pos < n and text[state.pos] == "/":
            state.pos += 1
            replacement = _process(state, stop="}", depth=depth + 1)
    else:
        word = _process(state, stop="}", depth=depth + 1)
    if state.pos < n and text[state.pos] == "}":
        state.pos += 1
    else:
        state.problems.append("missing '}'")
    raw = text[start : state.pos]
    var = state.scope.get(name)
    if var is not None and var.kind in (VarKind.SECRET, VarKind.OPAQUE):
        return _verbatim(state, var.kind, raw)
    if var is None and state.keep_undefined and operator in ("#", "##", "%", "%%", "/", "//"):
        return _verbatim(state, VarKind.OPAQUE, raw)
    is_set = var is not None and var.is_set
    value = var.value if var is not None and is_set else ""
    state.grow(len(value))
    state.substituted = True
    return _apply(state, name, operator, value, is_set, word, replacement)


def _apply(
    state: _State,
    name: str,
    operator: str,
    value: str,
    is_set: bool,
    word: str,
    replacement: str,
) -> str:
    if operator == ":-":
        return value if value else word
    if operator == "-":
        return value if is_set else word
    if operator == ":+":
        return word if value else ""
    if operator == "+":
        return word if is_set else ""
    if operator in (":?", "?"):
        if (operator == ":?" and not value) or not is_set:
            state.problems.append(f"{name}: {word or 'is not set'}")
        return value
    return apply_pattern(operator, value, word, replacement)


def _bare(state: _State, name: str, raw: str) -> str:
    var = state.scope.get(name)
    if var is None:
        state.undefined.append(name)
        if state.keep_undefined:
            return _verbatim(state, VarKind.OPAQUE, raw)
        return ""
    if var.kind in (VarKind.SECRET, VarKind.OPAQUE):
        return _verbatim(state, var.kind, raw)
    if var.kind is VarKind.HIDDEN:
        state.hidden.append(name)
        return ""
    state.substituted = True
    state.grow(len(var.value))
    return var.value


def _verbatim(state: _State, kind: VarKind, raw: str) -> str:
    if kind is VarKind.SECRET:
        state.tainted = True
    else:
        state.opaque = True
    return raw
