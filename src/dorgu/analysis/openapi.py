"""Reading an app's API surface from an OpenAPI 3.x or Swagger 2.0 document (YAML or JSON).

Prefixes come from ``basePath`` (Swagger 2) or the path of the first ``servers`` URL (OpenAPI 3,
server variables replaced by their defaults; path- and operation-level ``servers`` override).
Parameters merge path-level and operation-level entries; local ``$ref``s (``#/components/...``,
``#/parameters/...``) are resolved with a depth limit; external refs are reported, not fetched.
Must not: open files, fetch URLs or read the environment.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from dorgu.analysis.routes import join_paths, normalize_path, path_params
from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.models.app import Route, RouteParam
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.patterns import LazyPattern

MAX_ROUTES = 500
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_CANDIDATE_NAMES = frozenset(
    f"{stem}.{ext}"
    for stem in ("openapi", "swagger", "api-docs", "api-spec", "openapi3", "swagger2")
    for ext in ("yaml", "yml", "json")
)
# ``*openapi*.yaml`` and the like, as plain string tests (fnmatch compiles a regex per glob)
_CANDIDATE_WORDS = ("openapi", "swagger")
_CANDIDATE_EXTENSIONS = frozenset({"yaml", "yml", "json"})
_SKIP_DIRS = frozenset({"node_modules", "vendor", ".git", "dist", "target", "build"})
_SERVER_VAR = LazyPattern(r"\{([^{}]+)\}")
_LOCATIONS = {
    "path": "path",
    "query": "query",
    "header": "header",
    "cookie": "cookie",
    "body": "body",
    "formData": "body",
}


def is_openapi_candidate(path: str) -> bool:
    """True for file names that conventionally hold an OpenAPI or Swagger document."""
    parts = path.split("/")
    if any(p in _SKIP_DIRS for p in parts[:-1]):
        return False
    name = parts[-1].lower()
    if name in _CANDIDATE_NAMES:
        return True
    stem, dot, extension = name.rpartition(".")
    return (
        bool(dot)
        and extension in _CANDIDATE_EXTENSIONS
        and any(w in stem for w in _CANDIDATE_WORDS)
    )


def _diag(
    code: str,
    message: str,
    file: str,
    line: int | None = None,
    severity: Severity = Severity.WARNING,
) -> Diagnostic:
    return Diagnostic(
        code=code, message=message, location=Location(file=file, line=line), severity=severity
    )


def _load(text: str, file: str) -> tuple[object, YamlDocument | None, list[Diagnostic]]:
    try:
        doc = load_yaml(text, file=file)
        return doc.data, doc, []
    except DorguError as e:
        if text.lstrip().startswith("{"):
            try:
                return json.loads(text), None, []
            except (ValueError, RecursionError) as je:
                line = getattr(je, "lineno", None)
                return None, None, [_diag("openapi.invalid", f"invalid JSON: {je}", file, line)]
        line = getattr(e, "line", None)
        message = str(e).removeprefix(f"{file}:{line}: ").removeprefix(f"{file}: ")
        return None, None, [_diag("openapi.invalid", message, file, line)]


class _Resolver:
    def __init__(self, root: dict[str, object], file: str, diagnostics: list[Diagnostic]) -> None:
        self.root, self.file, self.diagnostics = root, file, diagnostics
        self.reported: set[str] = set()

    def __call__(self, node: object, line: int | None = None) -> object:
        for _ in range(10):
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                return node
            ref = str(node["$ref"])
            if not ref.startswith("#/"):
                if ref not in self.reported:
                    self.reported.add(ref)
                    self.diagnostics.append(
                        _diag(
                            "openapi.external-ref",
                            f"external $ref {ref!r} not followed",
                            self.file,
                            line,
                            Severity.INFO,
                        )
                    )
                return None
            target: object = self.root
            for token in ref[2:].split("/"):
                token = unquote(token).replace("~1", "/").replace("~0", "~")
                target = target.get(token) if isinstance(target, dict) else None
            if target is None and ref not in self.reported:
                self.reported.add(ref)
                self.diagnostics.append(
                    _diag("openapi.broken-ref", f"$ref {ref!r} does not resolve", self.file, line)
                )
            node = target
        return None


def _server_prefix(servers: object) -> str | None:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    url = servers[0].get("url")
    if not isinstance(url, str):
        return None
    variables = servers[0].get("variables")
    variables = variables if isinstance(variables, dict) else {}

    def default(m: re.Match[str]) -> str:
        var = variables.get(m.group(1))
        value = var.get("default") if isinstance(var, dict) else None
        return str(value) if value is not None else ""

    url = _SERVER_VAR.sub(default, url)
    try:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    except ValueError:
        return None
    return path


def _param(raw: object, resolve: _Resolver, line: int | None) -> RouteParam | None:
    node = resolve(raw, line)
    if not isinstance(node, dict) or not isinstance(node.get("name"), str):
        return None
    where = _LOCATIONS.get(str(node.get("in")))
    if where is None:
        return None
    schema = resolve(node.get("schema"), line)
    kind = schema.get("type") if isinstance(schema, dict) else node.get("type")
    required = True if where == "path" else node.get("required") is True
    return RouteParam(
        name=node["name"],
        location=where,
        required=required,
        type=kind if isinstance(kind, str) else None,
    )


def parse_openapi(text: str, *, file: str) -> tuple[list[Route], list[Diagnostic]]:
    """Routes of an OpenAPI 3.x / Swagger 2.0 document; problems come back as diagnostics."""
    data, doc, diagnostics = _load(text, file)
    if data is None and diagnostics:
        return [], diagnostics
    if not isinstance(data, dict) or not (
        str(data.get("openapi", "")).startswith("3") or str(data.get("swagger", "")) == "2.0"
    ):
        return [], [
            _diag(
                "openapi.not-a-spec",
                "no 'openapi: 3.x' or 'swagger: \"2.0\"' key",
                file,
                None,
                Severity.INFO,
            )
        ]
    swagger = "swagger" in data
    resolve = _Resolver(data, file, diagnostics)
    base_path = data.get("basePath")
    root_prefix = (
        (base_path if isinstance(base_path, str) else "")
        if swagger
        else (_server_prefix(data.get("servers")) or "")
    )
    paths = data.get("paths")
    routes: list[Route] = []
    if not isinstance(paths, dict):
        return routes, diagnostics

    def line_of(*keys: str | int) -> int | None:
        if doc is not None:
            return doc.line_of(tuple(keys))
        index = text.find(json.dumps(str(keys[1] if len(keys) > 1 else keys[-1])))
        return text.count("\n", 0, index) + 1 if index >= 0 else None

    for raw_path, raw_item in paths.items():
        item = resolve(raw_item, line_of("paths", raw_path))
        if not isinstance(item, dict) or not isinstance(raw_path, str):
            continue
        path_prefix = _server_prefix(item.get("servers"))
        shared_raw = item.get("parameters")
        shared: list[object] = shared_raw if isinstance(shared_raw, list) else []
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            line = line_of("paths", raw_path, method)
            if len(routes) >= MAX_ROUTES:
                diagnostics.append(
                    _diag(
                        "openapi.routes.truncated",
                        f"kept the first {MAX_ROUTES} operations",
                        file,
                        line,
                        Severity.INFO,
                    )
                )
                return routes, diagnostics
            prefix = _server_prefix(operation.get("servers")) or path_prefix or root_prefix
            full = normalize_path(join_paths(prefix, raw_path))
            params: dict[tuple[str, str], RouteParam] = {}
            own_raw = operation.get("parameters")
            own: list[object] = own_raw if isinstance(own_raw, list) else []
            for raw in [*shared, *own]:
                param = _param(raw, resolve, line)
                if param is not None:
                    params[(param.name, param.location)] = param
            body = resolve(operation.get("requestBody"), line)
            if isinstance(body, dict):
                params[("body", "body")] = RouteParam(
                    name="body", location="body", required=body.get("required") is True
                )
            for declared in path_params(full):
                params.setdefault((declared.name, "path"), declared)
            ordered = sorted(params.values(), key=lambda p: (p.location != "path", 0))
            summary, op_id = operation.get("summary"), operation.get("operationId")
            routes.append(
                Route(
                    method=method.upper(),
                    path=full,
                    params=tuple(ordered),
                    summary=summary[:300] if isinstance(summary, str) else None,
                    operation_id=op_id[:200] if isinstance(op_id, str) else None,
                    source="openapi",
                    location=Location(file=file, line=line),
                )
            )
    return routes, diagnostics
