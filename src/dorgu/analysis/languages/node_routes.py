"""Node HTTP routes in code: Express, Koa-router, Fastify, Hapi and Hono, with router prefixes
resolved through ``app.use('/api', router)``, ``fastify.register(plugin, { prefix })`` and
relative ``import``/``require`` of router modules.

Must not: open files or raise.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from dorgu.analysis.languages.scanning import (
    Mounts,
    Node,
    Text,
    assignment,
    call_args,
    has_any,
    receiver,
    split_top_level,
)
from dorgu.analysis.languages.scanning_findings import FILE_ROUTE_CAP, Findings
from dorgu.analysis.routes import HTTP_METHODS, join_paths
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_DEF = LazyPattern(
    r"(express[ \t]*\([ \t]*\)|express\.Router[ \t]*\(|Router[ \t]*\(|"
    r"new[ \t]+(?:Koa)?Router[ \t]*\(|"
    r"new[ \t]+Koa[ \t]*\(|[Ff]astify[ \t]*\(|new[ \t]+Hono[ \t]*\(|Hapi\.server[ \t]*\(|"
    r"new[ \t]+Elysia[ \t]*\()"
)
_COMMON = LazyPattern(
    r"^(?:app|router|server|fastify|api|routes|instance|r|\w+Router|\w+_router|\w+Routes)$"
)
_VERB = LazyPattern(
    r"\.(get|post|put|patch|delete|head|options|all)[ \t]*(?:<[^>\n]{0,200}>)?\(\s*"
    r"""(['"`])(/[^'"`\n$]{0,300}?)\2"""
)
_CHAIN_START = LazyPattern(r"""\.route\(\s*(['"`])(/[^'"`\n]{0,300}?)\1\s*\)""")
_CHAIN_VERB = LazyPattern(r"\s*\.\s*(get|post|put|patch|delete|head|options|all)\s*\(")
_OBJECT_ROUTE = LazyPattern(r"\.route[ \t]*\(\s*[\[{]")
_URL_KEY = LazyPattern(r"""\b(?:url|path)\s*:\s*(['"`])(/[^'"`\n]{0,300}?)\1""")
_METHOD_KEY = LazyPattern(r"""\bmethod\s*:\s*(\[[^\]]{0,200}\]|(['"`])\w+\2)""")
_USE = LazyPattern(r"""\.(use|route)\(\s*(['"`])(/[^'"`\n]{0,300}?)\2\s*,""")
_REGISTER = LazyPattern(r"\.register\(")
_PREFIX_KEY = LazyPattern(r"""\bprefix\s*:\s*(['"`])([^'"`\n]{0,300})\1""")
_BASE_PATH = LazyPattern(r"""\.basePath\(\s*(['"`])([^'"`\n]{0,300})\1""")
_IMPORT_DEFAULT = LazyPattern(
    r"""import[ \t]+(\w+)[ \t]*(?:,[ \t]*\{([^}]{0,500})\})?[ \t]*from[ \t]*"""
    r"""['"](\.{1,2}/[^'"\n]{1,300})['"]"""
)
_IMPORT_NAMED = LazyPattern(
    r"""import[ \t]*\{([^}]{0,500})\}[ \t]*from[ \t]*['"](\.{1,2}/[^'"\n]{1,300})['"]"""
)
_REQUIRE = LazyPattern(
    r"""(?:const|let|var)[ \t]+(?:(\w+)|\{([^}]{0,500})\})[ \t]*=[ \t]*"""
    r"""require\(\s*['"](\.{1,2}/[^'"\n]{1,300})['"]\s*\)"""
)
_INLINE_REQUIRE = LazyPattern(r"""^(?:require|import)\(\s*['"](\.{1,2}/[^'"\n]{1,300})['"]\s*\)""")
_EXTENSIONS = ("", ".ts", ".js", ".mjs", ".cjs", ".tsx", ".jsx")
_INDEXES = ("/index.ts", "/index.js", "/index.mjs", "/index.cjs")


@dataclass
class _File:
    text: Text
    imports: dict[str, Node] = field(default_factory=dict)
    defs: set[str] = field(default_factory=set)
    routes: list[tuple[str, str, str, Location]] = field(default_factory=list)
    mounts: list[tuple[str, str, str]] = field(default_factory=list)  # parent, prefix, child expr


def resolve_module(importer: str, spec: str, known: set[str]) -> str | None:
    """The tree file a relative import of ``importer`` refers to, trying Node's extensions."""
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    candidates = [base + ext for ext in _EXTENSIONS] + [base + index for index in _INDEXES]
    if base.endswith((".js", ".mjs", ".cjs")):
        stem = base.rsplit(".", 1)[0]
        candidates += [stem + ".ts", stem + ".tsx"]
    for candidate in candidates:
        if candidate in known:
            return candidate
    return None


def _names(items: str) -> list[tuple[str, str]]:
    """``a, b as c`` / ``a: c`` -> [(exported, local)]."""
    pairs = []
    for item in items.split(","):
        words = re.split(r"\s+as\s+|\s*:\s*", item.strip())
        if words and re.fullmatch(r"\w+", words[0]):
            local = words[-1] if re.fullmatch(r"\w+", words[-1]) else words[0]
            pairs.append((words[0], local))
    return pairs


def _scan_imports(file: _File, known: set[str]) -> None:
    path, code = file.text.path, file.text.code
    imports = "import" in code
    for match in _IMPORT_DEFAULT.finditer(code) if imports else ():
        target = resolve_module(path, match.group(3), known)
        if target:
            file.imports[match.group(1)] = (target, "*")
            for exported, local in _names(match.group(2) or ""):
                file.imports[local] = (target, exported)
    for match in _IMPORT_NAMED.finditer(code) if imports else ():
        target = resolve_module(path, match.group(2), known)
        for exported, local in _names(match.group(1)) if target else []:
            file.imports[local] = (target or "", exported)
    for match in _REQUIRE.finditer(code) if "require(" in code else ():
        target = resolve_module(path, match.group(3), known)
        if target and match.group(1):
            file.imports[match.group(1)] = (target, "*")
        for exported, local in _names(match.group(2) or "") if target else []:
            file.imports[local] = (target or "", exported)


def _definitions(code: str) -> list[tuple[re.Match[str], str]]:
    """``const app = express()`` and friends: (constructor match, variable name)."""
    if not has_any(code, "express", "Router", "Koa", "astify", "Hono", "Hapi", "Elysia"):
        return []
    found = []
    for match in _DEF.finditer(code):
        assigned = assignment(code, match.start())
        if assigned is not None and assigned[1] in (None, "new"):
            found.append((match, assigned[0]))
    return found


def _methods(spec: str) -> list[str]:
    found = [m.upper() for m in re.findall(r"\w+", spec) if m.upper() in (*HTTP_METHODS, "ALL")]
    return ["ANY" if m == "ALL" else m for m in found] or ["ANY"]


def _scan_routes(file: _File) -> None:
    text, code = file.text, file.text.code
    for match in _VERB.finditer(code):
        if len(file.routes) >= FILE_ROUTE_CAP:
            break
        var = receiver(code, match.start())
        if var is None:
            continue
        verb = match.group(1).upper()
        method = "ANY" if verb == "ALL" else verb
        file.routes.append((var, method, match.group(3), text.loc(match.start())))
    for match in _CHAIN_START.finditer(code) if ".route(" in code else ():
        if len(file.routes) >= FILE_ROUTE_CAP:
            break
        var = receiver(code, match.start())
        if var is None:
            continue
        position = match.end()
        for _ in range(12):
            verb = _CHAIN_VERB.match(code, position)
            if verb is None:
                break
            method = "ANY" if verb.group(1) == "all" else verb.group(1).upper()
            file.routes.append((var, method, match.group(2), text.loc(match.start())))
            args = call_args(code, verb.end() - 1)
            if args is None:
                break
            position = verb.end() + len(args) + 1
    for match in _OBJECT_ROUTE.finditer(code) if ".route" in code else ():
        if len(file.routes) >= FILE_ROUTE_CAP:
            break
        var = receiver(code, match.start())
        args = call_args(code, code.index("(", match.start())) or ""
        for url in _URL_KEY.finditer(args):
            window_start = max(0, url.start() - 400)
            methods = list(_METHOD_KEY.finditer(args, window_start, url.end() + 400))
            spec = (
                min(methods, key=lambda m: abs(m.start() - url.start())).group(1) if methods else ""
            )
            loc = text.loc(match.end() + url.start())
            for method in _methods(spec):
                file.routes.append((var or "", method, url.group(2), loc))


def _scan_mounts(file: _File, known: set[str]) -> None:
    code = file.text.code
    file.defs.update(target for _, target in _definitions(code))
    for match in _USE.finditer(code) if has_any(code, ".use(", ".route(") else ():
        var = receiver(code, match.start())
        parts = split_top_level(call_args(code, code.index("(", match.start())) or "")
        if var is not None and len(parts) >= 2:
            file.mounts.append((var, match.group(3), parts[-1]))
    for match in _REGISTER.finditer(code) if ".register(" in code else ():
        var = receiver(code, match.start())
        parts = split_top_level(call_args(code, match.end() - 1) or "")
        prefix = _PREFIX_KEY.search(parts[1]) if len(parts) > 1 else None
        if prefix and var is not None:
            file.mounts.append((var, prefix.group(2), parts[0]))


def _child(file: _File, expr: str, known: set[str]) -> Node | None:
    expr = re.sub(r"\.(?:routes|middleware|allowedMethods)\(\)$", "", expr.strip())
    inline = _INLINE_REQUIRE.match(expr)
    if inline:
        target = resolve_module(file.text.path, inline.group(1), known)
        return (target, "*") if target else None
    factory = re.match(r"(\w+)\s*\(", expr)
    if factory is not None and expr.endswith(")"):
        imported = file.imports.get(factory.group(1))  # linksRouter(store): its module's router
        return (imported[0], "*") if imported else None
    if not re.fullmatch(r"\w+", expr):
        return None
    return file.imports.get(expr, (file.text.path, expr))


def scan_code_routes(texts: list[Text], findings: Findings, framework: str | None) -> None:
    known = {t.path for t in texts}
    files = []
    for text in texts:
        file = _File(text=text)
        _scan_imports(file, known)
        _scan_mounts(file, known)
        _scan_routes(file)
        files.append(file)
    defs = {(f.text.path, d) for f in files for d in f.defs}
    mounts = Mounts()
    for file in files:
        for match, target in _definitions(file.text.code):
            args = call_args(file.text.code, file.text.code.index("(", match.start(1))) or ""
            own = _PREFIX_KEY.search(args) if "Router" in match.group(1) else None
            own = own or _BASE_PATH.match(file.text.code, match.end() + len(args) + 1)
            if own is not None:
                mounts.own[(file.text.path, target)] = own.group(2)
        for parent, prefix, expr in file.mounts:
            child = _child(file, expr, known)
            if child is not None:
                parent_node = file.imports.get(parent, (file.text.path, parent))
                mounts.mount(child, parent_node, prefix)
    rule = f"node.{framework or 'http'}.route"
    for file in files:
        for var, method, path, loc in file.routes:
            if findings.routes_full:
                findings.route_overflow()
                break
            node = file.imports.get(var, (file.text.path, var))
            if node not in defs and not _COMMON.match(var):
                continue
            findings.route(method, join_paths(mounts.prefix(node), path), loc, rule)
