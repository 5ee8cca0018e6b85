"""HTTP routes in Rust code: actix-web, axum and Rocket.

Prefixes are resolved best-effort and lexically: ``web::scope("/api")`` chains and inline
``.nest("/api", Router::new()...)`` wrap the routes inside them; ``.nest("/api", api_routes())``,
``.configure(config)``, ``.service(handler)`` and Rocket's ``.mount("/api", routes![...])`` link a
named function (or ``let`` binding) to a prefix.  Must not: open files or read the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dorgu.analysis.languages.scanning import Text, block_end, call_args
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import join_paths
from dorgu.models.app import RouteParam
from dorgu.models.patterns import LazyPattern

_STR = r'"((?:[^"\\\n]|\\.)*)"'
_MACRO = LazyPattern(
    r"#\[\s*(?:\w+::)?(get|post|put|delete|patch|head|options|trace|route)\s*\(\s*" + _STR
)
_MACRO_METHOD = LazyPattern(r'method\s*=\s*"(\w+)"')
_FN = LazyPattern(r"\bfn\s+(\w+)")
_SCOPE = LazyPattern(r"\b(?:web::scope|Scope::new)\s*\(\s*" + _STR + r"\s*\)")
_NEST = LazyPattern(r"\.nest\s*\(\s*" + _STR + r"\s*,")
_ROUTE = LazyPattern(r"\.route\s*\(\s*" + _STR + r"\s*,")
_RESOURCE = LazyPattern(r"\bweb::resource\s*\(\s*" + _STR + r"\s*\)")
_LINK = LazyPattern(r"\.(service|configure)\s*\(\s*([\w:]+)\s*\)")
_MOUNT = LazyPattern(r"\.mount\s*\(\s*" + _STR + r"\s*,\s*routes!\s*\[([^\]]*)\]")
_NEST_TARGET = LazyPattern(r"^\s*([\w:]+)\s*(?:\(\s*[^()]*\))?\s*$")
_ACTIX_VERB = LazyPattern(r"\bweb::(get|post|put|delete|patch|head|trace)\s*\(\s*\)")
_ACTIX_METHOD = LazyPattern(r"Method::([A-Z]+)")
_AXUM_VERB = LazyPattern(
    r"(?<![\w:])(?:routing::|axum::routing::)?(get|post|put|delete|patch|head|options|trace|any)(?:_service)?\s*\("
)
_AXUM_FILTER = LazyPattern(r"MethodFilter::([A-Z]+)")
_MAX_ITEMS = 500  # scopes, bindings and resources considered per file
_STRUCTURE = LazyPattern(r"[()\[\]{};]")
_DEFINITION = LazyPattern(
    r"\bfn\s+(\w+)\s*(?:<[^<>{};]*>)?\s*\(|\blet\s+(?:mut\s+)?(\w+)\s*(?::[^=;]{0,200})?="
)


@dataclass
class _File:
    text: Text
    scopes: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, prefix
    definitions: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, name
    ends: dict[int, int] = field(default_factory=dict)  # expression start -> end


def _statement_ends(code: str, starts: list[int]) -> dict[int, int]:
    """For each start: the ``;`` at its depth or the closer leaving it, in one linear pass."""
    ends: dict[int, int] = {}
    pending: list[tuple[int, int]] = []  # (depth at start, start), depths non-decreasing
    queue = sorted(set(starts), reverse=True)
    depth = 0
    for m in _STRUCTURE.finditer(code):
        while queue and queue[-1] <= m.start():
            pending.append((depth, queue.pop()))
        ch = m.group()
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            while pending and pending[-1][0] > depth:
                ends[pending.pop()[1]] = m.start()
        else:
            while pending and pending[-1][0] == depth:
                ends[pending.pop()[1]] = m.start()
    for start in [*queue, *(s for _, s in pending)]:
        ends[start] = len(code)
    return ends


def _index(text: Text) -> _File:
    code = text.code
    file = _File(text)
    scopes = list(_SCOPE.finditer(code))[:_MAX_ITEMS]
    lets = [m for m in _DEFINITION.finditer(code) if m.group(2)][:_MAX_ITEMS]
    resources = list(_RESOURCE.finditer(code))[:_MAX_ITEMS]
    file.ends = _statement_ends(code, [m.end() for m in (*scopes, *lets, *resources)])
    for m in scopes:
        file.scopes.append((m.start(), file.ends[m.end()], m.group(1)))
    for m in _NEST.finditer(code):
        paren = code.index("(", m.start())
        args = call_args(code, paren)
        second = (args or "").split(",", 1)[-1]
        if _NEST_TARGET.match(second) is None and args is not None:
            file.scopes.append((m.end(), paren + len(args) + 1, m.group(1)))
    for m in list(_DEFINITION.finditer(code))[: 2 * _MAX_ITEMS]:
        if m.group(1):
            brace = code.find("{", m.end(), m.end() + 2000)
            if brace > 0 and ";" not in code[m.end() : brace]:
                file.definitions.append((m.start(), block_end(code, brace), m.group(1)))
        elif m.end() in file.ends:
            file.definitions.append((m.start(), file.ends[m.end()], m.group(2)))
    return file


class _Prefixes:
    def __init__(self, files: list[_File]) -> None:
        self.files = files
        self.links: dict[
            str, list[tuple[_File, int, str, str]]
        ] = {}  # name -> (file, offset, path, qualifier)

    def link(self, target: str, file: _File, offset: int, path: str) -> None:
        qualifier, _, name = target.rpartition("::")
        self.links.setdefault(name, []).append((file, offset, path, qualifier))

    def at(self, file: _File, offset: int, depth: int = 0) -> str:
        if depth > 12:
            return ""
        lexical = [p for s, e, p in sorted(file.scopes) if s <= offset < e]
        named = ""
        inner = [d for d in file.definitions if d[0] <= offset < d[1]]
        for _start, _end, name in sorted(inner, key=lambda d: d[0], reverse=True):
            links = [
                link
                for link in self.links.get(name, [])
                if not link[3]
                or link[3].rsplit("::", 1)[-1] in ("self", "crate", "super")
                or link[3].rsplit("::", 1)[-1] in file.text.path
            ]
            if len({(f.text.path, o) for f, o, _p, _q in links}) == 1:
                owner, where, path, _q = links[0]
                named = join_paths(self.at(owner, where, depth + 1), path)
                break
        return join_paths(named, *lexical)


def _template(path: str) -> str:
    return re.sub(r"\{\*", "{", path)


def scan_rust_routes(texts: Iterable[Text], findings: Findings, *, rocket: bool) -> None:
    files = [_index(t) for t in texts if "route" in t.code or "#[" in t.code or "mount" in t.code]
    prefixes = _Prefixes(files)
    for file in files:
        code = file.text.code
        for m in _NEST.finditer(code):
            args = call_args(code, code.index("(", m.start())) or ""
            target = _NEST_TARGET.match(args.split(",", 1)[-1])
            if target:
                prefixes.link(target.group(1), file, m.start(), m.group(1))
        for m in _LINK.finditer(code):
            prefixes.link(m.group(2), file, m.start(), "")
        for m in _MOUNT.finditer(code):
            for name in re.findall(r"[\w:]+", m.group(2)):
                prefixes.link(name, file, m.start(), m.group(1))
    for file in files:
        _routes_in(file, prefixes, findings, rocket)


def _routes_in(file: _File, prefixes: _Prefixes, findings: Findings, rocket: bool) -> None:
    code, text = file.text.code, file.text
    for m in _MACRO.finditer(code):
        fn = _FN.search(code, m.end(), m.end() + 2000)
        path = m.group(2)
        query: tuple[RouteParam, ...] = ()
        if rocket and "?" in path:
            path, _, raw_query = path.partition("?")
            query = tuple(
                RouteParam(name=n, location="query", required=False)
                for n in re.findall(r"<(\w+)(?:\.\.)?>", raw_query)
            )
        base = prefixes.at(file, fn.start()) if fn else ""
        verbs: list[str] = [m.group(1).upper()]
        if verbs == ["ROUTE"]:
            verbs = [
                v.upper()
                for v in _MACRO_METHOD.findall(code[m.end() : m.end() + 500].split("]")[0])
            ]
        for verb in verbs or ["ANY"]:
            findings.route(
                verb,
                join_paths(base, _template(path)),
                text.loc(m.start()),
                "rust.rocket.macro" if rocket else "rust.actix.macro",
                query=query,
            )
    for m in _ROUTE.finditer(code):
        args = call_args(code, code.index("(", m.start())) or ""
        handler = args.split(",", 1)[-1]
        if "web::" in handler:
            verbs = [v.upper() for v in _ACTIX_VERB.findall(handler)] + _ACTIX_METHOD.findall(
                handler
            )
            verbs = verbs or (["ANY"] if "web::to" in handler else [])
            rule = "rust.actix.route"
        else:
            verbs = [v.upper() for v in _AXUM_VERB.findall(_top_level(handler))]
            verbs += _AXUM_FILTER.findall(handler)
            rule = "rust.axum.route"
        path = join_paths(prefixes.at(file, m.start()), _template(m.group(1)))
        for verb in verbs:
            findings.route(verb, path, text.loc(m.start()), rule)
    for m in _RESOURCE.finditer(code):
        body = code[m.end() : file.ends.get(m.end(), m.end())][:20_000]
        verbs = [v.upper() for v in _ACTIX_VERB.findall(body)] + _ACTIX_METHOD.findall(body)
        path = join_paths(prefixes.at(file, m.start()), _template(m.group(1)))
        for verb in verbs or (["ANY"] if ".to(" in body else []):
            findings.route(verb, path, text.loc(m.start()), "rust.actix.resource")


def _top_level(expr: str) -> str:
    """``expr`` with the contents of nested parentheses removed (keeps ``get(`` heads)."""
    out, depth = [], 0
    for ch in expr[:4000]:
        if ch == "(":
            depth += 1
            if depth == 1:
                out.append(ch)
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)
