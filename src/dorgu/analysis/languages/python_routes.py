"""Python HTTP routes: FastAPI, Flask (blueprints, add_url_rule, Flask-RESTful), Starlette,
aiohttp, with router prefixes resolved across modules; Prometheus metrics mounts.
Django URLconfs are in ``python_django``.

Must not: open files or raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dorgu.analysis.languages.python_modules import (
    Imports,
    ModuleIndex,
    resolve_expr,
    resolve_name,
)
from dorgu.analysis.languages.python_params import query_params
from dorgu.analysis.languages.scanning import (
    Mounts,
    Node,
    Text,
    call_args,
    has_any,
    receiver,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import FILE_ROUTE_CAP, Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.models.app import EndpointKind, RouteParam
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_ROUTER_DEF = LazyPattern(
    r"^[ \t]*(\w+)[ \t]*(?::[^=\n]{1,100})?=[ \t]*(?:[\w.]+\.)?"
    r"(FastAPI|APIRouter|Flask|Quart|Blueprint|Starlette|RouteTableDef|Sanic)[ \t]*\(",
    re.M,
)
_KIND = {
    "FastAPI": "fastapi",
    "APIRouter": "fastapi",
    "Flask": "flask",
    "Quart": "flask",
    "Blueprint": "flask",
    "Starlette": "starlette",
    "RouteTableDef": "aiohttp",
    "Sanic": "sanic",
}
_DECORATOR = LazyPattern(
    r"^[ \t]*@[ \t]*(\w+)\.(get|post|put|patch|delete|head|options|route|api_route)[ \t]*\(", re.M
)
_COMMON_NAME = LazyPattern(
    r"^(?:app|application|api|router|\w+_router|router_\w+|bp|\w+_bp|bp_\w+|blueprint|"
    r"\w+_blueprint|routes|web_app|server)$"
)
_FIRST_STRING = LazyPattern(r"""^\s*[rRuU]?(["'])([^"'\n]{0,300})\1""")
_PATH_KW = LazyPattern(r"""\b(?:path|rule|url)\s*=\s*[rRuU]?(["'])([^"'\n]{0,300})\1""")
_METHODS_KW = LazyPattern(r"\bmethods\s*=\s*[\[({]([^\])}]{0,300})[\])}]")
_PREFIX_KW = LazyPattern(r"""\b(?:url_)?prefix\s*=\s*[rRuU]?(["'])([^"'\n]{0,300})\1""")
_STRINGS = LazyPattern(r"""["']([^"'\n]{0,300})["']""")
_DEF = LazyPattern(r"(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(")
_INCLUDE = LazyPattern(r"\.(include_router|register_blueprint)[ \t]*\(")
_ADD_RULE = LazyPattern(
    r"\.(add_url_rule|add_api_route|add_route|add_resource|add_(?:get|post|put|patch|delete))"
    r"[ \t]*\("
)
_WEB_ROUTE = LazyPattern(r"web\.(get|post|put|patch|delete|head|route|view)[ \t]*\(")
_STARLETTE = LazyPattern(r"\b(Route|Mount)[ \t]*\(")
_METRICS_APP_VAR = LazyPattern(
    r"^[ \t]*(\w+)[ \t]*=[ \t]*(?:[\w.]+\.)?make_(?:asgi|wsgi)_app[ \t]*\(", re.M
)
_MOUNT = LazyPattern(r"\.mount[ \t]*\(")
_EXPOSE = LazyPattern(r"\.expose[ \t]*\(")
_FLASK_EXPORTER = LazyPattern(r"PrometheusMetrics[ \t]*\(")
_DISPATCH = LazyPattern(r"""["'](/[^"'\n]{0,100})["'][ \t]*:[ \t]*(?:[\w.]+\.)?make_wsgi_app\(""")
_START_SERVER = LazyPattern(r"start_(?:http|wsgi)_server[ \t]*\(")
_NUMBER = LazyPattern(r"\b(\d{2,5})\b")


@dataclass
class _Record:
    var: str
    method: str
    path: str
    location: Location
    query: tuple[RouteParam, ...] = ()


@dataclass
class _File:
    text: Text
    imports: Imports
    defs: dict[str, str] = field(default_factory=dict)  # var -> framework
    routes: list[_Record] = field(default_factory=list)
    includes: list[tuple[str, str, str, bool]] = field(default_factory=list)
    metrics: list[tuple[str, str, Location]] = field(default_factory=list)


def _defines_router(code: str) -> bool:
    return has_any(code, *_KIND)


def _path_arg(args: str) -> str | None:
    match = _FIRST_STRING.match(args) or _PATH_KW.search(args)
    return match.group(2) if match else None


def _methods(args: str, default: str) -> list[str]:
    match = _METHODS_KW.search(args)
    if match is None:
        return [default]
    found = [m.upper() for m in _STRINGS.findall(match.group(1)) if m.upper() in HTTP_METHODS]
    return found or [default]


def _args_at(text: Text, match: re.Match[str]) -> str | None:
    return call_args(text.code, match.end() - 1)


def _scan_decorators(file: _File) -> None:
    code = file.text.code
    for match in _DECORATOR.finditer(code):
        if len(file.routes) >= FILE_ROUTE_CAP:
            break
        args = _args_at(file.text, match)
        if args is None:
            continue
        path = _path_arg(args)
        if path is None:
            continue
        verb = match.group(2)
        methods = _methods(args, "GET") if verb in ("route", "api_route") else [verb.upper()]
        query: tuple[RouteParam, ...] = ()
        signature = _DEF.search(code, match.end() + len(args), match.end() + len(args) + 3000)
        if signature is not None:
            params = call_args(code, signature.end() - 1)
            if params is not None:
                query = query_params(params)
        loc = file.text.loc(match.start())
        for method in methods:
            file.routes.append(_Record(match.group(1), method, path, loc, query))


def _scan_calls(file: _File) -> None:
    text = file.text
    for match in _ADD_RULE.finditer(text.code) if "add_" in text.code else ():
        if len(file.routes) >= FILE_ROUTE_CAP:
            break
        args = _args_at(text, match)
        var = receiver(text.code, match.start())
        if args is None or var is None:
            continue
        call = match.group(1)
        parts = split_top_level(args)
        loc = text.loc(match.start())
        if call == "add_resource":
            for part in parts[1:]:
                path = _path_arg(part)
                if path is not None and path.startswith("/"):
                    file.routes.append(_Record(var, "ANY", path, loc))
            continue
        if call.startswith("add_") and call[4:].upper() in HTTP_METHODS:
            path = _path_arg(args)
            methods = [call[4:].upper()]
        elif (
            call == "add_route"
            and parts
            and (_path_arg(parts[0]) or "").upper()
            in (
                *HTTP_METHODS,
                "*",
            )
        ):
            verb = (_path_arg(parts[0]) or "").upper()
            path = _path_arg(parts[1]) if len(parts) > 1 else None
            methods = ["ANY" if verb == "*" else verb]
        else:
            path = _path_arg(args)
            methods = _methods(args, "GET" if call == "add_url_rule" else "ANY")
        if path is not None:
            file.routes.extend(_Record(var, m, path, loc) for m in methods)
    for match in _WEB_ROUTE.finditer(text.code) if "web." in text.code else ():
        args = _args_at(text, match)
        if args is None:
            continue
        parts = split_top_level(args)
        verb = match.group(1)
        if verb == "route" and len(parts) > 1:
            method, path = (_path_arg(parts[0]) or "").upper(), _path_arg(parts[1])
        else:
            method, path = ("ANY" if verb == "view" else verb.upper()), _path_arg(args)
        if path is not None:
            file.routes.append(_Record("*web", method, path, text.loc(match.start())))


def _scan_starlette(file: _File) -> None:
    code = file.text.code
    if "starlette" not in code:
        return
    mounts: list[tuple[int, int, str]] = []
    for match in _STARLETTE.finditer(code):
        args = _args_at(file.text, match)
        path = _path_arg(args) if args is not None else None
        if args is None or path is None:
            continue
        start = match.end()
        prefix = "".join(p for s, e, p in mounts if s <= start < e)
        if match.group(1) == "Mount":
            mounts.append((start, start + len(args), join_paths(prefix, path)))
            continue
        for method in _methods(args, "ANY"):
            full = join_paths(prefix, path)
            file.routes.append(_Record("*starlette", method, full, file.text.loc(match.start())))


def _scan_mounts(file: _File) -> None:
    text = file.text
    code = text.code
    for match in (
        _INCLUDE.finditer(code) if has_any(code, "include_router", "register_blueprint") else ()
    ):
        parent = receiver(code, match.start())
        args = _args_at(text, match)
        parts = split_top_level(args) if args else []
        if parent is None or not parts or not re.fullmatch(r"[\w.]+", parts[0]):
            continue
        prefix = _PREFIX_KW.search(args or "")
        flask = match.group(1) == "register_blueprint"
        value = prefix.group(2) if prefix else ""
        file.includes.append((parent, parts[0], value, flask and prefix is not None))
    metric_apps = "make_asgi_app" in code or "make_wsgi_app" in code
    metric_vars = {m.group(1) for m in _METRICS_APP_VAR.finditer(code)} if metric_apps else set()
    for match in _MOUNT.finditer(code) if metric_apps else ():
        args = _args_at(text, match)
        parts = split_top_level(args) if args else []
        path = _path_arg(parts[0]) if parts else None
        var = receiver(code, match.start())
        if path is None or len(parts) < 2 or var is None:
            continue
        target = parts[1].split("=", 1)[-1].strip()
        if "make_asgi_app(" in target or "make_wsgi_app(" in target or target in metric_vars:
            file.metrics.append((var, path, text.loc(match.start())))
    if "Instrumentator" in code:
        for match in _EXPOSE.finditer(code):
            args = _args_at(text, match) or ""
            endpoint = re.search(r"""\bendpoint\s*=\s*["']([^"'\n]{1,200})["']""", args)
            file.metrics.append(
                ("", endpoint.group(1) if endpoint else "/metrics", text.loc(match.start()))
            )
    for match in _FLASK_EXPORTER.finditer(code) if "PrometheusMetrics" in code else ():
        args = _args_at(text, match) or ""
        if re.search(r"\bpath\s*=\s*None\b", args):
            continue
        custom = re.search(r"""\bpath\s*=\s*["']([^"'\n]{1,200})["']""", args)
        file.metrics.append(
            ("", custom.group(1) if custom else "/metrics", text.loc(match.start()))
        )
    for match in _DISPATCH.finditer(code) if "make_wsgi_app" in code else ():
        file.metrics.append(("", match.group(1), text.loc(match.start())))


def scan_metrics_servers(text: Text, findings: Findings) -> None:
    """``start_http_server(9100)``: metrics on their own port, at prometheus_client's /metrics."""
    for match in _START_SERVER.finditer(text.code) if "_server" in text.code else ():
        args = _args_at(text, match)
        number = _NUMBER.search(args or "")
        if number is None:
            continue
        loc = text.loc(match.start())
        findings.port(number.group(1), loc, "python.prometheus.start_http_server", 0.85, "metrics")
        findings.endpoint(
            EndpointKind.METRICS,
            "/metrics",
            loc,
            "python.prometheus.start_http_server",
            port=int(number.group(1)),
        )


def scan_routes(
    texts: list[Text], index: ModuleIndex, findings: Findings, framework: str | None
) -> set[str]:
    """Add every route of ``texts`` to ``findings``; returns the frameworks defining routers."""
    files: list[_File] = []
    for text in texts:
        file = _File(text=text, imports=index.imports(text.path, text.code))
        for match in _ROUTER_DEF.finditer(text.code) if _defines_router(text.code) else ():
            file.defs.setdefault(match.group(1), _KIND[match.group(2)])
        _scan_decorators(file)
        _scan_calls(file)
        _scan_starlette(file)
        _scan_mounts(file)
        files.append(file)
    mounts = Mounts()
    kinds: dict[Node, str] = {}
    for file in files:
        for var, kind in file.defs.items():
            kinds[(file.text.path, var)] = kind
            for match in _ROUTER_DEF.finditer(file.text.code):
                if match.group(1) == var:
                    args = call_args(file.text.code, match.end() - 1) or ""
                    own = _PREFIX_KW.search(args)
                    if own:
                        mounts.own[(file.text.path, var)] = own.group(2)
                    break
    for file in files:
        path = file.text.path
        for parent, child, prefix, replaces in file.includes:
            child_node = resolve_expr(path, child, file.imports)
            parent_node = resolve_name(path, parent, file.imports)
            mounts.mount(child_node, parent_node, prefix, replaces_own=replaces)
    for file in files:
        _emit(file, mounts, kinds, findings, framework)
    return set(kinds.values())


def _emit(
    file: _File, mounts: Mounts, kinds: dict[Node, str], findings: Findings, framework: str | None
) -> None:
    path = file.text.path
    for record in file.routes:
        if findings.routes_full:
            findings.route_overflow()
            break
        if record.var.startswith("*"):
            rule = "python.aiohttp.route" if record.var == "*web" else "python.starlette.route"
            findings.route(record.method, record.path, record.location, rule)
            continue
        node = resolve_name(path, record.var, file.imports)
        kind = kinds.get(node)
        if kind is None and not _COMMON_NAME.match(record.var):
            continue
        full = join_paths(mounts.prefix(node), record.path)
        kind = kind or framework or "http"
        query = record.query if kind == "fastapi" else ()
        findings.route(record.method, full, record.location, f"python.{kind}.route", query=query)
    for var, metrics_path, loc in file.metrics:
        prefix = mounts.prefix(resolve_name(path, var, file.imports)) if var else ""
        findings.endpoint(
            EndpointKind.METRICS, join_paths(prefix, metrics_path), loc, "python.prometheus.mount"
        )
