"""Planning Argo CD's rollback: the history entry chosen, the exact ``operation`` Argo CD's
server writes, refusal while auto-sync is on, and the recorded override."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.errors import ConflictError, UsageError
from dorgu.gitops import plan_rollback, read_application
from dorgu.gitops.rollbacks import AUTO_SYNC_ANNOTATION, ROLLBACK_ANNOTATION

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
SOURCE = {"repoURL": "https://git.example.com/shop.git", "path": "deploy", "targetRevision": "main"}


def _entry(i: int, revision: str, **extra: object) -> dict[str, object]:
    return {"id": i, "revision": revision, "deployedAt": f"2026-12-0{i}T10:00:00Z",
            "source": SOURCE, "initiatedBy": {"automated": True}, **extra}  # fmt: skip


def _app(history: list[dict[str, object]], *, automated: object = None,
         **status: object) -> dict[str, object]:  # fmt: skip
    policy: dict[str, object] = {"syncOptions": ["CreateNamespace=true", "ServerSideApply=true"]}
    if automated is not None:
        policy["automated"] = automated
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argocd", "resourceVersion": "42"},
        "spec": {"project": "default", "source": SOURCE, "syncPolicy": policy,
                 "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}},
        "status": {"history": history, "sync": {"status": "Synced", "revision": "c3"},
                   "health": {"status": "Degraded"}, **status},
    }  # fmt: skip


HISTORY = [_entry(1, "a1"), _entry(2, "b2"), _entry(3, "c3")]


def test_previous_is_the_latest_entry_with_another_revision_and_the_operation_is_argos():
    app = read_application(_app(HISTORY))
    plan = plan_rollback(app, to_id=None, user="alice", now=NOW)
    assert plan.target.id == 2 and not plan.noop and plan.disable_auto_sync is None
    assert plan.operation == {
        "sync": {"revision": "b2", "source": SOURCE,
                 "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
                 "syncStrategy": {"apply": {}}},
        "initiatedBy": {"username": "alice"},
    }  # fmt: skip
    note = json.loads(plan.record["metadata"]["annotations"][ROLLBACK_ANNOTATION])  # type: ignore[index]
    assert note == {"by": "alice", "at": "2026-12-08T10:00:00Z", "id": 2, "revision": "b2"}


def test_a_resync_of_the_same_revision_is_skipped_when_looking_for_the_previous_one():
    app = read_application(_app([_entry(1, "a1"), _entry(2, "b2"), _entry(3, "b2")]))
    assert plan_rollback(app, to_id=None, user="u", now=NOW).target.id == 1


def test_multi_source_entries_roll_back_with_revisions_and_sources():
    sources = [SOURCE, {"repoURL": "https://charts.example.com", "chart": "redis",
                        "targetRevision": "19.0.1"}]  # fmt: skip
    multi = [{"id": 7, "revisions": ["a1", "19.0.1"], "sources": sources},
             {"id": 8, "revisions": ["b2", "19.0.2"], "sources": sources}]  # fmt: skip
    plan = plan_rollback(read_application(_app(multi)), to_id=7, user="u", now=NOW, prune=True)
    sync = plan.operation["sync"]
    assert sync["revisions"] == ["a1", "19.0.1"] and sync["sources"] == sources  # type: ignore[index]
    assert "revision" not in sync and "source" not in sync and sync["prune"] is True  # type: ignore[operator,index]


def test_auto_sync_on_is_refused_unless_turning_it_off_is_asked_for_and_then_recorded():
    automated = {"prune": True, "selfHeal": True}
    app = read_application(_app(HISTORY, automated=automated))
    with pytest.raises(ConflictError, match="auto-sync is enabled") as caught:
        plan_rollback(app, to_id=None, user="alice", now=NOW)
    assert caught.value.exit_code == 9 and "--disable-auto-sync" in (caught.value.hint or "")
    plan = plan_rollback(app, to_id=None, user="alice", now=NOW, disable_auto_sync=True)
    assert plan.disable_auto_sync is not None
    assert plan.disable_auto_sync["spec"] == {"syncPolicy": {"automated": None}}
    note = json.loads(plan.disable_auto_sync["metadata"]["annotations"][AUTO_SYNC_ANNOTATION])  # type: ignore[index]
    assert note["by"] == "alice" and note["automated"] == automated
    assert any("turn automated sync off" in line for line in plan.describe())


def test_automated_with_enabled_false_is_not_auto_sync():
    app = read_application(_app(HISTORY, automated={"enabled": False}))
    assert not app.auto_sync
    assert plan_rollback(app, to_id=None, user="u", now=NOW).disable_auto_sync is None


@pytest.mark.parametrize(
    ("obj", "to_id", "error", "match"),
    [
        (_app([]), None, ConflictError, "no deployment history"),
        (_app([_entry(1, "a1"), _entry(2, "a1")]), None, ConflictError, "no earlier revision"),
        (_app(HISTORY), 9, UsageError, "no history entry 9"),
        (_app([{"id": 1, "revision": "a1"}, _entry(2, "b2")]), 1, ConflictError, "no source"),
        ({**_app(HISTORY), "operation": {"sync": {}}}, None, ConflictError, "in progress"),
        (_app(HISTORY, operationState={"phase": "Running"}), None, ConflictError, "in progress"),
    ],
)
def test_what_argo_cd_would_refuse_is_refused(obj, to_id, error, match):
    with pytest.raises(error, match=match):
        plan_rollback(read_application(obj), to_id=to_id, user="u", now=NOW)


def test_rolling_back_to_the_current_entry_is_a_noop():
    plan = plan_rollback(read_application(_app(HISTORY)), to_id=3, user="u", now=NOW)
    assert plan.noop and "nothing to roll back" in plan.describe()[0]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c,
                                                                         max_size=4),
                    max_leaves=20))  # fmt: skip
def test_junk_applications_read_without_raising(junk):
    obj = {"metadata": junk, "spec": junk, "status": {"history": junk, "sync": junk}}
    app = read_application(obj)
    with contextlib.suppress(ConflictError, UsageError):
        plan_rollback(app, to_id=None, user="u", now=NOW)
