"""``dorgu rollback`` against the testbed API server with Argo CD's real Application CRD
installed; the test plays Argo CD's application controller (it takes up ``operation`` and
writes ``status.operationState``, as the controller does: Applications have no status
subresource).  Also the ReplicaSet undo path with the real Deployment controller."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Event, Namespace
from lightkube.types import PatchType

from tests.cli.running import dorgu
from tests.operator.cluster_support import install_crds

CRD = Path(__file__).parent / "data" / "argocd" / "application-crd.yaml"
FLUX_CRD = (
    Path(__file__).parent / "data" / "flux" / "kustomize.toolkit.fluxcd.io_kustomizations.yaml"
)
Kustomization = create_namespaced_resource("kustomize.toolkit.fluxcd.io", "v1", "Kustomization",
                                           "kustomizations")  # fmt: skip
Application = create_namespaced_resource("argoproj.io", "v1alpha1", "Application", "applications")
Persona = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")
SOURCE = {"repoURL": "https://git.example.com/shop.git", "path": "deploy", "targetRevision": "main"}
CHART = {"repoURL": "https://charts.example.com", "chart": "redis", "targetRevision": "19.0.2"}
ADMIN = "dorgu-admin"


@pytest.fixture(scope="module")
def argo(testbed) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    kube = testbed.client()
    install_crds(kube)
    for path in (CRD, FLUX_CRD):
        crd = yaml.safe_load(path.read_text())
        kube.apply(codecs.from_dict(crd), force=True)
        deadline = time.monotonic() + 30
        while not any(
            c.type == "Established" and c.status == "True"
            for c in (kube.get(CustomResourceDefinition, crd["metadata"]["name"]).status
                      .conditions or [])
        ):  # fmt: skip
            assert time.monotonic() < deadline, f"{path.name} never became Established"
            time.sleep(0.2)
    yield kube
    kube.close()


@pytest.fixture
def spaces(argo: Client) -> Iterator[tuple[str, str]]:
    """(app namespace, Argo CD namespace), deleted after the test."""
    names = (f"t-{uuid.uuid4().hex[:8]}", f"argocd-{uuid.uuid4().hex[:8]}")
    for name in names:
        argo.create(Namespace(metadata=ObjectMeta(name=name)))
    yield names
    for name in names:
        argo.delete(Namespace, name)


def _history(multi: bool) -> list[dict[str, Any]]:
    entries = []
    for i, (rev, chart) in enumerate([("a1", "19.0.0"), ("b2", "19.0.1"), ("c3", "19.0.2")], 1):
        entry: dict[str, Any] = {"id": i, "deployedAt": f"2026-12-0{i}T10:00:00Z",
                                 "deployStartedAt": f"2026-12-0{i}T09:59:00Z",
                                 "initiatedBy": {"automated": True}}  # fmt: skip
        if multi:
            entry["revisions"] = [rev, chart]
            entry["sources"] = [SOURCE, {**CHART, "targetRevision": chart}]
        else:
            entry["revision"], entry["source"] = rev, SOURCE
        entries.append(entry)
    return entries


def _application(argo: Client, space: tuple[str, str], *, automated: bool, multi: bool) -> None:
    app_ns, argo_ns = space
    spec: dict[str, Any] = {
        "project": "default",
        "destination": {"server": "https://kubernetes.default.svc", "namespace": app_ns},
        "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
    }
    if multi:
        spec["sources"] = [SOURCE, CHART]
    else:
        spec["source"] = SOURCE
    if automated:
        spec["syncPolicy"]["automated"] = {"prune": True, "selfHeal": True}
    argo.create(Application(metadata=ObjectMeta(name="shop", namespace=argo_ns), spec=spec))
    status = {"history": _history(multi), "sync": {"status": "Synced", "revision": "c3"},
              "health": {"status": "Degraded"},
              "resources": [{"group": "apps", "version": "v1", "kind": "Deployment",
                             "namespace": app_ns, "name": "shop"}]}  # fmt: skip
    argo.patch(Application, "shop", {"status": status}, namespace=argo_ns,
               patch_type=PatchType.MERGE)  # fmt: skip


class Controller:
    """Plays Argo CD's application controller: takes up ``operation`` and reports its end."""

    def __init__(self, kube: Client, namespace: str, phase: str = "Succeeded") -> None:
        self.kube, self.namespace, self.phase = kube, namespace, phase
        self.taken: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Controller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            app = self.kube.get(Application, "shop", namespace=self.namespace)
            operation = app.get("operation")
            if not operation:
                continue
            self.taken.append(operation)
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            state = {"operation": operation, "phase": self.phase, "message": "sync done",
                     "startedAt": now, "finishedAt": now}  # fmt: skip
            self.kube.patch(Application, "shop", {"operation": None,
                                                   "status": {"operationState": state}},
                            namespace=self.namespace, patch_type=PatchType.MERGE)  # fmt: skip


