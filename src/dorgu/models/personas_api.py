"""The API surface of an application persona (``spec.api``): its HTTP operations as analysis
found them in code or in an OpenAPI document (``api_surface(routes)`` converts them).  The
gateway generates agent tools from it.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import Field

from dorgu.models.app import Route
from dorgu.models.personas_base import WireModel

MAX_ROUTES = 1000
"""At most this many operations are kept (etcd stores objects up to ~1.5 MiB)."""


class ParamLocation(StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


class ApiParam(WireModel):
    """One parameter of an operation."""

    name: str = Field(min_length=1, description="Parameter name.")
    location: ParamLocation = Field(
        ParamLocation.PATH, alias="in", description="path, query, header, cookie or body."
    )
    required: bool = Field(False, description="Whether callers must send it.")
    type: str | None = Field(None, description="Declared type, e.g. integer, string, Order.")


class ApiRoute(WireModel):
    """One HTTP operation."""

    method: str = Field(
        pattern=r"^[A-Z]+$",
        description="Upper-case HTTP method; ANY when the framework does not restrict it.",
    )
    path: str = Field(
        pattern=r"^/", max_length=2048, description="OpenAPI-style path, e.g. /orders/{id}."
    )
    params: list[ApiParam] = Field(default_factory=list, description="Parameters.")
    summary: str | None = Field(None, description="One-line summary.")
    operation_id: str | None = Field(None, description="OpenAPI operationId.")
    source: str = Field("code", description="Where it was found: code or openapi.")


class ApiSurface(WireModel):
    """The detected HTTP API (routes sorted by path, then method)."""

    routes: list[ApiRoute] = Field(
        default_factory=list, max_length=MAX_ROUTES, description="HTTP operations."
    )
    truncated: bool | None = Field(
        None, description=f"True when more than {MAX_ROUTES} operations were found."
    )


def api_surface(routes: Sequence[Route]) -> ApiSurface | None:
    """The API surface of analysed ``routes``, sorted by path, method and operation id (None
    when there are none); at most ``MAX_ROUTES`` are kept."""
    if not routes:
        return None
    ordered = sorted(routes, key=lambda r: (r.path, r.method.upper(), r.operation_id or ""))
    return ApiSurface(
        routes=[_api_route(route) for route in ordered[:MAX_ROUTES]],
        truncated=True if len(ordered) > MAX_ROUTES else None,
    )


def _api_route(route: Route) -> ApiRoute:
    return ApiRoute(
        method=route.method.upper(),
        path=route.path if route.path.startswith("/") else f"/{route.path}",
        params=[
            ApiParam(
                name=p.name,
                location=_location(p.location),
                required=p.required,
                type=p.type,
            )
            for p in route.params
        ],
        summary=route.summary,
        operation_id=route.operation_id,
        source=route.source,
    )


def _location(text: str) -> ParamLocation:
    try:
        return ParamLocation(text)
    except ValueError:
        return ParamLocation.QUERY
