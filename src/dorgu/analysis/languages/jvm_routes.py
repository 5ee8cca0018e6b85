"""HTTP routes from Java and Kotlin annotations: Spring MVC/WebFlux, JAX-RS (Quarkus), Micronaut.

A small scanner, not a parser: comments and string contents are blanked (offsets kept), then
annotation runs are classified as class-level (followed by a class declaration) or method-level.
Paths are taken only from string literals and same-file string constants; anything else is
skipped rather than guessed.  Must not: open files or read the environment.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dorgu.analysis.routes import join_paths, normalize_path, path_params
from dorgu.models.app import Route, RouteParam
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_LEXEME = LazyPattern(
    r'"""[\s\S]*?(?:"""|\Z)|"(?:[^"\\\n]|\\.)*(?:"|(?=\n)|\Z)|\'(?:[^\'\\\n]|\\.)*(?:\'|(?=\n)|\Z)'
    r"|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)"
)
_ANNOTATION = LazyPattern(r"@([A-Za-z_][\w.]*)")
_DECLARATION = LazyPattern(
    r"\s*(?:(?:public|private|protected|internal|abstract|final|open|data|sealed|static|"
    r"inner|annotation)\s+)*(class|interface|object|record|enum)\s+([A-Za-z_]\w*)"
)
_CLASS_DECL = LazyPattern(r"\b(?:class|interface|object|record|enum)\s+([A-Za-z_]\w*)")
_CONSTANT = LazyPattern(
    r"\b(?:static\s+final\s+String|const\s+val)\s+([A-Za-z_]\w*)\s*(?::\s*String\s*)?=\s*"
    r'"((?:[^"\\\n]|\\.)*)"'
)
_STRING = LazyPattern(r'"((?:[^"\\\n]|\\.)*)"')
_HTTP_WORD = LazyPattern(r"\b(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE)\b")
_NAMED_ARG = LazyPattern(r"^\s*([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]*)$")
_MICRONAUT_QUERY = LazyPattern(r"\{\?([^}]*)\}")

_SPRING_VERBS = {
    "GetMapping": "GET",
    "PostMapping": "POST",
    "PutMapping": "PUT",
    "DeleteMapping": "DELETE",
    "PatchMapping": "PATCH",
    "RequestMapping": "ANY",
}
_JAXRS_VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
_MICRONAUT_VERBS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Delete": "DELETE",
    "Patch": "PATCH",
    "Head": "HEAD",
    "Options": "OPTIONS",
}
_CLIENT_MARKERS = frozenset({"FeignClient", "RegisterRestClient", "Client", "HttpExchange"})
_QUERY_ANNOTATIONS = frozenset({"RequestParam", "QueryParam", "QueryValue", "RestQuery"})
MAX_FILE_ROUTES = 500
_BRACKET = LazyPattern(r"[()\[\]{}]")


@dataclass(frozen=True)
class _Annotation:
    name: str  # simple name (last dotted segment)
    start: int
    end: int
    args: dict[str, str]


def blank(text: str) -> tuple[str, str]:
    """(code, shape): comments blanked in both, string contents also blanked in ``shape``."""
    code: list[str] = []
    shape: list[str] = []
    last = 0
    for m in _LEXEME.finditer(text):
        code.append(text[last : m.start()])
        shape.append(text[last : m.start()])
        lexeme = m.group(0)
        spaces = re.sub(r"[^\n]", " ", lexeme)
        if lexeme.startswith("/"):
            code.append(spaces)
            shape.append(spaces)
        else:
            code.append(lexeme)
            shape.append(lexeme[0] + spaces[1:-1] + lexeme[-1] if len(lexeme) > 1 else lexeme)
        last = m.end()
    code.append(text[last:])
    shape.append(text[last:])
    return "".join(code), "".join(shape)


def bracket_pairs(shape: str) -> dict[int, int]:
    """Index of each opening bracket -> index just past its closer, in one linear pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACKET.finditer(shape):
        if m.group() in "([{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.end()
    return pairs


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and strings."""
    parts: list[str] = []
    depth, quote, current = 0, "", []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _parse_args(raw: str) -> dict[str, str]:
    args: dict[str, str] = {}
    for part in split_top(raw):
        named = _NAMED_ARG.match(part)
        if named and not part.lstrip().startswith('"'):
            args[named.group(1)] = named.group(2).strip()
        else:
            args.setdefault("value", part)
    return args


def _annotations(code: str, shape: str, pairs: dict[int, int] | None = None) -> list[_Annotation]:
    pairs = bracket_pairs(shape) if pairs is None else pairs
    found: list[_Annotation] = []
    for m in _ANNOTATION.finditer(shape):
        end, args = m.end(), {}
        paren = end
        while paren < len(shape) and shape[paren] in " \t":
            paren += 1
        if paren < len(shape) and shape[paren] == "(":
            close = pairs.get(paren)
            if close is not None and close - paren < 8000:
                args = _parse_args(code[paren + 1 : close - 1])
                end = close
        found.append(_Annotation(m.group(1).rsplit(".", 1)[-1], m.start(), end, args))
    return found


def _groups(shape: str, annotations: list[_Annotation]) -> Iterator[list[_Annotation]]:
    group: list[_Annotation] = []
    for ann in annotations:
        if group and shape[group[-1].end : ann.start].strip():
            yield group
            group = []
        group.append(ann)
    if group:
        yield group


def _strings(expr: str | None, constants: dict[str, str]) -> list[str] | None:
    """String values of an annotation argument: literal, array, constant or concatenation."""
    if expr is None:
        return None
    expr = expr.strip()
    if expr.startswith("arrayOf("):
        expr = expr[len("arrayOf(") : -1]
    elif expr and expr[0] in "{[":
        expr = expr[1:-1]
    values: list[str] = []
    for element in split_top(expr):
        pieces: list[str] = []
        for piece in split_top(element, "+"):
            literal = _STRING.fullmatch(piece)
            if literal and "$" not in literal.group(1):
                pieces.append(literal.group(1))
            elif piece.rsplit(".", 1)[-1] in constants:
                pieces.append(constants[piece.rsplit(".", 1)[-1]])
            else:
                return None
        values.append("".join(pieces))
    return values


def _query_params(
    code: str, shape: str, start: int, pairs: dict[int, int]
) -> tuple[RouteParam, ...]:
    """Query parameters declared on the method whose name follows ``start``."""
    paren = shape.find("(", start, start + 1000)
    if paren < 0:
        return ()
    close = pairs.get(paren)
    if close is None or close - paren > 8000:
        return ()
    params: list[RouteParam] = []
    for part in split_top(code[paren + 1 : close - 1]):
        anns = _annotations(part, blank(part)[1])
        query = next((a for a in anns if a.name in _QUERY_ANNOTATIONS), None)
        if query is None:
            continue
        explicit = _strings(query.args.get("value") or query.args.get("name"), {})
        rest = part[max(a.end for a in anns) :].strip()
        if explicit:
            name = explicit[0]
        elif ":" in rest:  # Kotlin: name: Type
            name = rest.split(":", 1)[0].split()[-1] if rest.split(":", 1)[0].split() else ""
        else:  # Java: Type name
            name = rest.split()[-1] if rest.split() else ""
        if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            continue
        optional = (
            query.args.get("required", "").strip() == "false"
            or "defaultValue" in query.args
            or "?" in rest
            or "Optional<" in rest
            or any(a.name in {"Nullable", "DefaultValue"} for a in anns)
        )
        params.append(RouteParam(name=name, location="query", required=not optional))
    return tuple(params)


def _route_params(path: str, query: tuple[RouteParam, ...]) -> tuple[RouteParam, ...]:
    names = {p.name for p in path_params(path)}
    return path_params(path) + tuple(q for q in query if q.name not in names)


def extract_jvm_routes(text: str, *, file: str, global_prefix: str = "") -> list[Route]:
    """Routes declared in one Java or Kotlin source file."""
    if "@" not in text:
        return []
    code, shape = blank(text)
    constants = {m.group(1): m.group(2) for m in _CONSTANT.finditer(code)}
    micronaut = "io.micronaut" in code
    class_starts = [m.start() for m in _CLASS_DECL.finditer(shape)]
    contexts: dict[int, tuple[list[str], bool]] = {}  # class decl offset -> (prefixes, skip)
    routes: list[Route] = []
    pairs = bracket_pairs(shape)
    newlines = [m.start() for m in re.finditer("\n", text)]
    annotations = _annotations(code, shape, pairs)
    for group in _groups(shape, annotations):
        if len(routes) >= MAX_FILE_ROUTES:
            break
        names = {a.name: a for a in group}
        decl = _DECLARATION.match(shape, group[-1].end)
        if decl is not None:
            prefixes = [""]
            holder = names.get("RequestMapping") or names.get("Path")
            if holder is None and micronaut:
                holder = names.get("Controller")
            if holder is not None:
                found = _strings(holder.args.get("value") or holder.args.get("path"), constants)
                prefixes = found or [""]
            contexts[decl.start(1)] = (prefixes, bool(_CLIENT_MARKERS & names.keys()))
            continue
        owner = max((s for s in class_starts if s < group[0].start), default=-1)
        prefixes, skip = contexts.get(owner, ([""], False))
        if skip:
            continue
        query: tuple[RouteParam, ...] | None = None
        for method, paths, ann in _mappings(names, constants, micronaut):
            if query is None:
                query = _query_params(code, shape, group[-1].end, pairs)
            line = bisect.bisect_left(newlines, ann.start) + 1
            for prefix in prefixes:
                for sub in paths:
                    sub = _MICRONAUT_QUERY.sub("", sub) if micronaut else sub
                    path = normalize_path(join_paths(global_prefix, prefix, sub))
                    routes.append(
                        Route(
                            method=method,
                            path=path,
                            params=_route_params(path, query),
                            location=Location(file=file, line=line),
                        )
                    )
    return routes


def _mappings(
    names: dict[str, _Annotation], constants: dict[str, str], micronaut: bool
) -> Iterator[tuple[str, list[str], _Annotation]]:
    for name, verb in _SPRING_VERBS.items():
        ann = names.get(name)
        if ann is None:
            continue
        paths = _strings(ann.args.get("value") or ann.args.get("path"), constants)
        if paths is None and ("value" in ann.args or "path" in ann.args):
            continue  # a path we cannot resolve: skip rather than guess
        methods = [verb]
        if name == "RequestMapping":
            methods = _HTTP_WORD.findall(ann.args.get("method", "")) or ["ANY"]
        for method in methods:
            yield method, paths or [""], ann
    for verb in _JAXRS_VERBS:
        if verb in names:
            holder = names.get("Path")
            paths = _strings(holder.args.get("value"), constants) if holder else [""]
            if paths is not None:
                yield verb, paths, names[verb]
    if micronaut:
        for name, verb in _MICRONAUT_VERBS.items():
            ann = names.get(name)
            if ann is None:
                continue
            expr = ann.args.get("value") or ann.args.get("uri") or ann.args.get("uris")
            paths = _strings(expr, constants)
            if paths is None and expr is not None:
                continue
            yield verb, paths or [""], ann
