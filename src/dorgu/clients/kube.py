"""The narrow Kubernetes interface the services use (``KubeClient``), the resource kinds it
knows by name, and ``connect`` to get the real adapter (``kubeapi.LightkubeClient``).  Unit tests
use ``kubefakes.FakeKube``; every feature is also proven against the testbed.

Objects cross this boundary as plain JSON mappings (``JsonObject``), never lightkube models, so
no caller depends on the client library.  Every failure is a one-line ``ClusterError``.

Must not know about personas beyond their resource names, print, or read settings files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from dorgu.errors import ToolchainError

JsonObject = dict[str, object]
JsonList = list[JsonObject]
Names = list[str]
DEFAULT_PAGE_SIZE = 500
FIELD_MANAGER = "dorgu"
"""The server-side apply field manager of everything the CLI applies."""
CRD_GROUP = "dorgu.io"
CRDS_MISSING = "the dorgu CRDs are not installed: run `dorgu cluster init`"
DEFAULT_TIMEOUT_SECONDS = 10.0
PatchKind = Literal["merge", "json"]


@dataclass(frozen=True)
class ConnectionOptions:
    """What the user chose; None means "as kubectl would decide" (``KUBECONFIG``, the
    in-cluster account, ``~/.kube/config``; the context's namespace)."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and the token for the next page (None after the last)."""

    items: JsonList
    continue_token: str | None


@dataclass(frozen=True)
class TablePage:
    """One page of a list in the API server's ``Table`` form: the column names (the CRD's
    printer columns, ``Name`` first), one row per object (its metadata and cells, in column
    order), and the token for the next page."""

    columns: list[str]
    rows: list[tuple[JsonObject, list[object]]]
    continue_token: str | None


@dataclass(frozen=True)
class ResourceKind:
    """A resource type: ``apiVersion``, ``kind``, plural and scope."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def resource(self) -> str:
        """``applicationpersonas.dorgu.io`` (``nodes`` for the core group): for messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


APPLICATION_PERSONAS = ResourceKind(
    "dorgu.io/v1", "ApplicationPersona", "applicationpersonas", namespaced=True
)
CLUSTER_PERSONAS = ResourceKind("dorgu.io/v1", "ClusterPersona", "clusterpersonas", False)
NAMESPACES = ResourceKind("v1", "Namespace", "namespaces", namespaced=False)
NODES = ResourceKind("v1", "Node", "nodes", namespaced=False)
DEPLOYMENTS = ResourceKind("apps/v1", "Deployment", "deployments", namespaced=True)
INCIDENT_MEMORIES = ResourceKind("dorgu.io/v1", "IncidentMemory", "incidentmemories", True)
CUSTOM_RESOURCE_DEFINITIONS = ResourceKind(
    "apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", False
)


class KubeClient(Protocol):
    """What dorgu asks of a cluster.  Implementations raise only ``ClusterError``."""

    @property
    def server(self) -> str:
        """The API server URL (for messages)."""
        ...

    @property
    def namespace(self) -> str:
        """The default namespace (``--namespace``, else the context's, else ``default``)."""
        ...

    def apply(
        self,
        manifest: Mapping[str, object],
        *,
        dry_run: bool = False,
        force: bool = False,
        status: bool = False,
    ) -> JsonObject:
        """Server-side apply ``manifest`` with field manager ``dorgu`` (to the status
        subresource when ``status``); a namespaced object without ``metadata.namespace`` goes
        to the default namespace.  Returns the object as the server has (or would have) it."""
        ...

    def get(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None
    ) -> JsonObject | None:
        """The object, or None when it does not exist (a missing CRD is a ``ClusterError``)."""
        ...

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
        """A JSON merge patch (RFC 7386, ``body`` a mapping) or JSON patch (RFC 6902, ``body``
        a list; a failed ``test`` is a ``ClusterError``) of one object, or of its status."""
        ...

    def create(self, manifest: Mapping[str, object], *, dry_run: bool = False) -> JsonObject:
        """Create ``manifest`` (POST; ``metadata.generateName`` works); the object created, or
        the reply of a create-only review kind (``SelfSubjectReview`` ...).  A ``ClusterError``
        when it exists (409)."""
        ...

    def list(
        self, kind: ResourceKind, *, namespace: str | None = None, all_namespaces: bool = False
    ) -> JsonList:
        """Objects of ``kind`` in ``namespace`` (default namespace), all namespaces, or the
        cluster (cluster-scoped kinds)."""
        ...

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
        """One page (at most ``limit`` objects) of a list, as the API server's ``limit`` and
        ``continue`` give it; pass the page's ``continue_token`` back for the next one."""
        ...

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
        """Like ``list_page``, but the server prints each object's columns (``kubectl get``'s
        table): a few hundred bytes per object instead of the whole object.  Without
        ``include_object`` the rows carry no metadata (an empty mapping): smaller still."""
        ...

    def replace(self, manifest: Mapping[str, object], *, status: bool = False) -> JsonObject:
        """Update the object (PUT; to the status subresource when ``status``) with optimistic
        concurrency: ``metadata.resourceVersion`` must be the one read, else a ``ClusterError``
        says the object changed (409)."""
        ...

    def whoami(self) -> str | None:
        """The caller's user name as the API server authenticates it (a SelfSubjectReview),
        else the kubeconfig's user name, else None."""
        ...

    def delete(
        self, kind: ResourceKind, name: str, *, namespace: str | None = None, dry_run: bool = False
    ) -> bool:
        """Delete the object; False when it did not exist."""
        ...

    def version(self) -> JsonObject:
        """The API server's ``/version`` document (``gitVersion``, ``platform`` ...)."""
        ...

    def api_groups(self) -> Names:
        """Every served ``group/version`` (``v1`` for the core group), sorted."""
        ...

    def close(self) -> None: ...


def connect(options: ConnectionOptions) -> KubeClient:
    """The real client for ``options`` (``ClusterError`` when no configuration is usable).
    Nothing is sent to the server until the first call."""
    try:
        from dorgu.clients.kubeapi import LightkubeClient
        from dorgu.clients.kubeconfigs import resolve_connection
    except ImportError as error:
        raise ToolchainError(
            f"this command needs the Python package {error.name!r}, which is not installed",
            hint="pip install 'dorgu[cluster]'",
        ) from error
    return LightkubeClient(resolve_connection(options), timeout_seconds=options.timeout_seconds)