def _persona(argo: Client, namespace: str) -> None:
    argo.create(Persona(metadata=ObjectMeta(name="shop", namespace=namespace),
                        spec={"name": "shop", "type": "api"}))  # fmt: skip


def _reasons(argo: Client, namespace: str) -> list[str]:
    return sorted(e.reason or "" for e in argo.list(Event, namespace=namespace))


def test_auto_sync_refusal_then_the_recorded_override_and_a_followed_rollback(
    argo: Client, spaces: tuple[str, str], testbed
) -> None:  # type: ignore[no-untyped-def]
    app_ns, argo_ns = spaces
    _application(argo, spaces, automated=True, multi=False)
    _persona(argo, app_ns)
    base = ["rollback", "shop", "-n", app_ns, "--app-namespace", argo_ns,
            "--kubeconfig", str(testbed.kubeconfig)]  # fmt: skip
    before = argo.get(Application, "shop", namespace=argo_ns).metadata.resourceVersion
    refused = dorgu(*base)
    assert refused.exit_code == 9, refused.output
    assert "auto-sync is enabled" in refused.output and "--disable-auto-sync" in refused.output
    assert argo.get(Application, "shop", namespace=argo_ns).metadata.resourceVersion == before

    dry = dorgu(*base, "--disable-auto-sync", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would: Application" in dry.output and '"revision":"b2"' in dry.output
    assert argo.get(Application, "shop", namespace=argo_ns).metadata.resourceVersion == before

    with Controller(argo, argo_ns) as controller:
        done = dorgu(*base, "--disable-auto-sync", "--timeout", "60s")
    assert done.exit_code == 0, done.output
    assert "rollback Succeeded" in done.output
    (operation,) = controller.taken
    assert operation["sync"]["revision"] == "b2" and operation["sync"]["source"] == SOURCE
    assert operation["sync"]["syncOptions"] == ["CreateNamespace=true"]
    assert operation["initiatedBy"] == {"username": ADMIN}
    app = argo.get(Application, "shop", namespace=argo_ns)
    assert "automated" not in app["spec"]["syncPolicy"]
    note = json.loads(app.metadata.annotations["dorgu.io/auto-sync-disabled"])
    assert note["by"] == ADMIN and note["automated"] == {"prune": True, "selfHeal": True}
    assert _reasons(argo, argo_ns) == ["AutoSyncDisabled", "RollbackInitiated"]
    status = argo.get(Persona, "shop", namespace=app_ns)["status"]
    assert status["rollback"]["phase"] == "Succeeded" and status["rollback"]["target"] == "2"
    assert status["argoCD"]["autoSyncDisabled"]["by"] == ADMIN


def test_a_multi_source_application_rolls_back_to_a_chosen_entry(
    argo: Client, spaces: tuple[str, str], testbed
) -> None:  # type: ignore[no-untyped-def]
    app_ns, argo_ns = spaces
    _application(argo, spaces, automated=False, multi=True)
    with Controller(argo, argo_ns, phase="Failed") as controller:
        result = dorgu("rollback", "shop", "-n", app_ns, "--app-namespace", argo_ns,
                       "--to-revision", "1", "-o", "json", "--kubeconfig", str(testbed.kubeconfig))  # fmt: skip
    assert result.exit_code == 1, result.output  # the controller reported the sync failed
    report = json.loads(result.output)
    assert report["phase"] == "Failed" and report["via"] == "argocd"
    (operation,) = controller.taken
    assert operation["sync"]["revisions"] == ["a1", "19.0.0"]
    assert operation["sync"]["sources"][1]["targetRevision"] == "19.0.0"


def test_without_an_application_the_deployment_is_undone(
    argo: Client, spaces: tuple[str, str], testbed, eventually
) -> None:  # type: ignore[no-untyped-def]
    app_ns, _ = spaces
    labels = {"app": "web"}
    argo.create(Deployment.from_dict({
        "metadata": {"name": "web", "namespace": app_ns},
        "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": "web:1"}]}}},
    }))  # fmt: skip

    def revision() -> str:
        d = argo.get(Deployment, "web", namespace=app_ns)
        return (d.metadata.annotations or {}).get("deployment.kubernetes.io/revision", "")

    eventually(lambda: revision() == "1")
    argo.patch(Deployment, "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "web:2"}]}}}}, namespace=app_ns)  # fmt: skip
    eventually(lambda: revision() == "2")
    base = ["rollback", "web", "-n", app_ns, "--kubeconfig", str(testbed.kubeconfig)]
    dry = dorgu(*base, "--dry-run")
    assert dry.exit_code == 0 and "revision 1" in dry.output, dry.output
    result = dorgu(*base)
    assert result.exit_code == 0, result.output
    assert "rollback Applied" in result.output
    eventually(lambda: revision() == "3")  # the controller made the old template revision 3
    image = argo.get(Deployment, "web", namespace=app_ns).spec.template.spec.containers[0].image
    assert image == "web:1"
    assert "RollbackInitiated" in _reasons(argo, app_ns)
    again = dorgu(*base, "--to-revision", "9")
    assert again.exit_code == 2 and "no revision 9" in again.output


def test_the_operator_keeps_the_persona_linked_to_its_application(
    argo: Client, spaces: tuple[str, str], testbed, eventually, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.operator.cluster_support import OperatorProcess, deployment, persona

    app_ns, argo_ns = spaces
    web = deployment("web", replicas=0)
    web["metadata"].setdefault("labels", {}).update({
        "kustomize.toolkit.fluxcd.io/name": "apps",
        "kustomize.toolkit.fluxcd.io/namespace": argo_ns})  # fmt: skip
    argo.create(codecs.from_dict(web), namespace=app_ns)
    argo.create(Kustomization(metadata=ObjectMeta(name="apps", namespace=argo_ns),
                              spec={"interval": "5m", "path": "./apps", "prune": True,
                                    "sourceRef": {"kind": "GitRepository", "name": "repo"}}))  # fmt: skip
    argo.patch(Kustomization.Status, "apps", {"status": {"lastAppliedRevision": "main@sha1:abc",
               "conditions": [{"type": "Ready", "status": "False", "reason": "HealthCheckFailed",
                               "message": "timeout waiting for web",
                               "lastTransitionTime": "2026-12-08T10:00:00Z"}]}},
               namespace=argo_ns, patch_type=PatchType.MERGE)  # fmt: skip
    argo.create(codecs.from_dict(persona("web")), namespace=app_ns)
    _application(argo, spaces, automated=True, multi=False)
    argo.patch(Application, "shop", {"status": {"resources": [
        {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": app_ns,
         "name": "web"}]}}, namespace=argo_ns, patch_type=PatchType.MERGE)  # fmt: skip
    home = f"dorgu-op-{uuid.uuid4().hex[:6]}"
    argo.create(Namespace(metadata=ObjectMeta(name=home)))
    process = OperatorProcess(kubeconfig=testbed.kubeconfig, namespace=home,
                              log=tmp_path / "operator.log", configuration=f"dorgu-test-{home}",
                              extra=("--no-webhook",))  # fmt: skip

    def linked() -> dict[str, Any]:
        return (argo.get(Persona, "web", namespace=app_ns).get("status") or {}).get("argoCD") or {}

    try:
        process.wait_ready()
        link = eventually(lambda: linked().get("applicationName") == "shop" and linked(),
                          timeout=60)  # fmt: skip
        assert link["applicationNamespace"] == argo_ns and link["syncStatus"] == "Synced"
        assert link["healthStatus"] == "Degraded" and link["revision"] == "c3"
        assert link["autoSync"] is True and [h["id"] for h in link["history"]] == [1, 2, 3]
        argo.patch(Application, "shop", {"status": {"sync": {"status": "OutOfSync"},
                                                    "health": {"status": "Healthy"}}},
                   namespace=argo_ns, patch_type=PatchType.MERGE)  # fmt: skip
        eventually(lambda: linked().get("syncStatus") == "OutOfSync", timeout=30)
        assert linked()["healthStatus"] == "Healthy"
        flux = argo.get(Persona, "web", namespace=app_ns)["status"]["flux"]
        assert flux["kind"] == "Kustomization" and flux["ready"] == "False"
        assert (
            flux["reason"] == "HealthCheckFailed" and flux["lastAppliedRevision"] == "main@sha1:abc"
        )
    finally:
        process.stop()
        argo.delete(Namespace, home)
