"""The rollback Argo CD's server performs, planned as the exact writes: which history entry,
the ``operation`` to set on the Application, and (only when asked) the change that turns
automated sync off first, with the record of who did it and how to restore it.

Argo CD refuses a rollback while automated sync is on, because the next sync from Git would
redeploy the broken revision; so does this plan unless ``disable_auto_sync`` is given.

Must not do I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dorgu.errors import ConflictError, UsageError
from dorgu.gitops.applications import Application, HistoryEntry

AUTO_SYNC_ANNOTATION = "dorgu.io/auto-sync-disabled"
"""On the Application: JSON ``{by, at, reason, automated}``; ``automated`` is the policy that
was on, so a person can restore it once Git holds a good revision."""
ROLLBACK_ANNOTATION = "dorgu.io/last-rollback"
"""On the Application: JSON ``{by, at, id, revision}`` of the latest rollback dorgu started."""


@dataclass(frozen=True)
class RollbackPlan:
    app: Application
    target: HistoryEntry
    current: HistoryEntry | None
    operation: Mapping[str, object]
    """The value of the Application's ``operation`` field."""
    disable_auto_sync: Mapping[str, object] | None
    """A JSON merge patch turning automated sync off (and recording it), or None."""
    record: Mapping[str, object]
    """A JSON merge patch adding the rollback annotation."""
    noop: bool = False
    """The target is what already runs: nothing to do."""

    def describe(self) -> list[str]:
        """What the plan changes, one line each (for ``--dry-run`` and the log)."""
        where = f"Application {self.app.namespace}/{self.app.name}"
        if self.noop:
            return [f"{where} already runs history entry {self.target.id} "
                    f"(revision {self.target.shown_revision}): nothing to roll back"]  # fmt: skip
        lines = []
        if self.disable_auto_sync is not None:
            lines.append(f"{where}: turn automated sync off (spec.syncPolicy.automated: "
                         f"{_compact(self.app.automated)} -> removed), annotate "
                         f"{AUTO_SYNC_ANNOTATION}")  # fmt: skip
        current = (
            f"entry {self.current.id} ({self.current.shown_revision})" if self.current else "?"
        )
        lines.append(f"{where}: set operation.sync to history entry {self.target.id} "
                     f"(revision {self.target.shown_revision}, deployed "
                     f"{self.target.deployed_at or '?'}), replacing {current}")  # fmt: skip
        lines.append(f"operation: {_compact(self.operation)}")
        return lines


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _target(app: Application, to_id: int | None) -> HistoryEntry:
    where = f"Application {app.namespace}/{app.name}"
    if not app.history:
        raise ConflictError(f"{where} has no deployment history: nothing to roll back to")
    if to_id is not None:
        found = app.entry(to_id)
        if found is None:
            ids = ", ".join(str(e.id) for e in app.history)
            raise UsageError(f"{where} has no history entry {to_id}", hint=f"known ids: {ids}")
        return found
    latest = app.history[-1]
    for entry in reversed(app.history[:-1]):
        if not entry.same_content(latest):
            return entry
    raise ConflictError(
        f"{where}: no earlier revision in its history (it keeps {len(app.history)} entries, "
        "all of the current revision)",
        hint="pass --to-revision ID, or raise spec.revisionHistoryLimit",
    )


def _sync(entry: HistoryEntry, app: Application, *, prune: bool) -> dict[str, object]:
    sync: dict[str, object] = {}
    if entry.sources:
        sync["revisions"] = list(entry.revisions)
        sync["sources"] = [dict(s) for s in entry.sources]
    else:
        sync["revision"] = entry.revision or ""
        sync["source"] = dict(entry.source or {})
    if prune:
        sync["prune"] = True
    if app.sync_options:
        sync["syncOptions"] = list(app.sync_options)
    sync["syncStrategy"] = {"apply": {}}
    return sync


def plan_rollback(
    app: Application,
    *,
    to_id: int | None,
    user: str,
    now: datetime,
    disable_auto_sync: bool = False,
    prune: bool = False,
) -> RollbackPlan:
    """Plan rolling ``app`` back to history entry ``to_id`` (None: the latest entry whose
    revision differs from the current one).  ``ConflictError`` when Argo CD would refuse."""
    where = f"Application {app.namespace}/{app.name}"
    if app.operation_pending:
        raise ConflictError(
            f"{where}: another operation is in progress ({app.operation_phase or 'pending'})",
            hint="wait for it to finish (argocd app wait), or terminate it",
        )
    target = _target(app, to_id)
    if target.source is None and not target.sources:
        raise ConflictError(
            f"{where}: history entry {target.id} records no source (deployed by Argo CD 1.4 "
            "or older); Argo CD cannot roll back to it"
        )
    current = app.history[-1] if app.history else None
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"metadata": {"annotations": {ROLLBACK_ANNOTATION: _compact(
        {"by": user, "at": at, "id": target.id, "revision": target.shown_revision})}}}  # fmt: skip
    operation = {"sync": _sync(target, app, prune=prune), "initiatedBy": {"username": user}}
    if current is not None and target.id == current.id:
        return RollbackPlan(app, target, current, operation, None, record, noop=True)
    disable: dict[str, object] | None = None
    if app.auto_sync:
        if not disable_auto_sync:
            raise ConflictError(
                f"{where}: rollback cannot be initiated when auto-sync is enabled (the next "
                "sync from Git would redeploy the revision you are rolling back from)",
                hint="pass --disable-auto-sync to turn it off first (recorded on the "
                "Application), then fix Git and turn it back on",
            )
        note = {"by": user, "at": at, "reason": f"rollback to history entry {target.id}",
                "automated": dict(app.automated or {})}  # fmt: skip
        disable = {
            "metadata": {"annotations": {AUTO_SYNC_ANNOTATION: _compact(note)}},
            "spec": {"syncPolicy": {"automated": None}},
        }
    return RollbackPlan(app, target, current, operation, disable, record)
