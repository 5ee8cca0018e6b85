"""``FakeKube``: an in-memory ``KubeClient`` for unit tests.  It stores objects by apiVersion,
kind, namespace and name, keeps ``status`` apart from the main resource (as the status
subresource does), records every apply, and can pretend to be unreachable or to lack the dorgu
CRDs.  It is not a Kubernetes simulator: no schemas, no defaulting, no field ownership.

Must not import lightkube or any network library.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from dorgu.clients.kube import (
    CRD_GROUP,
    CRDS_MISSING,
    DEFAULT_PAGE_SIZE,
    JsonList,
    JsonObject,
    Names,
    Page,
    PatchKind,
    ResourceKind,
    TablePage,
)
from dorgu.errors import ClusterError

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "ClusterPersona",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "PriorityClass",
        "StorageClass",
        "IngressClass",
        "ClusterKopfPeering",
    }
)

Key = tuple[str, str, str, str]  # apiVersion, kind, namespace ("" when cluster-scoped), name


@dataclass
class FakeKube:
    """Set ``unreachable`` (or ``crds_installed=False``) to make calls fail as the real
    client does; ``applied`` lists ``(manifest, dry_run, status)`` of every apply."""

    server: str = "https://fake.invalid:6443"
    namespace: str = "default"
    crds_installed: bool = True
    unreachable: bool = False
    server_version: JsonObject = field(
        default_factory=lambda: {"gitVersion": "v1.37.2", "platform": "linux/amd64"}
    )
    groups: list[str] = field(default_factory=lambda: ["apps/v1", "v1"])
    objects: dict[Key, JsonObject] = field(default_factory=dict)
    applied: list[tuple[JsonObject, bool, bool]] = field(default_factory=list)
    patched: list[tuple[str, str, object, str, bool]] = field(default_factory=list)
    """``(kind, name, body, patch type, status)`` of every patch."""
    closed: bool = False
    user: str | None = "fake-user"
    """What ``whoami`` answers."""
    forbidden_all_namespaces: bool = False
    """Refuse lists across all namespaces (403), as RBAC limited to one namespace does."""
    pages: int = 0
    """How many ``list_page`` calls were answered."""
    _counter: int = 0

    def add(self, obj: Mapping[str, object]) -> JsonObject:
        """Store ``obj`` as if it existed in the cluster (its status included)."""
        stored = copy.deepcopy(dict(obj))
        self.objects[self._key(stored)] = stored
        return stored

    def apply(
        self,
        manifest: Mapping[str, object],
        *,
        dry_run: bool = False,
        force: bool = False,
        status: bool = False,
    ) -> JsonObject:
        body = copy.deepcopy(dict(manifest))
        self._check(str(body.get("apiVersion", "")))
        self.applied.append((copy.deepcopy(body), dry_run, status))
        key = self._key(body)
        current = copy.deepcopy(self.objects.get(key)) or {}
        if status:
            if not current:
                raise ClusterError(f"not found (404): apply {key[1]}/{key[3]}/status")
            current["status"] = body.get("status", {})
            result = current
        else:
            body.pop("status", None)  # the main resource never writes status
            result = body
            if "status" in current:
                result["status"] = current["status"]
            metadata = _metadata(result)
            old = _metadata(current)
            self._counter += 1
            metadata.setdefault("uid", old.get("uid") or f"uid-{self._counter}")
            spec_changed = current.get("spec") != body.get("spec")
            generation = old.get("generation", 0)
            assert isinstance(generation, int)
            metadata["generation"] = generation + 1 if spec_changed or not current else generation
            metadata["resourceVersion"] = str(self._counter)
        if not dry_run:
            self.objects[key] = copy.deepcopy(result)
        return result

    def get(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None
    ) -> JsonObject | None:
        self._check(kind.api_version)
        key = (kind.api_version, kind.kind, self._ns(kind, namespace), name)
        found = self.objects.get(key)
        return copy.deepcopy(found) if found is not None else None

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
        self._check(kind.api_version)
        key = (kind.api_version, kind.kind, self._ns(kind, namespace), name)
        current = self.objects.get(key)
        if current is None:
            raise ClusterError(f"not found (404): patch {kind.resource}/{name}: no such object")
        self.patched.append((kind.kind, name, copy.deepcopy(body), patch_type, status))
        if patch_type == "merge":
            assert isinstance(body, Mapping)
            changed = _merge(current, body if not status else {"status": body.get("status")})
        else:
            assert isinstance(body, list)
            changed = _json_patch(current, body)
        self._counter += 1
        _metadata(changed)["resourceVersion"] = str(self._counter)
        if not dry_run:
            self.objects[key] = copy.deepcopy(changed)
        return changed

    def create(self, manifest: Mapping[str, object], *, dry_run: bool = False) -> JsonObject:
        body = copy.deepcopy(dict(manifest))
        self._check(str(body.get("apiVersion", "")))
        metadata = _metadata(body)
        if not metadata.get("name"):
            self._counter += 1
            metadata["name"] = f"{metadata.get('generateName') or 'object-'}{self._counter:05d}"
        key = self._key(body)
        if key in self.objects:
            raise ClusterError(f"conflict (409): create {key[1]}/{key[3]}: already exists")
        self._counter += 1
        metadata["resourceVersion"] = str(self._counter)
        if not dry_run:
            self.objects[key] = copy.deepcopy(body)
        return body

    def list(
        self, kind: ResourceKind, *, namespace: str | None = None, all_namespaces: bool = False
    ) -> JsonList:
        self._check(kind.api_version)
        wanted = self._ns(kind, namespace)
        return [
            copy.deepcopy(obj)
            for (api_version, k, ns, _), obj in sorted(self.objects.items())
            if api_version == kind.api_version
            and k == kind.kind
            and (all_namespaces or ns == wanted)
        ]

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
        if all_namespaces and self.forbidden_all_namespaces:
            self._check(kind.api_version)
            raise ClusterError(
                f"forbidden (403): not allowed to list {kind.resource}",
                hint="ask for RBAC permission or use another --context",
            )
        found = self.list(kind, namespace=namespace, all_namespaces=all_namespaces)
        if label_selector:
            wanted = dict(part.split("=", 1) for part in label_selector.split(","))
            found = [
                obj
                for obj in found
                if all(_metadata(obj).get("labels", {}).get(k) == v for k, v in wanted.items())  # type: ignore[attr-defined]
            ]
        start = int(continue_token or 0)
        end = start + max(limit, 1)
        self.pages += 1
        return Page(found[start:end], str(end) if end < len(found) else None)

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
        """The dorgu CRDs' printer columns (``Name`` first); date cells are the raw
        timestamps (the API server prints ages)."""
        page = self.list_page(
            kind,
            namespace=namespace,
            all_namespaces=all_namespaces,
            limit=limit,
            continue_token=continue_token,
        )
        columns = _printer_columns(kind.kind)
        rows: list[tuple[JsonObject, list[object]]] = []
        for obj in page.items:
            metadata = dict(_metadata(obj))
            cells: list[object] = [metadata.get("name")]
            if not include_object:
                metadata = {}
            cells += [_at_path(obj, path) for _, path in columns]
            rows.append((metadata, cells))
        return TablePage(["Name", *(name for name, _ in columns)], rows, page.continue_token)

    def replace(self, manifest: Mapping[str, object], *, status: bool = False) -> JsonObject:
        body = copy.deepcopy(dict(manifest))
        self._check(str(body.get("apiVersion", "")))
        key = self._key(body)
        current = self.objects.get(key)
        if current is None:
            raise ClusterError(f"not found (404): update {key[1]}/{key[3]}")
        sent = _metadata(body).get("resourceVersion")
        if sent != _metadata(current).get("resourceVersion"):
            raise ClusterError(
                f"conflict (409): update {key[1]}/{key[3]}: the object changed since it was read",
                hint="someone else updated it; run the command again",
            )
        result = copy.deepcopy(current)
        if status:
            result["status"] = body.get("status", {})
        else:
            result = {**body, "status": current.get("status")} if "status" in current else body
        self._counter += 1
        _metadata(result)["resourceVersion"] = str(self._counter)
        self.objects[key] = copy.deepcopy(result)
        return result

    def whoami(self) -> str | None:
        self._check("v1")
        return self.user

    def delete(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None, dry_run: bool = False
    ) -> bool:
        self._check(kind.api_version)
        key = (kind.api_version, kind.kind, self._ns(kind, namespace), name)
        if key not in self.objects:
            return False
        if not dry_run:
            del self.objects[key]
        return True

    def version(self) -> JsonObject:
        self._check("v1")
        return dict(self.server_version)

    def api_groups(self) -> Names:
        self._check("v1")
        return sorted(self.groups)

    def close(self) -> None:
        self.closed = True

    # -- internals ----------------------------------------------------------------------------

    def _check(self, api_version: str) -> None:
        if self.unreachable:
            raise ClusterError(
                f"cannot reach the cluster at {self.server}: connection refused",
                hint="check --context/KUBECONFIG",
            )
        if api_version.startswith(CRD_GROUP + "/") and not self.crds_installed:
            raise ClusterError(CRDS_MISSING)

    def _ns(self, kind: ResourceKind, namespace: str | None) -> str:
        return (namespace or self.namespace) if kind.namespaced else ""

    def _key(self, obj: Mapping[str, object]) -> Key:
        metadata = _metadata(obj)
        kind = str(obj.get("kind", ""))
        namespace = "" if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "")
        if kind not in CLUSTER_SCOPED and not namespace:
            namespace = self.namespace
            if isinstance(obj.get("metadata"), dict):
                metadata["namespace"] = namespace
        return (str(obj.get("apiVersion", "")), kind, namespace, str(metadata.get("name", "")))


def _metadata(obj: Mapping[str, object]) -> dict[str, object]:
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        return metadata
    if isinstance(obj, dict):
        obj["metadata"] = {}
        return obj["metadata"]  # type: ignore[no-any-return]
    return {}


def _merge(target: object, patch: Mapping[str, object]) -> JsonObject:
    """RFC 7386: ``null`` removes a key, mappings merge, anything else replaces."""
    result = copy.deepcopy(dict(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping):
            result[key] = _merge(result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _json_patch(target: JsonObject, operations: list[object]) -> JsonObject:
    """RFC 6902 ``test``, ``add``, ``replace`` and ``remove`` on object members (enough for
    the tests; a failed test is the API server's 422)."""
    result = copy.deepcopy(target)
    for operation in operations:
        assert isinstance(operation, Mapping)
        *parents, last = [p.replace("~1", "/").replace("~0", "~")
                          for p in str(operation["path"]).split("/")[1:]]  # fmt: skip
        node: object = result
        for part in parents:
            assert isinstance(node, dict)
            node = node.setdefault(part, {})
        assert isinstance(node, dict)
        op = operation["op"]
        if op == "test":
            if node.get(last) != operation.get("value"):
                raise ClusterError(
                    f"the API server rejected patch (422): test failed at {operation['path']}"
                )
        elif op in ("add", "replace"):
            node[last] = copy.deepcopy(operation.get("value"))
        elif op == "remove":
            node.pop(last, None)
    return result


def _printer_columns(kind: str) -> list[tuple[str, str]]:
    """``(name, jsonPath)`` of the printer columns of the dorgu CRD serving ``kind``."""
    from dorgu.crds import crd_files

    for text in crd_files().values():
        crd = yaml.safe_load(text)
        if crd["spec"]["names"]["kind"] == kind:
            version = crd["spec"]["versions"][0]
            return [
                (str(c["name"]), str(c["jsonPath"]))
                for c in version.get("additionalPrinterColumns") or []
            ]
    return []


def _at_path(obj: Mapping[str, object], path: str) -> object:
    value: object = obj
    for part in path.strip(".").split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
