"""Routes that Node frameworks define by convention rather than by calls: NestJS controller
decorators (with ``setGlobalPrefix``, typed ``@Query``/``@Param``) and Next.js file routes
(``pages/api/**`` and ``app/**/route.ts``).

Must not: open files or raise.
"""

from __future__ import annotations

import bisect
import re

from dorgu.analysis.languages.scanning import Text, call_args, is_skipped
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import RouteParam
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

_CONTROLLER = LazyPattern(r"@Controller[ \t]*\(")
_FIRST_STRING = LazyPattern(r"""^\s*(['"`])([^'"`\n]{0,300})\1""")
_PATH_KEY = LazyPattern(r"""\bpath\s*:\s*(['"`])([^'"`\n]{0,300})\1""")
_HANDLER = LazyPattern(r"@(Get|Post|Put|Patch|Delete|Head|Options|All)[ \t]*\(")
_DECORATOR = LazyPattern(r"\s*@\w+(?:\.\w+)*[ \t]*\(")
_METHOD_NAME = LazyPattern(
    r"\s*(?:(?:public|private|protected|static|async)\s+)*\w+\s*(?:<[^>]*>)?\("
)
_NEST_PARAM = LazyPattern(
    r"""@(Query|Param)\(\s*(['"`])(\w{1,100})\2[^)]{0,200}\)\s*(?:readonly\s+)?\w+\s*(\?)?\s*"""
    r""":\s*([\w\[\]<>|. ]{1,100})"""
)
_GLOBAL_PREFIX = LazyPattern(r"""\.setGlobalPrefix\(\s*(['"`])([^'"`\n]{0,200})\1""")
_TS_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "Date": "string"}

_PAGES_API = LazyPattern(r"(?:^|/)pages/api/(.+)\.(?:js|ts|jsx|tsx|mjs)$")
_APP_ROUTE = LazyPattern(r"(?:^|/)app/(?:(.*)/)?route\.(?:js|ts|mjs)$")
_EXPORTED = LazyPattern(
    r"\bexport[ \t]+(?:async[ \t]+)?(?:function|const|let)[ \t]+"
    r"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b"
)
_EXPORT_LIST = LazyPattern(r"\bexport[ \t]*\{([^}]{0,500})\}")
_REQ_METHOD = LazyPattern(r"""\bmethod\s*[!=]==?\s*['"](\w+)['"]|\bcase\s+['"](\w+)['"]\s*:""")


def _controller_prefix(text: Text, paren: int) -> str:
    args = call_args(text.code, paren) or ""
    match = _FIRST_STRING.match(args) or _PATH_KEY.search(args)
    return match.group(2) if match else ""


def _handler_params(code: str, position: int) -> tuple[RouteParam, ...]:
    """Typed @Query/@Param parameters of the method the decorator at ``position`` annotates."""
    for _ in range(8):
        decorator = _DECORATOR.match(code, position)
        if decorator is None:
            break
        args = call_args(code, decorator.end() - 1)
        if args is None:
            return ()
        position = decorator.end() + len(args) + 1
    name = _METHOD_NAME.match(code, position)
    if name is None:
        return ()
    signature = call_args(code, name.end() - 1) or ""
    params = []
    for match in _NEST_PARAM.finditer(signature):
        kind, pname, optional, annotation = match.group(1, 3, 4, 5)
        schema = _TS_TYPES.get(annotation.strip(), annotation.strip())
        location = "query" if kind == "Query" else "path"
        params.append(RouteParam(name=pname, location=location, required=not optional, type=schema))
    return tuple(params)


def scan_nest(texts: list[Text], findings: Findings) -> None:
    prefix = ""
    for text in texts:
        match = _GLOBAL_PREFIX.search(text.code)
        if match:
            prefix = match.group(2)
            break
    for text in texts:
        code = text.code
        if "@Controller" not in code:
            continue
        controllers = [
            (m.start(), _controller_prefix(text, m.end() - 1)) for m in _CONTROLLER.finditer(code)
        ]
        starts = [c[0] for c in controllers]
        for match in _HANDLER.finditer(code):
            owner = bisect.bisect_right(starts, match.start()) - 1
            if owner < 0:
                continue
            args = call_args(code, match.end() - 1)
            if args is None:
                continue
            sub = _FIRST_STRING.match(args)
            path = join_paths(prefix, controllers[owner][1], sub.group(2) if sub else "")
            verb = match.group(1).upper()
            params = _handler_params(code, match.end() + len(args) + 1)
            findings.route(
                "ANY" if verb == "ALL" else verb,
                path,
                text.loc(match.start()),
                "node.nestjs.route",
                query=params,
            )


def _segments(route_dir: str) -> list[str] | None:
    """Next.js directory segments as URL segments; None for private folders."""
    segments = []
    for segment in route_dir.split("/"):
        if (
            not segment
            or (segment.startswith("(") and segment.endswith(")"))
            or segment.startswith("@")
        ):
            continue
        if segment.startswith("_"):
            return None
        if segment.startswith("[[...") and segment.endswith("]]"):
            continue
        segments.append(segment)
    return segments


def _methods_in(text: str | None, pattern: Pattern) -> list[str]:
    if text is None:
        return []
    found: list[str] = []
    for match in pattern.finditer(text):
        method = next((g for g in match.groups() if g), "").upper()
        if method in HTTP_METHODS and method not in found:
            found.append(method)
    return found


def scan_next(tree: SourceTree, findings: Findings) -> None:
    for path in tree.paths:
        if is_skipped(path):
            continue
        pages = _PAGES_API.search(path) if "pages/api/" in path else None
        app = _APP_ROUTE.search(path) if pages is None and "route." in path else None
        if pages is None and app is None:
            continue
        raw = tree.texts.get(path)
        text = Text(path, raw, "js") if raw is not None else None
        loc = Location(file=path, line=1)
        if pages is not None:
            route = pages.group(1)
            route = route[: -len("/index")] if route.endswith("/index") else route
            route = "" if route == "index" else route
            segments = _segments(route)
            methods = _methods_in(text.code if text else None, _REQ_METHOD) or ["ANY"]
            base = "/api"
        else:
            segments = _segments((app.group(1) or "") if app else "")
            methods = _methods_in(text.code if text else None, _EXPORTED)
            if text is not None:
                for listed in _EXPORT_LIST.finditer(text.code):
                    for name in re.findall(r"\bas\s+(\w+)|\b(\w+)\s*(?:,|$)", listed.group(1)):
                        method = (name[0] or name[1]).upper()
                        if method in HTTP_METHODS and method not in methods:
                            methods.append(method)
            base = ""
        if segments is None:
            continue
        for method in methods:
            findings.route(method, join_paths(base, *segments), loc, "node.nextjs.route")
