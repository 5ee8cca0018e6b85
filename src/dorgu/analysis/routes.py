"""Normalising route paths from every framework's syntax to OpenAPI style (``/orders/{id}``)."""

from __future__ import annotations

import re

from dorgu.models.app import RouteParam
from dorgu.models.patterns import LazyPattern, Pattern

_PATTERNS: tuple[tuple[Pattern, str], ...] = (
    (LazyPattern(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>[^)]*\)"), r"{\1}"),  # Django regex groups
    (LazyPattern(r"<(?:[A-Za-z_]+:)?([A-Za-z_][A-Za-z0-9_]*)>"), r"{\1}"),  # Flask <int:id>
    (LazyPattern(r"\[\.\.\.([A-Za-z_][A-Za-z0-9_]*)\]"), r"{\1}"),  # Next.js [...slug]
    (LazyPattern(r"\[([A-Za-z_][A-Za-z0-9_]*)\]"), r"{\1}"),  # Next.js [id]
    (LazyPattern(r"(?<=/):([A-Za-z_][A-Za-z0-9_]*)\??"), r"{\1}"),  # Express/Gin/Rails :id
    (LazyPattern(r"(?<=/)\*([A-Za-z_][A-Za-z0-9_]*)"), r"{\1}"),  # Gin/Rails *path
    (
        LazyPattern(r"\{\*{1,2}([A-Za-z_][A-Za-z0-9_]*)\}"),
        r"{\1}",
    ),  # axum {*rest}, ASP.NET {**slug}
    (
        LazyPattern(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[?]|=[^{}]*)?\}"),
        r"{\1}",
    ),  # ASP.NET {id?} / {x=1}
    (LazyPattern(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*)?\}"), r"{\1}"),  # {id:int} / {id:[0-9]+}
)
_PARAM = LazyPattern(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DJANGO_ANCHORS = LazyPattern(r"^\^|\$$")

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def join_paths(*parts: str) -> str:
    """Join URL path segments with exactly one slash between them."""
    joined = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return "/" + joined


def normalize_path(path: str) -> str:
    """Convert any framework's path template to ``/a/{b}``; always starts with ``/``."""
    path = _DJANGO_ANCHORS.sub("", path.strip())
    for pattern, replacement in _PATTERNS:
        path = pattern.sub(replacement, path)
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return re.sub(r"/{2,}", "/", path)


def path_params(path: str) -> tuple[RouteParam, ...]:
    """The ``{name}`` parameters of a normalised path, in order."""
    return tuple(RouteParam(name=name, location="path") for name in _PARAM.findall(path))
