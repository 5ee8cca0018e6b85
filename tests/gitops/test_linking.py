"""Which Application deploys a persona, and the persona's ``status.argoCD`` from it."""

from __future__ import annotations

import json

from dorgu.gitops import read_application
from dorgu.gitops.linking import argo_status, find_link
from tests.gitops.test_rollbacks import HISTORY, _app


def _named(name: str, namespace: str = "argocd", **status: object):
    obj = _app(HISTORY, **status)
    obj["metadata"] = {"name": name, "namespace": namespace}
    return read_application(obj)


def test_managed_resources_win_over_names_and_the_choice_is_stable():
    by_name = _named("shop")  # destination namespace "shop" (from _app)
    managing = _named("z-platform", resources=[{"kind": "Deployment", "namespace": "shop",
                                                "name": "web"}])  # fmt: skip
    found = find_link(namespace="shop", name="shop", workloads=[("Deployment", "web")],
                      applications=[by_name, managing])  # fmt: skip
    assert found is managing
    found = find_link(namespace="shop", name="shop", workloads=[("Deployment", "api")],
                      applications=[managing, by_name])  # fmt: skip
    assert found is by_name
    assert find_link(namespace="other", name="shop", workloads=[], applications=[by_name]) is None


def test_the_status_is_bounded_and_says_when_dorgu_turned_auto_sync_off():
    history = [{"id": i, "revision": f"r{i}", "source": {}} for i in range(1, 15)]
    obj = _app(history, operationState={"phase": "Failed", "message": "x" * 2000,
                                        "finishedAt": "2026-12-08T10:00:00Z"})  # fmt: skip
    note = {"by": "alice", "at": "2026-12-08T09:00:00Z", "reason": "rollback", "automated": {}}
    obj["metadata"]["annotations"] = {"dorgu.io/auto-sync-disabled": json.dumps(note)}  # type: ignore[index]
    status = argo_status(read_application(obj))
    assert [h["id"] for h in status["history"]] == list(range(5, 15))  # type: ignore[index,union-attr]
    assert len(status["operationMessage"]) == 512  # type: ignore[arg-type]
    assert status["syncStatus"] == "Synced" and status["healthStatus"] == "Degraded"
    assert status["lastSyncTime"] == "2026-12-08T10:00:00Z" and status["revision"] == "c3"
    assert status["autoSyncDisabled"] == {"by": "alice", "at": "2026-12-08T09:00:00Z",
                                          "reason": "rollback"}  # fmt: skip
    obj["spec"]["syncPolicy"]["automated"] = {"selfHeal": True}  # type: ignore[index]
    assert argo_status(read_application(obj))["autoSyncDisabled"] is None  # back on: cleared
