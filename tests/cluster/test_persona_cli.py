"""`dorgu persona ...` and `dorgu cluster ...` end to end against the testbed API server."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from lightkube import Client
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition

from dorgu.clients import CRDS_MISSING
from dorgu.models.config import AppConfig
from tests.cli.running import EXAMPLES, dorgu

CRDS = ("applicationpersonas.dorgu.io", "clusterpersonas.dorgu.io")


@pytest.fixture(scope="module")
def kubeconfig(testbed) -> str:  # type: ignore[no-untyped-def]
    return str(testbed.kubeconfig)


@pytest.fixture(scope="module")
def initialised(kubeconfig: str, testbed) -> str:  # type: ignore[no-untyped-def]
    """The CRDs first removed (to prove the hint), then installed by `dorgu cluster init`."""
    with testbed.client() as kube:
        _delete_crds(kube)
        result = dorgu("persona", "list", "--kubeconfig", kubeconfig)
        assert result.exit_code == 6, result.output
        assert result.output.strip() == f"error: {CRDS_MISSING}"
    result = dorgu("cluster", "init", "--kubeconfig", kubeconfig)
    assert result.exit_code == 0, result.output
    return kubeconfig


def _delete_crds(kube: Client) -> None:
    for name in CRDS:
        try:
            kube.delete(CustomResourceDefinition, name)
        except Exception:  # absent already
            continue
    deadline = time.monotonic() + 60
    while any(_exists(kube, n) for n in CRDS):
        assert time.monotonic() < deadline, "the dorgu CRDs were not deleted"
        time.sleep(0.2)


def _exists(kube: Client, name: str) -> bool:
    return any(c.metadata.name == name for c in kube.list(CustomResourceDefinition))


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "orders"
    shutil.copytree(EXAMPLES / "python-fastapi", target)
    return target


def test_cluster_init_then_status(initialised: str) -> None:
    again = dorgu("cluster", "init", "--kubeconfig", initialised)  # an upgrade is idempotent
    assert again.exit_code == 0, again.output
    assert "customresourcedefinition/applicationpersonas.dorgu.io applied" in again.output
    assert "clusterpersona/cluster applied" in again.output
    result = dorgu("cluster", "status", "--kubeconfig", initialised)
    assert result.exit_code == 0, result.output
    assert "kubernetes   v1.37.2" in result.output
    assert "platform     kubernetes" in result.output
    assert "\x1b[" not in result.output  # no colour when not on a TTY
    data = json.loads(dorgu("cluster", "status", "-o", "json", "--kubeconfig", initialised).output)
    assert data["status"]["kubernetesVersion"] == "v1.37.2"
    assert data["status"]["nodeCount"] == 0
    assert data["status"]["namespaces"]["total"] >= 4


def test_cluster_init_dry_run_changes_nothing(initialised: str) -> None:
    result = dorgu("cluster", "init", "--dry-run", "--name", "dry", "--kubeconfig", initialised)
    assert result.exit_code == 0, result.output
    assert "clusterpersona/dry applied (server dry run)" in result.output
    missing = dorgu("cluster", "status", "--name", "dry", "--kubeconfig", initialised)
    assert missing.exit_code == 6 and "no ClusterPersona 'dry'" in missing.output


def test_persona_apply_dir_status_list_get_pull_delete(
    initialised: str, namespace: str, app: Path, tmp_path: Path
) -> None:
    flags = ("--kubeconfig", initialised, "-n", namespace)
    dry = dorgu("persona", "apply", str(app), "--dry-run", *flags)
    assert dry.exit_code == 0, dry.output
    assert "created" in dry.output and "(server dry run)" in dry.output
    assert "no personas found" in dorgu("persona", "list", *flags).output
    applied = dorgu("persona", "apply", str(app), *flags)
    assert applied.exit_code == 0, applied.output
    assert f"applicationpersona.dorgu.io/orders created in {namespace}" in applied.output
    assert "configured" in dorgu("persona", "apply", str(app), *flags).output
    unchanged = dorgu("persona", "apply", str(app), "--diff", *flags)
    assert unchanged.output.strip() == "# applicationpersona/orders: no changes"

    listed = dorgu("persona", "list", *flags)
    assert listed.exit_code == 0 and "orders" in listed.output and "api" in listed.output
    everywhere = dorgu("persona", "-A", "list", "--kubeconfig", initialised)  # -A on the command
    assert everywhere.exit_code == 2  # -A belongs to `list`, not to the group
    everywhere = dorgu("persona", "list", "-A", "--kubeconfig", initialised)
    assert namespace in everywhere.output

    got = yaml.safe_load(dorgu("persona", "get", "orders", "-o", "yaml", *flags).output)
    assert got["spec"]["name"] == "orders" and "managedFields" not in got["metadata"]
    status = dorgu("persona", "status", "orders", *flags)
    assert status.exit_code == 0 and "no status yet" in status.output

    target = tmp_path / "pulled"
    target.mkdir()
    pulled = dorgu("persona", "pull", "orders", str(target), *flags)
    assert pulled.exit_code == 0, pulled.output
    config = yaml.safe_load((target / ".dorgu.yaml").read_text())
    AppConfig.model_validate(config)
    assert config["app"]["name"] == "orders" and config["namespace"] == namespace
    assert config["scaling"]["min_replicas"] == got["spec"]["scaling"]["minReplicas"]
    refused = dorgu("persona", "pull", "orders", str(target), *flags)
    assert refused.exit_code == 5 and "--force" in refused.output
    assert dorgu("persona", "pull", "orders", str(target), "--force", *flags).exit_code == 0

    deleted = dorgu("persona", "delete", "orders", *flags)
    assert deleted.exit_code == 0, deleted.output
    gone = dorgu("persona", "get", "orders", *flags)
    assert gone.exit_code == 6 and "no ApplicationPersona 'orders'" in gone.output


def test_persona_apply_file_and_status_with_operator_written_status(
    initialised: str, namespace: str, app: Path, kube: Client
) -> None:
    from lightkube.generic_resource import create_namespaced_resource
    from lightkube.types import PatchType

    flags = ("--kubeconfig", initialised, "-n", namespace)
    generated = dorgu("generate", str(app))
    assert generated.exit_code == 0, generated.output
    file = app / "k8s" / "applicationpersona.yaml"
    result = dorgu("persona", "apply", str(file), *flags)
    assert result.exit_code == 0, result.output
    changed = file.read_text().replace("minReplicas: 2", "minReplicas: 3")
    file.write_text(changed)
    diff = dorgu("persona", "apply", str(file), "--diff", *flags)
    assert "-    minReplicas: 2" in diff.output and "+    minReplicas: 3" in diff.output
    ap = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")
    status = {
        "phase": "Degraded",
        "validation": {
            "passed": False,
            "mode": "warn",
            "lastChecked": "2026-01-01T00:00:00Z",
            "targets": [
                {
                    "kind": "Deployment",
                    "name": "orders",
                    "passed": False,
                    "checks": [
                        {
                            "rule": "persona.resource-bounds",
                            "passed": False,
                            "severity": "error",
                            "field": "spec.template.spec.containers[0].resources.limits.cpu",
                            "message": "4 is above the bound 2",
                        }
                    ],
                }
            ],
        },
        "recommendations": [{"type": "cost", "priority": "low", "message": "lower the request"}],
        "learned": {
            "incidentCount": 2,
            "patterns": [{"type": "daily-peak", "description": "9am", "confidence": 0.8}],
        },
    }
    kube.patch(
        ap.Status, "orders", {"status": status}, namespace=namespace, patch_type=PatchType.MERGE
    )
    table = dorgu("persona", "status", "orders", *flags)
    assert table.exit_code == 0, table.output
    for text in ("Degraded", "failed (mode warn)", "persona.resource-bounds", "4 is above the bound 2",
                 "[low] cost: lower the request", "daily-peak: 9am (80%)", "incidents 2"):  # fmt: skip
        assert text in table.output, text
    as_json = json.loads(dorgu("persona", "status", "orders", "-o", "json", *flags).output)
    assert as_json["validation"]["passed"] is False
    assert dorgu("persona", "delete", "orders", "--dry-run", *flags).exit_code == 0
    assert dorgu("persona", "get", "orders", *flags).exit_code == 0  # the dry run kept it


def test_unreachable_cluster_is_one_line_exit_6(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        yaml.safe_dump(
            {
                "current-context": "gone",
                "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "gone", "user": {"token": "x"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "gone"}}],
            }
        )
    )
    for args in (("persona", "list"), ("cluster", "status"), ("cluster", "init")):
        result = dorgu(*args, "--kubeconfig", str(config))
        assert result.exit_code == 6, result.output
        assert result.output == (
            "error: cannot reach the cluster at https://127.0.0.1:1: connection refused "
            "(check --context/KUBECONFIG)\n"
        )
    context = dorgu("persona", "list", "--kubeconfig", str(config), "--context", "nope")
    assert context.exit_code == 6 and "available contexts: gone" in context.output
