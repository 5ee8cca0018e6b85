"""PHP HTTP routes: Laravel route files (``Route::get``, ``match``, ``resource``/``apiResource``
with ``only``/``except``, ``prefix()->group()`` and ``group(['prefix' => ...])`` closures, the
``/api`` prefix of routes/api.php and Laravel 11's ``health: '/up'``), Slim/Lumen
``$app->get()`` with ``group()`` closures, and Symfony ``#[Route]`` attributes, ``@Route``
annotations and config/routes.yaml.

Must not: open files or raise.
"""

from __future__ import annotations

import bisect
import posixpath
import re

from dorgu.analysis.languages.scanning import (
    BracePairs,
    Nesting,
    Text,
    call_args,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.errors import DorguError
from dorgu.formats.yamldocs import load_yaml
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_STRING = LazyPattern(r"""^\s*(['"])([^'"\n]{0,300})\1\s*$""")
_LARAVEL = LazyPattern(
    r"\bRoute::(get|post|put|patch|delete|options|any|match|resource|apiResource)\s*\("
)
_OBJECT = LazyPattern(r"\$(\w+)\s*->\s*(get|post|put|patch|delete|options|any|map)\s*\(")
_GROUP = LazyPattern(r"(?:\bRoute::|\$\w+\s*->\s*|\)\s*->\s*)group\s*\(")
_PREFIX_CALL = LazyPattern(r"""\bprefix\(\s*(['"])([^'"\n]{0,300})\1\s*\)""")
_PREFIX_KEY = LazyPattern(r"""['"]prefix['"]\s*=>\s*(['"])([^'"\n]{0,300})\1""")
_STATEMENT_START = LazyPattern(r"[;{}]")
_ONLY = LazyPattern(r"->\s*(only|except)\s*\(\s*\[([^\]]{0,300})\]")
_HEALTH = LazyPattern(r"""\bhealth\s*:\s*(['"])(/[^'"\n]{0,200})\1""")
_API_PREFIX = LazyPattern(r"""\bapiPrefix\s*:\s*(['"])([^'"\n]{0,200})\1""")
_ATTRIBUTE = LazyPattern(
    r"#\[\s*(?:\\?Symfony\\Component\\Routing\\Annotation\\|\\?Symfony\\Component\\Routing\\Attribute\\)?Route\s*\("
)
_ANNOTATION = LazyPattern(r"\*\s*@Route\s*\(")
_CLASS_KEYWORD = LazyPattern(r"\bclass\s+\w+")
_AFTER_ROUTE = LazyPattern(
    r"\s*\]?\s*(?:#\[[^\]]*\]\s*|\*(?!/)[^\n]*\n\s*|\*/\s*|/\*\*.*?\*/\s*)*"
    r"(?:final\s+|abstract\s+|readonly\s+)*class\b",
    re.S,
)
_SYMFONY_PATH = LazyPattern(r"""^\s*(?:path\s*[:=]\s*)?(['"])([^'"\n]{0,300})\1""")
_SYMFONY_METHODS = LazyPattern(
    r"""\bmethods\s*[:=]\s*[\[{]([^\]}]{0,200})[\]}]|\bmethods\s*[:=]\s*(['"])(\w+)\2"""
)
_NAMES = LazyPattern(r"""['"](\w+)['"]""")
_API_ACTIONS = (
    ("index", "GET", ""),
    ("store", "POST", ""),
    ("show", "GET", "/{p}"),
    ("update", "PUT", "/{p}"),
    ("update", "PATCH", "/{p}"),
    ("destroy", "DELETE", "/{p}"),
)
_WEB_ACTIONS = (*_API_ACTIONS, ("create", "GET", "/create"), ("edit", "GET", "/{p}/edit"))


def _singular(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _group_prefixes(text: Text) -> Nesting:
    """Prefix ranges of the group closures in one file."""
    ranges: list[tuple[int, int, str]] = []
    code = text.code
    if "group" not in code:
        return Nesting(ranges)
    pairs = BracePairs(code)
    for match in _GROUP.finditer(code):
        args = call_args(code, match.end() - 1, 100_000) or ""
        window = max(0, match.start() - 600)
        starts = [m.end() for m in _STATEMENT_START.finditer(code, window, match.start())]
        head = code[starts[-1] if starts else window : match.end()] + args
        prefix = _PREFIX_CALL.search(head) or _PREFIX_KEY.search(head)
        parts = split_top_level(args)
        first = _STRING.match(parts[0]) if parts else None
        if first is not None:
            prefix_text = first.group(2)
        elif prefix is not None:
            prefix_text = prefix.group(2)
        else:
            continue
        brace = code.find("{", match.end(), match.end() + len(args))
        if brace >= 0:
            ranges.append((brace, pairs.end(brace), prefix_text))
    return Nesting(ranges)


def _statement_prefix(code: str, position: int) -> str:
    """``Route::prefix('v1')->get(...)``: a prefix chained in front of the call itself."""
    start = max(
        (m.end() for m in _STATEMENT_START.finditer(code, max(0, position - 300), position)),
        default=max(0, position - 300),
    )
    match = _PREFIX_CALL.search(code, start, position)
    return match.group(2) if match else ""


def scan_laravel(text: Text, findings: Findings, base: str) -> None:
    code = text.code
    prefixes = _group_prefixes(text)
    for match in _LARAVEL.finditer(code):
        if findings.routes_full:
            findings.route_overflow()
            break
        args = call_args(code, match.end() - 1)
        parts = split_top_level(args or "")
        verb = match.group(1)
        prefix = join_paths(
            base, prefixes.at(match.start()), _statement_prefix(code, match.start())
        )
        loc = text.loc(match.start())
        if verb in ("resource", "apiResource"):
            name = _STRING.match(parts[0]) if parts else None
            if name is None:
                continue
            tail = code[match.end() + len(args or "") : match.end() + len(args or "") + 300].split(
                ";", 1
            )[0]
            only = _ONLY.search(tail)
            actions = _API_ACTIONS if verb == "apiResource" else _WEB_ACTIONS
            chosen = {a for a, _, _ in actions}
            if only:
                listed = set(_NAMES.findall(only.group(2)))
                chosen = listed if only.group(1) == "only" else chosen - listed
            path = prefix
            segments = name.group(2).split(".")
            for segment in segments[:-1]:
                path = join_paths(path, segment, "{" + _singular(segment) + "}")
            path = join_paths(path, segments[-1])
            param = _singular(segments[-1].rsplit("/", 1)[-1])
            for action, method, suffix in actions:
                if action in chosen:
                    findings.route(
                        method,
                        path + suffix.replace("{p}", "{" + param + "}"),
                        loc,
                        "php.laravel.resource",
                    )
            continue
        if verb == "match" and len(parts) > 1:
            methods = [m.upper() for m in _NAMES.findall(parts[0]) if m.upper() in HTTP_METHODS]
            path_arg = _STRING.match(parts[1])
        else:
            methods = ["ANY" if verb == "any" else verb.upper()]
            path_arg = _STRING.match(parts[0]) if parts else None
        if path_arg is not None:
            for method in methods or ["ANY"]:
                findings.route(
                    method, join_paths(prefix, path_arg.group(2)), loc, "php.laravel.route"
                )


def scan_objects(text: Text, findings: Findings, framework: str | None) -> None:
    """Slim ``$app->get('/x', ...)`` and Lumen ``$router->get('/x', ...)`` with group closures."""
    code = text.code
    prefixes = _group_prefixes(text)
    rule = f"php.{framework or 'http'}.route"
    for match in _OBJECT.finditer(code):
        if findings.routes_full:
            findings.route_overflow()
            break
        args = call_args(code, match.end() - 1)
        parts = split_top_level(args or "")
        if match.group(2) == "map" and len(parts) > 1:
            methods = [m.upper() for m in _NAMES.findall(parts[0]) if m.upper() in HTTP_METHODS]
            path_arg = _STRING.match(parts[1])
        else:
            methods = ["ANY" if match.group(2) == "any" else match.group(2).upper()]
            path_arg = _STRING.match(parts[0]) if parts else None
        if path_arg is None or not (path_arg.group(2).startswith("/") or path_arg.group(2) == ""):
            continue
        for method in methods or ["ANY"]:
            findings.route(
                method,
                join_paths(prefixes.at(match.start()), path_arg.group(2)),
                text.loc(match.start()),
                rule,
            )


def laravel_bootstrap(text: Text, findings: Findings) -> str | None:
    """Laravel 11 bootstrap/app.php: the health route and a custom API prefix, if set."""
    health = _HEALTH.search(text.code)
    if health:
        findings.route("GET", health.group(2), text.loc(health.start()), "php.laravel.health")
    prefix = _API_PREFIX.search(text.code)
    return prefix.group(2) if prefix else None


def _symfony_route(
    text: Text, findings: Findings, args: str, offset: int, prefix: str, rule: str
) -> None:
    path = _SYMFONY_PATH.match(args)
    if path is None:
        return
    methods_match = _SYMFONY_METHODS.search(args)
    methods = ["ANY"]
    if methods_match:
        raw = (
            [methods_match.group(3)]
            if methods_match.group(3)
            else _NAMES.findall(methods_match.group(1))
        )
        methods = [m.upper() for m in raw if m.upper() in HTTP_METHODS] or ["ANY"]
    for method in methods:
        findings.route(method, join_paths(prefix, path.group(2)), text.loc(offset), rule)


def scan_symfony(text: Text, findings: Findings, yaml_prefix: str) -> None:
    """``#[Route]`` attributes (and ``@Route`` docblock annotations) with class-level prefixes."""
    patterns = (
        (_ATTRIBUTE, text.code, "php.symfony.attribute"),
        (_ANNOTATION, text.raw, "php.symfony.annotation"),
    )
    class_prefixes: dict[int, str] = {}  # offset of the `class` keyword -> prefix
    routes: list[tuple[int, str, str]] = []
    for pattern, source, rule in patterns:
        for match in pattern.finditer(source):
            args = call_args(source, match.end() - 1)
            if args is None:
                continue
            after = match.end() + len(args) + 1
            owner = _AFTER_ROUTE.match(source, after, after + 2000)
            if owner is not None:
                path = _SYMFONY_PATH.match(args)
                class_prefixes[owner.end() - len("class")] = path.group(2) if path else ""
            else:
                routes.append((match.start(), args, rule))
    class_starts = [m.start() for m in _CLASS_KEYWORD.finditer(text.code)]
    for offset, args, rule in routes:
        index = bisect.bisect_right(class_starts, offset) - 1
        prefix = class_prefixes.get(class_starts[index], "") if index >= 0 else ""
        _symfony_route(text, findings, args, offset, join_paths(yaml_prefix, prefix), rule)


def scan_routes_yaml(path: str, text: str, findings: Findings) -> dict[str, str]:
    """Routes of a Symfony config/routes*.yaml; returns {controller dir: prefix} for imports."""
    imports: dict[str, str] = {}
    try:
        document = load_yaml(text, file=path, max_nodes=50_000)
    except DorguError as e:
        findings.diagnose("php.symfony.routes_yaml", str(e), Location(file=path))
        return imports
    if not isinstance(document.data, dict):
        return imports
    for name, entry in list(document.data.items())[:1000]:
        if not isinstance(entry, dict):
            continue
        loc = Location(file=path, line=document.line_of((name,)))
        resource = entry.get("resource")
        if isinstance(resource, str | dict):
            target = resource if isinstance(resource, str) else str(resource.get("path", ""))
            folder = posixpath.normpath(posixpath.join(posixpath.dirname(path), target)).lstrip(
                "./"
            )
            imports[folder] = str(entry.get("prefix") or "")
            continue
        route_path = entry.get("path")
        if isinstance(route_path, str):
            raw = entry.get("methods")
            listed = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
            methods = [str(m).upper() for m in listed if str(m).upper() in HTTP_METHODS] or ["ANY"]
            for method in methods:
                findings.route(method, route_path, loc, "php.symfony.routes_yaml")
    return imports
