"""``dorgu sync`` end to end against the testbed API server: drift shown (exit 1), push,
learned baselines written through the status subresource, pull into .dorgu.yaml, and a round
trip that settles (exit 0, "in sync")."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from lightkube.generic_resource import create_namespaced_resource
from lightkube.types import PatchType

from tests.cli.running import EXAMPLES, dorgu
from tests.operator.cluster_support import install_crds
from tests.services.test_syncing import LEARNED

Persona = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")


def test_sync_shows_pushes_pulls_and_settles(testbed, namespace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = tmp_path / "orders"
    shutil.copytree(EXAMPLES / "python-fastapi", app)
    (app / ".dorgu.yaml").write_text("version: 1\napp:\n  name: orders\n  team: payments\n")
    base = ["sync", str(app), "-n", namespace, "--kubeconfig", str(testbed.kubeconfig)]
    with testbed.client() as kube:
        install_crds(kube)
        shown = dorgu(*base)
        assert shown.exit_code == 1, shown.output
        assert "applicationpersona" in shown.output.lower() or "+" in shown.output
        pushed = dorgu(*base, "--push")
        assert pushed.exit_code == 0, pushed.output
        assert f"applicationpersona.dorgu.io/orders created in {namespace}" in pushed.output
        kube.patch(Persona.Status, "orders", {"status": {"learned": LEARNED}},
                   namespace=namespace, patch_type=PatchType.MERGE)  # fmt: skip
        pulled = dorgu(*base, "--pull")
        assert pulled.exit_code == 0, pulled.output
        data = yaml.safe_load((app / ".dorgu.yaml").read_text())
        assert data["resources"]["requests"] == {"cpu": "180m", "memory": "230Mi"}
        assert data["app"]["team"] == "payments"
        again = dorgu(*base, "--push")
        assert again.exit_code == 0 and "configured" in again.output, again.output
        settled = dorgu(*base)
        assert settled.exit_code == 0, settled.output
        assert "in sync" in settled.output
