"""``LightkubeClient``: ``KubeClient`` over lightkube (sync), with resource types resolved from
lightkube's registry or, for custom resources, from API discovery.

Manifests are sent as given (plain JSON, never round-tripped through lightkube models), so a
server-side dry run sees exactly what would be applied: unknown fields are the server's call.

Must not print, decide what to apply, or let a lightkube/httpx exception escape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2
from lightkube import ApiError, Client
from lightkube.config.client_adapter import Client as HttpClient
from lightkube.config.client_adapter import ConnectionParams
from lightkube.core.exceptions import LoadResourceError
from lightkube.core.resource import NamespacedResource, NamespacedSubResource
from lightkube.core.resource_registry import resource_registry
from lightkube.generic_resource import create_global_resource, create_namespaced_resource
from lightkube.types import PatchType

from dorgu.clients.kube import (
    CRD_GROUP,
    CRDS_MISSING,
    DEFAULT_PAGE_SIZE,
    FIELD_MANAGER,
    JsonList,
    JsonObject,
    Names,
    Page,
    PatchKind,
    ResourceKind,
    TablePage,
)
from dorgu.clients.kubeconfigs import ResolvedConnection
from dorgu.clients.kubeerrors import Operation, translate, translate_status
from dorgu.errors import ClusterError

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_SECONDS = 15.0
_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
_MISSING = object()


class LightkubeClient:
    """The real ``KubeClient`` (see ``kube.KubeClient`` for the contract)."""

    def __init__(self, connection: ResolvedConnection, *, timeout_seconds: float = 10.0) -> None:
        self._connection = connection
        self._timeout = httpx2.Timeout(timeout_seconds)
        self._client: Client | None = None
        self._http: httpx2.Client | None = None
        self._discovered: dict[str, list[dict[str, Any]]] = {}

    @property
    def server(self) -> str:
        return self._connection.server

    @property
    def namespace(self) -> str:
        return self._connection.namespace

    # -- objects ------------------------------------------------------------------------------

    def apply(
        self,
        manifest: Mapping[str, object],
        *,
        dry_run: bool = False,
        force: bool = False,
        status: bool = False,
    ) -> JsonObject:
        body = dict(manifest)
        kind = self._kind_of(body)
        metadata = dict(_mapping(body.get("metadata")))
        name = str(metadata.get("name") or "")
        if not name:
            raise ClusterError(f"cannot apply a {kind.kind} without metadata.name")
        namespace = None
        if kind.namespaced:
            namespace = str(metadata.get("namespace") or self.namespace)
            metadata["namespace"] = namespace
            body["metadata"] = metadata
        operation = Operation("apply", kind.resource, name, namespace)
        resource = self._resource(kind, operation)
        target = resource.Status if status else resource
        result = self._call(
            operation,
            lambda: self._lightkube().patch(
                target,
                name,
                body,
                namespace=namespace,
                patch_type=PatchType.APPLY,
                field_manager=FIELD_MANAGER,
                force=force,
                dry_run=dry_run,
            ),
        )
        return _to_json(result)

    def get(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None
    ) -> JsonObject | None:
        ns = (namespace or self.namespace) if kind.namespaced else None
        operation = Operation("get", kind.resource, name, ns)
        resource = self._resource(kind, operation)
        found = self._call(
            operation,
            lambda: _unless_missing(lambda: self._lightkube().get(resource, name, namespace=ns)),
        )
        return None if found is _MISSING else _to_json(found)

    def patch(
        self,
        kind: ResourceKind,
        name: str,
        body: object,
        *,
        namespace: str | None = None,
        patch_type: PatchKind = "merge",
        status: bool = False,
        dry_run: bool = False,
    ) -> JsonObject:
        ns = (namespace or self.namespace) if kind.namespaced else None
        operation = Operation("patch", kind.resource, name, ns)
        resource = self._resource(kind, operation)
        target = resource.Status if status else resource
        chosen = PatchType.MERGE if patch_type == "merge" else PatchType.JSON
        result = self._call(
            operation,
            lambda: self._lightkube().patch(
                target, name, body, namespace=ns, patch_type=chosen, dry_run=dry_run
            ),
        )
        return _to_json(result)

    def list(
        self, kind: ResourceKind, *, namespace: str | None = None, all_namespaces: bool = False
    ) -> JsonList:
        ns: str | None = None
        if kind.namespaced:
            ns = "*" if all_namespaces else (namespace or self.namespace)
        operation = Operation("list", kind.resource, None, None if ns == "*" else ns)
        resource = self._resource(kind, operation)
        items = self._call(operation, lambda: list(self._lightkube().list(resource, namespace=ns)))
        return [_to_json(item) for item in items]

    def list_page(
        self,
        kind: ResourceKind,
        *,
        namespace: str | None = None,
        all_namespaces: bool = False,
        limit: int = DEFAULT_PAGE_SIZE,
        continue_token: str | None = None,
        label_selector: str | None = None,
    ) -> Page:
        ns: str | None = None
        if kind.namespaced and not all_namespaces:
            ns = namespace or self.namespace
        params: dict[str, str] = {"limit": str(max(limit, 1))}
        if continue_token:
            params["continue"] = continue_token
        if label_selector:
            params["labelSelector"] = label_selector
        operation = Operation("list", kind.resource, None, ns)
        data = _mapping(self._request("GET", _path(kind, ns), operation, params=params))
        items = [dict(item) for item in data.get("items") or [] if isinstance(item, dict)]
        for item in items:  # a list's items carry neither; callers expect whole objects
            item.setdefault("apiVersion", kind.api_version)
            item.setdefault("kind", kind.kind)
        token = _mapping(data.get("metadata")).get("continue")
        return Page(items, str(token) if token else None)

    def list_table_page(
        self,
        kind: ResourceKind,
        *,
        namespace: str | None = None,
        all_namespaces: bool = False,
        limit: int = DEFAULT_PAGE_SIZE,
        continue_token: str | None = None,
        include_object: bool = True,
    ) -> TablePage:
        ns: str | None = None
        if kind.namespaced and not all_namespaces:
            ns = namespace or self.namespace
        params = {
            "limit": str(max(limit, 1)),
            "includeObject": "Metadata" if include_object else "None",
        }
        if continue_token:
            params["continue"] = continue_token
        operation = Operation("list", kind.resource, None, ns)
        data = _mapping(
            self._request("GET", _path(kind, ns), operation, params=params, accept=_TABLE)
        )
        if data.get("kind") != "Table":
            raise ClusterError(
                f"{operation.describe()}: the API server at {self.server} did not answer "
                f"with a Table (got {data.get('kind')!r})"
            )
        columns = [str(_mapping(c).get("name")) for c in data.get("columnDefinitions") or []]
        rows = []
        for row in data.get("rows") or []:
            entry = _mapping(row)
            metadata = dict(_mapping(_mapping(entry.get("object")).get("metadata")))
            cells = entry.get("cells")
            rows.append((metadata, list(cells) if isinstance(cells, list) else []))
        token = _mapping(data.get("metadata")).get("continue")
        return TablePage(columns, rows, str(token) if token else None)

    def replace(self, manifest: Mapping[str, object], *, status: bool = False) -> JsonObject:
        body = dict(manifest)
        kind = self._kind_of(body)
        metadata = _mapping(body.get("metadata"))
        name = str(metadata.get("name") or "")
        if not name:
            raise ClusterError(f"cannot update a {kind.kind} without metadata.name")
        ns = str(metadata.get("namespace") or self.namespace) if kind.namespaced else None
        operation = Operation("update", kind.resource, name + ("/status" if status else ""), ns)
        path = _path(kind, ns, name) + ("/status" if status else "")
        params = {"fieldManager": FIELD_MANAGER}
        return dict(_mapping(self._request("PUT", path, operation, json=body, params=params)))

    def create(self, manifest: Mapping[str, object], *, dry_run: bool = False) -> JsonObject:
        body = dict(manifest)
        kind = self._kind_of(body)
        metadata = _mapping(body.get("metadata"))
        ns = str(metadata.get("namespace") or self.namespace) if kind.namespaced else None
        if ns is not None and not metadata.get("namespace"):
            body["metadata"] = {**metadata, "namespace": ns}
        operation = Operation("create", kind.resource, str(metadata.get("name") or ""), ns)
        params = {"fieldManager": FIELD_MANAGER} | ({"dryRun": "All"} if dry_run else {})
        return dict(
            _mapping(self._request("POST", _path(kind, ns), operation, json=body, params=params))
        )

    def whoami(self) -> str | None:
        review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        operation = Operation("create", "selfsubjectreviews.authentication.k8s.io")
        try:
            data = self._request(
                "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", operation, json=review
            )
        except ClusterError as error:
            if str(error).startswith("cannot reach"):
                raise
            logger.debug("SelfSubjectReview failed (%s); using the kubeconfig user", error)
        else:
            user = _mapping(_mapping(_mapping(data).get("status")).get("userInfo"))
            if user.get("username"):
                return str(user["username"])
        return self._connection.config.context.user or None

    def delete(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None, dry_run: bool = False
    ) -> bool:
        ns = (namespace or self.namespace) if kind.namespaced else None
        operation = Operation("delete", kind.resource, name, ns)
        resource = self._resource(kind, operation)
        client = self._lightkube()
        done = self._call(
            operation,
            lambda: _unless_missing(
                lambda: client.delete(resource, name, namespace=ns, dry_run=dry_run)
            ),
        )
        return done is not _MISSING

    # -- discovery ----------------------------------------------------------------------------

    def version(self) -> JsonObject:
        data = self._raw("/version", Operation("get", "version"))
        return dict(data) if isinstance(data, dict) else {}

    def api_groups(self) -> Names:
        found: set[str] = set()
        core = self._raw("/api", Operation("get", "api versions"))
        found.update(str(v) for v in _mapping(core).get("versions") or [])
        groups = self._raw("/apis", Operation("get", "api groups"))
        for group in _mapping(groups).get("groups") or []:
            for version in _mapping(group).get("versions") or []:
                found.add(str(_mapping(version).get("groupVersion")))
        return sorted(found)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._http is not None:
            self._http.close()
        self._client = self._http = None

    # -- internals ----------------------------------------------------------------------------

    def _lightkube(self) -> Client:
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Client:
        try:
            return Client(
                self._connection.config,
                namespace=self.namespace,
                timeout=self._timeout,
                field_manager=FIELD_MANAGER,
            )
        except Exception as error:
            raise translate(
                error, server=self.server, operation=Operation("connect", "")
            ) from error

    def _call(self, operation: Operation, call: Callable[[], T]) -> T:
        """Run ``call``; a 429 (the server asks to come back: storage initialising, API
        priority and fairness) is retried for up to ``RETRY_SECONDS``."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                return call()
            except ClusterError:
                raise
            except ApiError as error:
                if error.status.code != 429 or time.monotonic() > deadline:
                    raise translate(error, server=self.server, operation=operation) from error
                logger.debug("%s: 429 %s; retrying", operation.describe(), error.status.message)
                time.sleep(_retry_after(error))
            except Exception as error:
                raise translate(error, server=self.server, operation=operation) from error

    def _raw(self, path: str, operation: Operation) -> object:
        def fetch() -> object:
            response = self._plain_http().get(path)
            response.raise_for_status()
            return response.json()

        return self._call(operation, fetch)

    def _plain_http(self) -> httpx2.Client:
        if self._http is None:
            params = ConnectionParams(timeout=self._timeout)
            self._http = HttpClient(self._connection.config, params)
        return self._http

    def _request(
        self,
        method: str,
        path: str,
        operation: Operation,
        *,
        json: object = None,
        params: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> object:
        """A JSON request outside lightkube (no model conversion: pages of large lists stay
        fast); an error answer becomes the ``ClusterError`` its ``Status`` describes, a 429 is
        retried for up to ``RETRY_SECONDS``."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            response = self._call(
                operation,
                lambda: self._plain_http().request(
                    method, path, json=json, params=dict(params or {}), headers={"Accept": accept}
                ),
            )
            if response.status_code == 429 and time.monotonic() <= deadline:
                time.sleep(0.5)
                continue
            try:
                data = response.json()
            except ValueError:
                data = {"message": response.reason_phrase}
            if response.status_code >= 400:
                raise translate_status(
                    response.status_code, data, server=self.server, operation=operation
                )
            return data

    def _kind_of(self, body: Mapping[str, object]) -> ResourceKind:
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ClusterError("cannot apply an object without apiVersion and kind")
        try:
            known = resource_registry.load(api_version, kind)
        except LoadResourceError:
            known = None
        if known is not None:
            info = known._api_info
            namespaced = issubclass(known, NamespacedResource | NamespacedSubResource)
            return ResourceKind(api_version, kind, info.plural, namespaced)
        return self._discover(api_version, kind)

    def _discover(self, api_version: str, kind: str) -> ResourceKind:
        if api_version not in self._discovered:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            try:
                data = self._raw(path, Operation("discover", api_version))
            except ClusterError:
                data = {}
            self._discovered[api_version] = [
                dict(r) for r in _mapping(data).get("resources") or [] if isinstance(r, dict)
            ]
        for entry in self._discovered[api_version]:
            if entry.get("kind") == kind and "/" not in str(entry.get("name")):
                return ResourceKind(
                    api_version, kind, str(entry["name"]), bool(entry["namespaced"])
                )
        if api_version.rpartition("/")[0] == CRD_GROUP:
            raise ClusterError(CRDS_MISSING)
        raise ClusterError(
            f"the cluster at {self.server} does not serve {kind} ({api_version})",
            hint="is its CRD or API installed?",
        )

    def _resource(self, kind: ResourceKind, operation: Operation) -> Any:
        try:
            return resource_registry.load(kind.api_version, kind.kind)
        except LoadResourceError:
            pass
        try:
            if kind.namespaced:
                return create_namespaced_resource(kind.group, kind.version, kind.kind, kind.plural)
            return create_global_resource(kind.group, kind.version, kind.kind, kind.plural)
        except ValueError as error:
            raise ClusterError(f"{operation.describe()}: {error}") from error


def _path(kind: ResourceKind, namespace: str | None, name: str | None = None) -> str:
    """``/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]`` (``/api/v1`` for core);
    names are percent-encoded, so a hostile name cannot reach another path."""
    base = f"/apis/{kind.api_version}" if kind.group else f"/api/{kind.version}"
    if namespace is not None:
        base += f"/namespaces/{quote(namespace, safe='')}"
    base += f"/{kind.plural}"
    return base + (f"/{quote(name, safe='')}" if name else "")


def _unless_missing(call: Callable[[], object]) -> object:
    """``call()``, or ``_MISSING`` on a 404 for the object (a 404 for its type still raises)."""
    try:
        return call()
    except ApiError as error:
        details = error.status.details
        if error.status.code == 404 and details is not None and details.name:
            return _MISSING
        raise


def _retry_after(error: ApiError) -> float:
    header = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return min(max(float(header), 0.1), 2.0) if header else 0.5
    except ValueError:
        return 0.5


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _to_json(obj: object) -> JsonObject:
    if obj is None:
        return {}
    to_dict = getattr(obj, "to_dict", None)
    data = to_dict() if callable(to_dict) else obj
    return dict(data) if isinstance(data, Mapping) else {}
