"""Issue 4's promise against a real API server: for every example, what `dorgu generate` writes
is accepted by the testbed in a server-side dry run (the persona after the CRDs are installed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from dorgu.clients import ConnectionOptions, KubeClient, connect
from dorgu.services.clusters import install_crds
from tests.cli.running import EXAMPLES, dorgu

NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
NOT_CLUSTER_OBJECTS = {"Kustomization"}  # kustomize's own file
# Argo CD and prometheus-operator are not installed in the testbed (their objects are checked
# offline against the bundled CRD schemas); the dashboard ConfigMaps are applied here
NEEDS_ADDON = {"argoproj.io/v1alpha1", "monitoring.coreos.com/v1", "monitoring.coreos.com/v1alpha1"}


@pytest.fixture(scope="module")
def client(testbed) -> Iterator[KubeClient]:  # type: ignore[no-untyped-def]
    kube = connect(ConnectionOptions(kubeconfig=testbed.kubeconfig))
    try:
        install_crds(client=kube)
        yield kube
    finally:
        kube.close()


@pytest.mark.parametrize("example", NAMES)
def test_generated_objects_are_accepted_by_the_api_server(
    example: str, client: KubeClient, namespace: str, tmp_path: Path
) -> None:
    app = tmp_path / example
    shutil.copytree(EXAMPLES / example, app)
    result = dorgu("generate", str(app))
    assert result.exit_code == 0, result.output
    documents = [
        doc
        for file in sorted((app / "k8s").rglob("*.yaml"))
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "kind" in doc  # not the plain Prometheus rules file
    ]
    applied: list[str] = []
    for doc in sorted(documents, key=lambda d: d.get("kind") == "ApplicationPersona"):
        if doc.get("kind") in NOT_CLUSTER_OBJECTS or doc.get("apiVersion") in NEEDS_ADDON:
            continue
        doc.setdefault("metadata", {})["namespace"] = namespace
        client.apply(doc, dry_run=True)  # ClusterError carries the server's reason
        applied.append(f"{doc['kind']}/{doc['metadata']['name']}")
    dashboards = [
        item for item in applied if item.startswith("ConfigMap/") and "-dashboard" in item
    ]
    assert dashboards, applied  # every long-running component gets one (docs/observability.md)
    kinds = {item.split("/")[0] for item in applied}
    assert {"Deployment", "Service", "ApplicationPersona"} <= kinds or "StatefulSet" in kinds, (
        applied
    )
