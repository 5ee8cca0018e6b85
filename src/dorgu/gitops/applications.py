"""An Argo CD ``Application`` (``argoproj.io/v1alpha1``) as dorgu reads it: identity, whether
automated sync is on, the sync options, the deployment history, and the live sync/health/
operation state.  The field names and enums are Argo CD 3.x's (see ``../shared/argocd``).

Unknown or mistyped fields read as missing; nothing here raises.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

JsonMap = Mapping[str, object]


def _map(value: object) -> JsonMap:
    return value if isinstance(value, Mapping) else {}


def _maps(value: object) -> tuple[JsonMap, ...]:
    return tuple(v for v in value if isinstance(v, Mapping)) if isinstance(value, list) else ()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True)
class HistoryEntry:
    """One ``status.history[]`` entry: what was deployed, from which source(s)."""

    id: int
    revision: str | None
    revisions: tuple[str, ...]
    source: JsonMap | None
    sources: tuple[JsonMap, ...]
    deployed_at: str | None
    initiated_by: str | None

    @property
    def shown_revision(self) -> str:
        """The revision for messages (the revisions joined for a multi-source entry)."""
        return self.revision or ",".join(self.revisions) or "?"

    def same_content(self, other: HistoryEntry) -> bool:
        return (self.revision, self.revisions) == (other.revision, other.revisions)


@dataclass(frozen=True)
class Application:
    name: str
    namespace: str
    resource_version: str | None
    auto_sync: bool
    automated: JsonMap | None
    """``spec.syncPolicy.automated`` as written (kept to restore it later)."""
    sync_options: tuple[str, ...]
    history: tuple[HistoryEntry, ...]
    sync_status: str | None
    health_status: str | None
    revision: str | None
    revisions: tuple[str, ...]
    operation_phase: str | None
    operation_message: str | None
    operation_pending: bool
    """An ``operation`` is set and not yet taken up (or still running)."""
    operation_finished_at: str | None = None
    destination_namespace: str | None = None
    resources: tuple[tuple[str, str, str], ...] = field(default=())
    """``(kind, namespace, name)`` of the managed objects in ``status.resources``."""
    annotations: JsonMap = field(default_factory=dict)

    def entry(self, history_id: int) -> HistoryEntry | None:
        return next((e for e in self.history if e.id == history_id), None)

    def manages(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self.resources


def _automated_on(policy: JsonMap) -> tuple[bool, JsonMap | None]:
    automated = policy.get("automated")
    if not isinstance(automated, Mapping):
        return False, None
    enabled = automated.get("enabled")  # Argo CD 3.x: enabled defaults to true when set
    return (enabled is not False), automated


def _history(status: JsonMap) -> tuple[HistoryEntry, ...]:
    entries = []
    for raw in _maps(status.get("history")):
        history_id = raw.get("id")
        if not isinstance(history_id, int) or isinstance(history_id, bool):
            continue
        source = raw.get("source")
        entries.append(
            HistoryEntry(
                id=history_id,
                revision=_text(raw.get("revision")),
                revisions=_texts(raw.get("revisions")),
                source=_map(source) if isinstance(source, Mapping) and source else None,
                sources=_maps(raw.get("sources")),
                deployed_at=_text(raw.get("deployedAt")),
                initiated_by=_text(_map(raw.get("initiatedBy")).get("username")),
            )
        )
    return tuple(sorted(entries, key=lambda e: e.id))


def read_application(obj: JsonMap) -> Application:
    """The ``Application`` in ``obj`` (an object as the API server returns it)."""
    meta, spec, status = _map(obj.get("metadata")), _map(obj.get("spec")), _map(obj.get("status"))
    policy = _map(spec.get("syncPolicy"))
    auto_sync, automated = _automated_on(policy)
    sync, health = _map(status.get("sync")), _map(status.get("health"))
    state = _map(status.get("operationState"))
    phase = _text(state.get("phase"))
    resources = tuple(
        sorted(
            (str(r.get("kind") or ""), str(r.get("namespace") or ""), str(r.get("name") or ""))
            for r in _maps(status.get("resources"))
        )
    )
    return Application(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        resource_version=_text(meta.get("resourceVersion")),
        auto_sync=auto_sync,
        automated=automated,
        sync_options=_texts(policy.get("syncOptions")),
        history=_history(status),
        sync_status=_text(sync.get("status")),
        health_status=_text(health.get("status")),
        revision=_text(sync.get("revision")),
        revisions=_texts(sync.get("revisions")),
        operation_phase=phase,
        operation_message=_text(state.get("message")),
        operation_pending=isinstance(obj.get("operation"), Mapping)
        or phase in ("Running", "Terminating"),
        operation_finished_at=_text(state.get("finishedAt")),
        destination_namespace=_text(_map(spec.get("destination")).get("namespace")),
        resources=resources,
        annotations=_map(meta.get("annotations")),
    )
