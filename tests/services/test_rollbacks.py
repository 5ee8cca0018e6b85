"""``services.rollbacks`` with the in-memory cluster: which deployer is used, what is written
and recorded, and the application controller's part played by the test (through ``sleep``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dorgu.clients import FakeKube
from dorgu.errors import ConflictError, UsageError
from dorgu.services.rollbacks import APPLICATIONS, RollbackRequest, rollback
from tests.gitops.test_rollbacks import HISTORY, _app
from tests.gitops.test_undoing import RS, _deployment

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
GROUPS = ["apps/v1", "v1", "argoproj.io/v1alpha1", "dorgu.io/v1"]


def _kube(*objects: dict[str, object], groups: list[str] = GROUPS) -> FakeKube:
    kube = FakeKube(namespace="shop", groups=list(groups), user="alice")
    for obj in objects:
        kube.add(obj)
    return kube


def _persona() -> dict[str, object]:
    return {"apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona",
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {"name": "shop", "type": "api"}, "status": {"phase": "Active"}}  # fmt: skip


def _controller(kube: FakeKube, phase: str = "Succeeded"):
    """A ``sleep`` that plays Argo CD's application controller: takes up the operation."""

    def sleep(seconds: float) -> None:
        key = ("argoproj.io/v1alpha1", "Application", "argocd", "shop")
        app = kube.objects[key]
        operation = app.pop("operation", None)
        if operation is not None:
            app["status"]["operationState"] = {  # type: ignore[index]
                "operation": operation, "phase": phase, "message": f"sync {phase.lower()}",
                "startedAt": "2026-12-08T10:00:01Z", "finishedAt": "2026-12-08T10:00:05Z",
            }  # fmt: skip

    return sleep


def _request(**options: object) -> RollbackRequest:
    return RollbackRequest(name="shop", namespace="shop", poll_seconds=0, **options)  # type: ignore[arg-type]


def test_an_argo_application_is_rolled_back_followed_and_recorded_everywhere():
    app = _app(HISTORY)
    kube = _kube(app, _persona())
    outcome = rollback(_request(), client=kube, clock=lambda: NOW, sleep=_controller(kube))
    assert (outcome.via, outcome.target, outcome.phase) == ("argocd", "2", "Succeeded")
    stored = kube.get(APPLICATIONS, "shop", namespace="argocd")
    assert stored is not None
    taken = stored["status"]["operationState"]["operation"]  # type: ignore[index]
    assert taken["sync"]["revision"] == "b2" and taken["initiatedBy"] == {"username": "alice"}
    assert "dorgu.io/last-rollback" in stored["metadata"]["annotations"]  # type: ignore[index]
    events = [o for k, o in kube.objects.items() if k[1] == "Event"]
    assert [e["reason"] for e in events] == ["RollbackInitiated"]
    assert "alice" in str(events[0]["message"])
    persona = kube.objects[("dorgu.io/v1", "ApplicationPersona", "shop", "shop")]
    assert persona["status"]["rollback"]["phase"] == "Succeeded"  # type: ignore[index]
    assert persona["status"]["argoCD"]["applicationName"] == "shop"  # type: ignore[index]
    assert persona["status"]["phase"] == "Active"  # the rest of the status kept


def test_auto_sync_refusal_changes_nothing_and_the_override_is_recorded():
    kube = _kube(_app(HISTORY, automated={"selfHeal": True}), _persona())
    with pytest.raises(ConflictError, match="auto-sync is enabled"):
        rollback(_request(), client=kube, clock=lambda: NOW, sleep=_controller(kube))
    assert kube.patched == [] and not [k for k in kube.objects if k[1] == "Event"]
    outcome = rollback(_request(disable_auto_sync=True), client=kube, clock=lambda: NOW,
                       sleep=_controller(kube))  # fmt: skip
    assert outcome.phase == "Succeeded"
    stored = kube.get(APPLICATIONS, "shop", namespace="argocd") or {}
    assert "automated" not in stored["spec"]["syncPolicy"]  # type: ignore[index,operator]
    note = json.loads(stored["metadata"]["annotations"]["dorgu.io/auto-sync-disabled"])  # type: ignore[index]
    assert note["automated"] == {"selfHeal": True} and note["by"] == "alice"
    reasons = sorted(str(o["reason"]) for k, o in kube.objects.items() if k[1] == "Event")
    assert reasons == ["AutoSyncDisabled", "RollbackInitiated"]
    persona = kube.objects[("dorgu.io/v1", "ApplicationPersona", "shop", "shop")]
    assert persona["status"]["argoCD"]["autoSyncDisabled"]["by"] == "alice"  # type: ignore[index]


def test_dry_run_writes_nothing_and_a_failed_sync_is_reported():
    kube = _kube(_app(HISTORY))
    outcome = rollback(_request(dry_run=True), client=kube, clock=lambda: NOW)
    assert outcome.dry_run and kube.patched == [] and any("operation" in x for x in outcome.lines)
    outcome = rollback(_request(), client=kube, clock=lambda: NOW,
                       sleep=_controller(kube, "Failed"))  # fmt: skip
    assert outcome.phase == "Failed" and outcome.message == "sync failed"


def test_an_application_found_by_its_managed_resources():
    app = _app(HISTORY, resources=[{"kind": "Deployment", "namespace": "shop", "name": "web"}])
    app["metadata"]["name"] = "storefront"  # type: ignore[index]
    kube = _kube(app)
    outcome = rollback(RollbackRequest(name="web", namespace="shop", dry_run=True), client=kube,
                       clock=lambda: NOW)  # fmt: skip
    assert outcome.via == "argocd" and "storefront" in outcome.lines[0]


def test_without_argo_cd_the_deployment_is_undone_and_recorded():
    kube = _kube(_deployment("web:3", 3), *RS, groups=["apps/v1", "v1"])
    request = RollbackRequest(name="web", namespace="shop")
    outcome = rollback(request, client=kube, clock=lambda: NOW)
    assert (outcome.via, outcome.target, outcome.phase) == ("replicaset", "2", "Applied")
    stored = kube.objects[("apps/v1", "Deployment", "shop", "web")]
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == "web:2"  # type: ignore[index]
    assert [o["reason"] for k, o in kube.objects.items() if k[1] == "Event"] == [
        "RollbackInitiated"
    ]


def test_a_deployment_argo_cd_tracks_is_not_undone_behind_its_back():
    deployment = _deployment("web:3", 3)
    deployment["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] = (
        "shop:apps/Deployment:shop/web"  # type: ignore[index]
    )
    kube = _kube(deployment, *RS, groups=["apps/v1", "v1"])
    with pytest.raises(ConflictError, match="managed by Argo CD"):
        rollback(RollbackRequest(name="web", namespace="shop"), client=kube, clock=lambda: NOW)
    assert kube.patched == []


def test_nothing_by_that_name_is_a_usage_error():
    with pytest.raises(UsageError, match="no Argo CD Application and no Deployment"):
        rollback(RollbackRequest(name="nope", namespace="shop"), client=_kube(),
                 clock=lambda: NOW)  # fmt: skip
