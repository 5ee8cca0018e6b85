"""A small Kubernetes client over raw JSON (no model classes): what the operator's caches,
reconciler and discovery need, fast and with plain dicts that the rule engine reads directly.

Must not retry, cache or interpret objects; callers decide.  Failures are ``ApiFailure``
(with the HTTP status, 0 for a transport error).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

import httpx

JsonObject = dict[str, object]
PatchKind = Literal["merge", "json", "apply"]
_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}


class ApiFailure(Exception):
    """A request failed: ``code`` is the HTTP status (0: no response)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Kind:
    """Where a resource lives in the API: ``group`` '' for the core group."""

    group: str
    version: str
    plural: str
    namespaced: bool = True

    def path(self, *, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        return base + (f"/{quote(name, safe='')}" if name else "")


@dataclass(frozen=True)
class Listing:
    items: list[JsonObject]
    resource_version: str


def _failure(response: httpx.Response) -> ApiFailure:
    try:
        body = response.json()
        message = str(body.get("message") or body)
    except ValueError:
        message = response.text[:500]
    return ApiFailure(response.status_code, message)


class Api:
    """JSON requests against one API server.  ``http`` is owned by the caller."""

    def __init__(self, http: httpx.AsyncClient, *, field_manager: str) -> None:
        self.http = http
        self.field_manager = field_manager

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> JsonObject:
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if content is not None else {}
        try:
            response = await self.http.request(
                method, path, content=content, params=params, headers=headers
            )
        except httpx.HTTPError as error:
            raise ApiFailure(0, f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.status_code >= 400:
            raise _failure(response)
        data = response.json() if response.content else {}
        return data if isinstance(data, dict) else {}

    async def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> JsonObject:
        return await self.request("GET", kind.path(namespace=namespace, name=name))

    async def list(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        limit: int = 500,
    ) -> Listing:
        """Every object (pages followed), with the list's resourceVersion."""
        items: list[JsonObject] = []
        params: dict[str, str] = {"limit": str(limit)}
        if label_selector:
            params["labelSelector"] = label_selector
        while True:
            page = await self.request("GET", kind.path(namespace=namespace), params=params)
            items.extend(i for i in _list_of(page.get("items")) if isinstance(i, dict))
            meta = page.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            token = meta.get("continue")
            if not token:
                return Listing(items, str(meta.get("resourceVersion") or ""))
            params["continue"] = str(token)

    async def watch(
        self, kind: Kind, *, resource_version: str, timeout_seconds: int = 300
    ) -> AsyncIterator[tuple[str, JsonObject]]:
        """``(type, object)`` events from ``resource_version`` until the server ends the watch;
        BOOKMARK events carry only the new resourceVersion.  An ERROR event raises."""
        params = {
            "watch": "1",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        try:
            async with self.http.stream("GET", kind.path(), params=params) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _failure(response)
                async for line in response.aiter_lines():
                    if not line:
                        continue
                    event = json.loads(line)
                    kind_of, obj = event.get("type"), event.get("object")
                    if not isinstance(obj, dict) or not isinstance(kind_of, str):
                        continue
                    if kind_of == "ERROR":
                        raise ApiFailure(int(obj.get("code") or 500), str(obj.get("message")))
                    yield kind_of, obj
        except httpx.HTTPError as error:
            raise ApiFailure(0, f"watch {kind.plural}: {type(error).__name__}: {error}") from error

    async def create(
        self, kind: Kind, body: JsonObject, *, namespace: str | None = None
    ) -> JsonObject:
        return await self.request("POST", kind.path(namespace=namespace), body=body)

    async def delete(self, kind: Kind, name: str, *, namespace: str | None = None) -> None:
        await self.request("DELETE", kind.path(namespace=namespace, name=name))

    async def patch(
        self,
        kind: Kind,
        name: str,
        body: object,
        *,
        namespace: str | None = None,
        patch: PatchKind = "merge",
        subresource: str | None = None,
        force: bool = False,
    ) -> JsonObject:
        path = kind.path(namespace=namespace, name=name) + (
            f"/{subresource}" if subresource else ""
        )
        params = {"fieldManager": self.field_manager} if patch == "apply" else {}
        if force and patch == "apply":
            params["force"] = "true"
        return await self.request(
            "PATCH", path, body=body, params=params, content_type=_CONTENT_TYPES[patch]
        )

    async def raw(self, path: str) -> JsonObject:
        """GET a non-resource path (``/version``, ``/apis``)."""
        return await self.request("GET", path)


def _list_of(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else ()


CORE_NAMESPACES = Kind("", "v1", "namespaces", namespaced=False)
NODES = Kind("", "v1", "nodes", namespaced=False)
SERVICES = Kind("", "v1", "services")
SERVICE_ACCOUNTS = Kind("", "v1", "serviceaccounts")
SECRETS = Kind("", "v1", "secrets")
EVENTS = Kind("", "v1", "events")
DEPLOYMENTS = Kind("apps", "v1", "deployments")
STATEFULSETS = Kind("apps", "v1", "statefulsets")
HPAS = Kind("autoscaling", "v2", "horizontalpodautoscalers")
PDBS = Kind("policy", "v1", "poddisruptionbudgets")
PERSONAS = Kind("dorgu.io", "v1", "applicationpersonas")
CLUSTER_PERSONAS = Kind("dorgu.io", "v1", "clusterpersonas", namespaced=False)
WEBHOOK_CONFIGURATIONS = Kind(
    "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", namespaced=False
)
PEERINGS = Kind("kopf.dev", "v1", "clusterkopfpeerings", namespaced=False)
CRDS = Kind("apiextensions.k8s.io", "v1", "customresourcedefinitions", namespaced=False)
