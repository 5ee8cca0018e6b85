"""Which Argo CD Application deploys a persona's app, and what the persona's
``status.argoCD`` says about it.

The link, in order: an Application whose ``status.resources`` lists one of the persona's
workloads (the strongest evidence: Argo CD manages it); else an Application named like the
persona whose destination namespace is the persona's.  Several candidates: the first by
namespace and name, so the choice is stable.

Must not do I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from dorgu.gitops.applications import Application
from dorgu.gitops.rollbacks import AUTO_SYNC_ANNOTATION

HISTORY_KEPT = 10
MESSAGE_LENGTH = 512


def find_link(
    *,
    namespace: str,
    name: str,
    workloads: Sequence[tuple[str, str]],
    applications: Iterable[Application],
) -> Application | None:
    """The Application deploying the persona ``namespace/name`` whose workloads are
    ``(kind, name)`` pairs, or None."""
    ordered = sorted(applications, key=lambda a: (a.namespace, a.name))
    for app in ordered:
        if any(app.manages(kind, namespace, workload) for kind, workload in workloads):
            return app
    for app in ordered:
        if app.name == name and app.destination_namespace == namespace:
            return app
    return None


def argo_status(app: Application) -> dict[str, object]:
    """The persona's ``status.argoCD`` for ``app`` (wire names, ``None`` where unknown, so a
    JSON merge patch clears what no longer holds)."""
    override: object = None
    note = app.annotations.get(AUTO_SYNC_ANNOTATION)
    if not app.auto_sync and isinstance(note, str):
        try:
            parsed = json.loads(note)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            override = {k: str(parsed.get(k) or "")[:256] for k in ("by", "at", "reason")}
    return {
        "applicationName": app.name,
        "applicationNamespace": app.namespace,
        "syncStatus": app.sync_status if app.sync_status in ("Synced", "OutOfSync") else "Unknown",
        "healthStatus": app.health_status or "Unknown",
        "revision": (app.revision or ",".join(app.revisions) or None),
        "lastSyncTime": app.operation_finished_at,
        "autoSync": app.auto_sync,
        "operationPhase": app.operation_phase,
        "operationMessage": (app.operation_message or "")[:MESSAGE_LENGTH] or None,
        "history": [
            {"id": e.id, "revision": e.shown_revision[:512], "deployedAt": e.deployed_at}
            for e in app.history[-HISTORY_KEPT:]
        ],
        "autoSyncDisabled": override,
    }
