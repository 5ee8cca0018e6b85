"""Compose variable interpolation: ``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR:?err}``, ...

Must not: read the process environment (callers pass a lookup), interpolate mapping keys, or
evaluate an operand that is not used (``${A:-${B}}`` does not warn about ``B`` when ``A`` is set).
Unset variables without a default become empty strings and are reported to the caller.
Callers may ``protect`` variables (secret-looking ones): those stay ``${NAME}`` in the output,
so a password interpolated into ``command`` or a healthcheck is never copied into the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dorgu.errors import ParseError
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

Lookup = Callable[[str], str | None]
Protect = Callable[[str, str], bool]
Path = tuple[str | int, ...]

_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")
_MAX_NESTING = 16
_MAX_USED = 64


class _Interpolator:
    def __init__(self, lookup: Lookup, location: Location, protect: Protect | None) -> None:
        self.lookup = lookup
        self.location = location
        self.protect = protect
        self.unset: list[str] = []
        self.used: list[str] = []  # variables whose value went into the result

    def fail(self, message: str, hint: str | None = None) -> ParseError:
        return ParseError(message, file=self.location.file, line=self.location.line, hint=hint)

    def expand(self, text: str, depth: int = 0) -> str:
        if depth > _MAX_NESTING:
            raise self.fail(f"interpolation nested deeper than {_MAX_NESTING} levels")
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            start = text.find("$", i)
            if start < 0:
                out.append(text[i:])
                break
            out.append(text[i:start])
            nxt = text[start + 1] if start + 1 < n else ""
            if nxt == "$":
                out.append("$")
                i = start + 2
            elif nxt == "{":
                end = self._closing_brace(text, start + 2)
                out.append(self._braced(text[start + 2 : end], depth))
                i = end + 1
            else:
                match = _NAME.match(text, start + 1)
                if match is None:
                    out.append("$")
                    i = start + 1
                else:
                    out.append(self._value(match.group()))
                    i = match.end()
        return "".join(out)

    def _closing_brace(self, text: str, i: int) -> int:
        depth = 1
        n = len(text)
        while i < n:
            ch = text[i]
            if ch == "$" and i + 1 < n and text[i + 1] in "${":
                depth += text[i + 1] == "{"
                i += 2
                continue
            if ch == "}":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise self.fail(
            f"invalid interpolation: unclosed '${{' in {text!r}",
            hint="write '$$' for a literal '$'",
        )

    def _braced(self, body: str, depth: int) -> str:
        match = _NAME.match(body)
        if match is None:
            raise self.fail(
                f"invalid interpolation: '${{{body}}}' has no variable name",
                hint="write '$$' for a literal '$'",
            )
        name = match.group()
        rest = body[match.end() :]
        if not rest:
            return self._value(name)
        op = next((o for o in _OPERATORS if rest.startswith(o)), None)
        if op is None:
            raise self.fail(f"invalid interpolation: unexpected {rest[0]!r} in '${{{body}}}'")
        operand = rest[len(op) :]
        value = self.lookup(name)
        missing = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return self.expand(operand, depth + 1) if missing else self._shown(name, str(value))
        if op in (":?", "?"):
            if missing:
                message = self.expand(operand, depth + 1) or "is not set"
                raise self.fail(
                    f"required variable {name} is missing a value: {message}",
                    hint=f"set {name} in the environment or in .env",
                )
            return self._shown(name, str(value))
        return "" if missing else self.expand(operand, depth + 1)

    def _value(self, name: str) -> str:
        value = self.lookup(name)
        if value is None:
            self.unset.append(name)
            return ""
        return self._shown(name, value)

    def _shown(self, name: str, value: str) -> str:
        """The value, or the reference itself when the value must not be copied around."""
        if len(self.used) < _MAX_USED:
            self.used.append(name)
        return f"${{{name}}}" if self.protect and self.protect(name, value) else value


def interpolate(
    text: str,
    lookup: Lookup,
    location: Location,
    *,
    protect: Protect | None = None,
    used: list[str] | None = None,
) -> tuple[str, list[str]]:
    """The expanded text and the names of unset variables that became empty strings.

    A variable for which ``protect(name, value)`` is true is left as ``${NAME}``.  ``used``,
    when given, receives the names of the variables whose values were used.
    """
    if "$" not in text:
        return text, []
    interpolator = _Interpolator(lookup, location, protect)
    expanded = interpolator.expand(text)
    if used is not None:
        used.extend(interpolator.used)
    return expanded, interpolator.unset


def interpolate_tree(
    data: object,
    lookup: Lookup,
    locate: Callable[[Path], Location],
    on_unset: Callable[[str, Location], None],
    *,
    path: Path = (),
    protect: Protect | None = None,
    on_used: Callable[[str, Location], None] | None = None,
) -> object:
    """A copy of ``data`` with every string value interpolated; keys are left alone.
    ``on_used(name, location)`` hears of every variable whose value was used, and where."""
    if isinstance(data, str):
        if "$" not in data:
            return data
        location = locate(path)
        used: list[str] = []
        value, unset = interpolate(data, lookup, location, protect=protect, used=used)
        for name in unset:
            on_unset(name, location)
        if on_used is not None:
            for name in used:
                on_used(name, location)
        return value
    if isinstance(data, list):
        return [
            interpolate_tree(
                item, lookup, locate, on_unset, path=(*path, i), protect=protect, on_used=on_used
            )
            for i, item in enumerate(data)
        ]
    if isinstance(data, dict):
        return {
            key: interpolate_tree(
                item, lookup, locate, on_unset, path=(*path, key), protect=protect, on_used=on_used
            )
            for key, item in data.items()
        }
    return data


def lookup_in(*layers: Mapping[str, str]) -> Lookup:
    """A lookup that tries each mapping in turn (highest precedence first)."""

    def lookup(name: str) -> str | None:
        for layer in layers:
            if name in layer:
                return layer[name]
        return None

    return lookup
