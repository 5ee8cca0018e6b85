"""The lighter Python web frameworks' routes and listen ports: Falcon (``add_route`` to resource
classes' ``on_get``...), Bottle (``@route``/``@get``, ``run(port=)``), Tornado (``(r"/x",
Handler)`` tables, ``listen(8888)``, ``define("port", default=)``), Litestar (bare
``@get("/x")`` handlers and ``Controller.path``), plus the default ports of Sanic and Bottle;
and Locust, a load generator (a worker, never an API), whose web UI listens on 8089.

Must not: open files or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.languages.scanning import Text, call_args, has_any
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.models.app import EndpointKind
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

LIGHT_FRAMEWORKS = ("litestar", "falcon", "bottle", "tornado")
DEFAULT_PORTS = {"bottle": 8080, "sanic": 8000, "locust": 8089}
_CLASS = LazyPattern(r"^class[ \t]+(\w+)[ \t]*(?:\(([^)\n]{0,300})\))?[ \t]*:", re.M)
_RESPONDER = LazyPattern(
    r"^[ \t]+(?:async[ \t]+)?def[ \t]+on_(get|post|put|patch|delete|head|options)\b", re.M
)
_HANDLER_METHOD = LazyPattern(
    r"^[ \t]+(?:async[ \t]+)?def[ \t]+(get|post|put|patch|delete|head|options)[ \t]*\([ \t]*self\b",
    re.M,
)
_FALCON_ROUTE = LazyPattern(r"""\.add_route\(\s*[rRuU]?(["'])(/[^"'\n]{0,300})\1\s*,\s*(\w+)""")
_TORNADO_ROUTE = LazyPattern(r"""\(\s*[rRuU]?(["'])(/[^"'\n]{0,300})\1\s*,\s*(\w+)\s*[,)]""")
_BARE_DECORATOR = LazyPattern(r"^[ \t]*@[ \t]*(get|post|put|patch|delete|head|route)[ \t]*\(", re.M)
_FIRST_STRING = LazyPattern(r"""^\s*(?:path\s*=\s*)?[rRuU]?(["'])([^"'\n]{0,300})\1""")
_METHOD_KW = LazyPattern(r"""\b(?:method|http_method)\s*=\s*[\[(]?\s*["']?([A-Za-z]+)""")
_CONTROLLER_PATH = LazyPattern(
    r"""^[ \t]+path[ \t]*(?::[^=\n]{1,50})?=[ \t]*["']([^"'\n]{0,300})["']""", re.M
)
_BOTTLE_PARAM = LazyPattern(r"<([A-Za-z_]\w*)(?::[^>]*)?>")
_REGEX_GROUP = LazyPattern(r"\((?!\?P<)[^()]*\)")
_TORNADO_LISTEN = LazyPattern(r"\.listen\(\s*(\d{2,5})\b")
_TORNADO_DEFINE = LazyPattern(r"""\bdefine\(\s*["']port["']\s*,\s*default\s*=\s*(\d{2,5})\b""")
_BOTTLE_RUN = LazyPattern(r"(?<![\w.])(?:bottle\.)?run\(")
_PORT_KW = LazyPattern(r"\bport\s*=\s*(\d{2,5})\b")
_MAKE_SERVER = LazyPattern(r"""\bmake_server\(\s*["'][^"'\n]*["']\s*,\s*(\d{2,5})\b""")


def _classes(code: str) -> dict[str, str]:
    """Top-level class name -> its body (up to the next top-level class)."""
    matches = list(_CLASS.finditer(code))
    bodies = {}
    for i, match in enumerate(matches[:500]):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(code)
        bodies[match.group(1)] = code[match.end() : end]
    return bodies


def _class_methods(texts: list[Text], pattern: Pattern) -> dict[str, list[str]]:
    methods: dict[str, list[str]] = {}
    for text in texts:
        if "class" not in text.code:
            continue
        for name, body in _classes(text.code).items():
            found = [m.group(1).upper() for m in pattern.finditer(body)]
            if found:
                methods.setdefault(name, list(dict.fromkeys(found)))
    return methods


def _table_routes(
    texts: list[Text], findings: Findings, pattern: Pattern, methods: dict[str, list[str]],
    rule: str, regex_paths: bool,
) -> None:  # fmt: skip
    for text in texts:
        for match in pattern.finditer(text.code):
            path, handler = match.group(2), match.group(3)
            if handler not in methods:
                continue
            if regex_paths:
                path = _numbered_groups(path.rstrip("$").lstrip("^") or "/")
            for method in methods[handler]:
                findings.route(method, path, text.loc(match.start()), rule)
            findings.refine_any_route(path)


def _numbered_groups(path: str) -> str:
    """Tornado's regex groups as ``{param1}``, ``{param2}``... (bounded by the path length)."""
    parts = _REGEX_GROUP.split(path)
    out = parts[0]
    for index, part in enumerate(parts[1:], start=1):
        out += f"{{param{index}}}{part}"
    return out


def _decorator_routes(texts: list[Text], findings: Findings, framework: str) -> None:
    for text in texts:
        code = text.code
        controllers = _classes(code) if framework == "litestar" and "Controller" in code else {}
        prefixes = []
        for body in controllers.values():
            own = _CONTROLLER_PATH.search(body)
            if own:
                prefixes.append((code.find(body), code.find(body) + len(body), own.group(1)))
        for match in _BARE_DECORATOR.finditer(code):
            args = call_args(code, match.end() - 1)
            first = _FIRST_STRING.match(args or "")
            if args is None or first is None:
                continue
            verb = match.group(1).upper()
            if verb == "ROUTE":
                method_kw = _METHOD_KW.search(args)
                verb = method_kw.group(1).upper() if method_kw else "GET"
            if verb not in HTTP_METHODS:
                continue
            path = _BOTTLE_PARAM.sub(r"{\1}", first.group(2))
            prefix = next((p for s, e, p in prefixes if s <= match.start() < e), "")
            rule = f"python.{framework}.route"
            findings.route(verb, join_paths(prefix, path), text.loc(match.start()), rule)


def scan_light_routes(texts: list[Text], findings: Findings, framework: str | None) -> None:
    if framework == "falcon":
        methods = _class_methods(texts, _RESPONDER)
        _table_routes(texts, findings, _FALCON_ROUTE, methods, "python.falcon.route", False)
    elif framework == "tornado":
        methods = _class_methods(texts, _HANDLER_METHOD)
        _table_routes(texts, findings, _TORNADO_ROUTE, methods, "python.tornado.route", True)
    elif framework in ("bottle", "litestar"):
        _decorator_routes(texts, findings, framework)


def scan_light_ports(texts: list[Text], findings: Findings, framework: str | None) -> None:
    """Explicit ports, and framework defaults at low confidence (any explicit port wins)."""
    for text in texts:
        code = text.code
        loc = text.loc
        if framework == "tornado" and has_any(code, ".listen(", "define("):
            for match in (*_TORNADO_LISTEN.finditer(code), *_TORNADO_DEFINE.finditer(code)):
                findings.port(match.group(1), loc(match.start()), "python.tornado.listen", 0.85)
        if framework == "bottle" and "run(" in code:
            for match in _BOTTLE_RUN.finditer(code):
                explicit = _PORT_KW.search(call_args(code, match.end() - 1) or "")
                if explicit:
                    findings.port(explicit.group(1), loc(match.start()), "python.bottle.run", 0.85)
                else:
                    findings.port(8080, loc(match.start()), "python.bottle.default_port", 0.5)
        if "make_server(" in code:
            for match in _MAKE_SERVER.finditer(code):
                findings.port(match.group(1), loc(match.start()), "python.wsgiref.port", 0.8)


def default_port(framework: str | None, findings: Findings, where: Location | None) -> None:
    """A framework's documented default port, at a confidence below every explicit finding."""
    if framework in DEFAULT_PORTS:
        rule = f"python.{framework}.default_port"
        findings.port(DEFAULT_PORTS[framework], where, rule, 0.4)
    if framework == "locust":  # the web UI answers / (not with --headless)
        port = DEFAULT_PORTS["locust"]
        findings.endpoint(EndpointKind.HEALTH, "/", where, "python.locust.web_ui", port=port)
