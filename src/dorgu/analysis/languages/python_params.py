"""Typed query parameters from a FastAPI handler signature.

``def list_items(q: str | None = None, limit: int = 10, user=Depends(auth))`` gives the query
parameters ``q`` (optional string) and ``limit`` (optional integer).  Bodies (models),
dependencies, headers and framework objects are left out.  Path parameters are removed by the
caller, which knows the path.

Must not: open files or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.languages.scanning import split_top_level
from dorgu.models.app import RouteParam
from dorgu.models.patterns import LazyPattern

_PARAM = LazyPattern(r"^\*{0,2}(\w+)\s*(?::\s*(.+?))?\s*(?:=\s*(.+))?$", re.S)
_SKIPPED_DEFAULT = LazyPattern(
    r"^(?:fastapi\.)?(?:Depends|Body|Header|Cookie|File|Form|Security|Path)\s*\("
)
_SKIPPED_TYPE = LazyPattern(
    r"\b(?:Request|Response|WebSocket|BackgroundTasks|Session|AsyncSession|UploadFile|"
    r"Depends|Body|Header|Cookie|File|Form|Security|Path)\b"
)
_OPTIONAL = LazyPattern(r"^Optional\[(.+)\]$|^(.+?)\s*\|\s*None$|^None\s*\|\s*(.+)$", re.S)
_ANNOTATED = LazyPattern(r"^Annotated\[(.+)\]$", re.S)
_SIMPLE = {
    "int": "integer",
    "float": "number",
    "Decimal": "number",
    "str": "string",
    "bool": "boolean",
    "UUID": "string",
    "date": "string",
    "datetime": "string",
}
_LIST = LazyPattern(r"^(?:list|List|set|Set)\[(\w+)\]$")


def _base_type(annotation: str) -> tuple[str, bool]:
    """(type text without Optional/None, whether None is allowed)."""
    text = annotation.strip()
    optional = False
    match = _OPTIONAL.match(text)
    if match:
        text = next(g for g in match.groups() if g).strip()
        optional = True
    return text, optional


def _query_type(annotation: str) -> tuple[str | None, bool, bool]:
    """(schema type, is a query param, None allowed) for an annotation."""
    text, optional = _base_type(annotation)
    annotated = _ANNOTATED.match(text)
    explicit = False
    if annotated:
        inner = split_top_level(annotated.group(1))
        if any(_SKIPPED_DEFAULT.match(part) for part in inner[1:]):
            return None, False, optional
        explicit = any(part.startswith(("Query(", "fastapi.Query(")) for part in inner[1:])
        text, inner_optional = _base_type(inner[0] if inner else "")
        optional = optional or inner_optional
    if text in _SIMPLE:
        return _SIMPLE[text], True, optional
    listed = _LIST.match(text)
    if listed:
        return "array", True, optional
    return (text or None), explicit, optional


def query_params(signature: str) -> tuple[RouteParam, ...]:
    """The query parameters of a handler whose parameter list is ``signature``."""
    params: list[RouteParam] = []
    for part in split_top_level(signature)[:64]:
        match = _PARAM.match(part.strip())
        if match is None or part.strip().startswith("*"):
            continue
        name, annotation, default = match.group(1), match.group(2), match.group(3)
        if name in ("self", "cls") or annotation is None:
            continue
        default = default.strip() if default else None
        if default is not None and _SKIPPED_DEFAULT.match(default):
            continue
        if _SKIPPED_TYPE.search(annotation) and not annotation.strip().startswith("Annotated["):
            continue
        schema, is_query, optional = _query_type(annotation)
        explicit = default is not None and default.startswith(("Query(", "fastapi.Query("))
        if not (is_query or explicit):
            continue
        required = default is None or (
            explicit
            and re.match(r"^(?:fastapi\.)?Query\(\s*(?:\.\.\.|\)|\w+\s*=)", default) is not None
            and "default=" not in default
        )
        params.append(
            RouteParam(name=name, location="query", required=required and not optional, type=schema)
        )
    return tuple(params)
