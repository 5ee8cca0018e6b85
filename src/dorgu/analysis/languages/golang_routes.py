"""Go HTTP routes: net/http (including Go 1.22 ``"GET /items/{id}"`` patterns), Gin, Echo,
Fiber, chi and gorilla/mux, with prefixes from groups (``v1 := r.Group("/v1")``), chi
``Route``/``Mount``, gorilla ``PathPrefix().Subrouter()`` and functions that take a router
parameter (``func RegisterRoutes(rg *gin.RouterGroup)``).

Must not: open files or raise.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from dorgu.analysis.languages.scanning import (
    BracePairs,
    Text,
    assignment,
    call_args,
    receiver,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.models.patterns import LazyPattern

_CALL = LazyPattern(
    r"\.(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|Any|Get|Post|Put|Patch|Delete|Head|"
    r"Options|All|Handle|HandleFunc|Match|Add|Method|MethodFunc)[ \t]*\("
)
_STRING = LazyPattern(r'^\s*"([^"\n]{0,300})"\s*$')
_GROUP = LazyPattern(r'\.Group\(\s*"([^"\n]{0,300})"')
_SUBROUTER = LazyPattern(r'\.PathPrefix\(\s*"([^"\n]{0,300})"\s*\)\s*\.Subrouter\(\)')
_CHI_ROUTE = LazyPattern(
    r'\.Route\(\s*"([^"\n]{0,300})"\s*,\s*func\s*\(\s*(\w+)\s+[\w.*]+\s*\)\s*\{'
)
_CHI_MOUNT = LazyPattern(r'\.Mount\(\s*"([^"\n]{0,300})"\s*,\s*(?:\w+\.)?(\w+)\(')
_FUNC = LazyPattern(
    r"^func[ \t]+(?:\([^)\n]{0,200}\)[ \t]*)?(\w+)[ \t]*\(([^)\n]{0,400})\)[^{\n]{0,200}\{", re.M
)
_ROUTER_PARAM = LazyPattern(
    r"(\w+)\s+\*?(?:gin\.RouterGroup|gin\.IRouter|gin\.IRoutes|gin\.Engine|echo\.Group|"
    r"echo\.Echo|fiber\.Router|fiber\.App|chi\.Router|chi\.Mux|mux\.Router|http\.ServeMux)\b"
)
_METHODS_CHAIN = LazyPattern(r"\s*\.\s*Methods\(([^)\n]{0,200})\)")
_PATTERN = LazyPattern(r"^(?:([A-Z]+)\s+)?([^/\s]*)(/\S*)$")
_QUOTED = LazyPattern(r'"(\w+)"')


@dataclass
class _Func:
    start: int
    end: int
    name: str
    router_param: str | None


@dataclass
class _GoFile:
    text: Text
    groups: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # var -> defs
    # (body start, body end, closure param, prefix, parent var, call offset)
    closures: list[tuple[int, int, str, str, str, int]] = field(default_factory=list)
    funcs: list[_Func] = field(default_factory=list)
    func_starts: list[int] = field(default_factory=list)


def _parse(text: Text) -> _GoFile:
    file = _GoFile(text=text)
    code = text.code
    pairs = BracePairs(code)
    for pattern, needle in ((_GROUP, ".Group("), (_SUBROUTER, ".Subrouter(")):
        for match in pattern.finditer(code) if needle in code else ():
            assigned = assignment(code, match.start())
            if assigned is not None and assigned[1] is not None:
                entry = (match.start(), assigned[1], match.group(1))
                file.groups.setdefault(assigned[0], []).append(entry)
    for defs in file.groups.values():
        defs.sort()
    for match in _CHI_ROUTE.finditer(code) if ".Route(" in code else ():
        parent = receiver(code, match.start())
        if parent is not None:
            end = pairs.end(match.end() - 1)
            closure = (match.end(), end, match.group(2), match.group(1), parent, match.start())
            file.closures.append(closure)
    for match in _FUNC.finditer(code):
        param = _ROUTER_PARAM.search(match.group(2))
        end = pairs.end(match.end() - 1)
        file.funcs.append(
            _Func(match.end(), end, match.group(1), param.group(1) if param else None)
        )
    file.func_starts = [f.start for f in file.funcs]
    return file


class _Resolver:
    def __init__(self, files: list[_GoFile]) -> None:
        self.files = files
        self.mounts: dict[str, tuple[_GoFile, int, str, str]] = {}  # func name -> mount site
        self.calls: dict[str, tuple[_GoFile, int, str]] = {}  # func name -> (file, offset, arg)
        funcs = {f.name for file in files for f in file.funcs if f.router_param}
        names = "|".join(map(re.escape, sorted(funcs)))
        call = re.compile(r"(?<!\w)(" + names + r")\(\s*(\w+)\s*[,)]") if funcs else None
        for file in files:
            code = file.text.code
            for match in _CHI_MOUNT.finditer(code) if ".Mount(" in code else ():
                parent = receiver(code, match.start())
                if parent is not None:
                    site = (file, match.start(), parent, match.group(1))
                    self.mounts.setdefault(match.group(2), site)
            for match in call.finditer(code) if call is not None else ():
                if not code[max(0, match.start() - 5) : match.start()].endswith("func "):
                    self.calls.setdefault(match.group(1), (file, match.start(), match.group(2)))

    def prefix(self, file: _GoFile, var: str, offset: int, depth: int = 0) -> str:
        if depth > 16:
            return ""
        inner = [c for c in file.closures if c[0] <= offset < c[1] and c[2] == var]
        if inner:
            _, _, _, prefix, parent, call = max(inner)
            return join_paths(self.prefix(file, parent, call, depth + 1), prefix)
        defs = file.groups.get(var, [])
        index = bisect.bisect_left(defs, (offset, "", "")) - 1
        if index >= 0:
            at, parent, prefix = defs[index]
            if parent != var:
                return join_paths(self.prefix(file, parent, at, depth + 1), prefix)
        func = self._enclosing(file, offset)
        if func is None:
            return ""
        if func.router_param == var and func.name in self.calls:
            caller, at, arg = self.calls[func.name]
            return self.prefix(caller, arg, at, depth + 1)
        if func.name in self.mounts:
            caller, at, parent, prefix = self.mounts[func.name]
            return join_paths(self.prefix(caller, parent, at, depth + 1), prefix)
        return ""

    @staticmethod
    def _enclosing(file: _GoFile, offset: int) -> _Func | None:
        index = bisect.bisect_right(file.func_starts, offset) - 1
        while index >= 0:
            func = file.funcs[index]
            if func.start <= offset <= func.end:
                return func
            index -= 1
        return None


def _route_spec(call: str, parts: list[str], tail: str) -> tuple[list[str], str] | None:
    strings = [m.group(1) if (m := _STRING.match(p)) else None for p in parts[:2]]
    if (
        call in ("Handle", "HandleFunc", "Method", "MethodFunc", "Add")
        and strings[0]
        and strings[0].upper() in HTTP_METHODS
    ):
        path = strings[1] if len(strings) > 1 else None
        return ([strings[0].upper()], path) if path and path.startswith("/") else None
    if call == "Match" and len(strings) > 1 and strings[1]:
        return [m.upper() for m in _QUOTED.findall(parts[0]) if m.upper() in HTTP_METHODS] or [
            "ANY"
        ], strings[1]
    path = strings[0]
    if path is None:
        return None
    if call in ("Handle", "HandleFunc"):
        pattern = _PATTERN.match(path.strip())
        if pattern is None:
            return None
        method = pattern.group(1) or "ANY"
        path = pattern.group(3).replace("...}", "}").replace("{$}", "")
        chained = _METHODS_CHAIN.match(tail)
        if chained:
            found = [
                m.upper() for m in _QUOTED.findall(chained.group(1)) if m.upper() in HTTP_METHODS
            ]
            return (found or [method], path)
        return ([method if method in HTTP_METHODS else "ANY"], path)
    if not path.startswith("/"):
        return None
    verb = call.upper()
    return (["ANY"] if verb in ("ANY", "ALL") else [verb], path)


def scan_routes(texts: list[Text], findings: Findings, framework: str | None) -> None:
    files = [_parse(text) for text in texts]
    resolver = _Resolver(files)
    rule = f"go.{framework or 'http'}.route"
    for file in files:
        code = file.text.code
        for match in _CALL.finditer(code):
            if findings.routes_full:
                findings.route_overflow()
                break
            var = receiver(code, match.start())
            args = call_args(code, match.end() - 1, 2000) if var is not None else None
            if var is None or args is None:
                continue
            after = match.end() + len(args) + 1
            spec = _route_spec(match.group(1), split_top_level(args), code[after : after + 200])
            if spec is None:
                continue
            methods, path = spec
            prefix = resolver.prefix(file, var, match.start())
            for method in methods:
                findings.route(method, join_paths(prefix, path), file.text.loc(match.start()), rule)
