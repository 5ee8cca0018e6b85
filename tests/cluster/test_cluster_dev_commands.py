"""`dorgu dev up | status | env | down` in real separate processes (a second control plane)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dorgu.devcluster.processes import ProcessRef


def _dorgu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", "dev", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_dev_up_survives_its_command_and_dev_down_stops_everything(testbed, tmp_path: Path) -> None:
    env = {**os.environ, "DORGU_DEV_HOME": str(tmp_path / "dev")}
    if "KUBEBUILDER_ASSETS" not in env:
        env["KUBEBUILDER_ASSETS"] = str(testbed.plane.binaries.directory)

    up = _dorgu("up", env=env)
    assert up.returncode == 0, up.stderr
    state = json.loads((tmp_path / "dev" / "state.json").read_text())
    refs = [ProcessRef(c["pid"], c["start_ticks"]) for c in state["components"]]
    try:
        assert len(refs) == 3
        assert all(ref.is_running() for ref in refs)  # `up` has exited, the cluster runs on

        status = _dorgu("status", env=env)
        assert status.returncode == 0, status.stderr
        assert "(ready)" in status.stdout
        exports = _dorgu("env", env=env)
        assert exports.stdout.strip() == f"export KUBECONFIG={tmp_path / 'dev' / 'kubeconfig'}"
    finally:
        down = _dorgu("down", env=env)

    assert down.returncode == 0, down.stderr
    assert not any(ref.is_running() for ref in refs)
    assert not (tmp_path / "dev").exists()
    assert _dorgu("status", env=env).returncode == 6
