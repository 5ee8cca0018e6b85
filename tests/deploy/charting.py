"""Finding the testbed's helm/kubeconform and rendering the chart (shared by tests/deploy and
tests/cluster/test_chart_*.py).  Missing binaries fail in CI and skip elsewhere."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from dorgu.devcluster import building, locations

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "charts" / "dorgu"
RELEASE, NAMESPACE = "dorgu", "dorgu-system"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def tool(name: str, *, required: bool = True) -> Path | None:
    """The testbed-built ``name``; fails in CI, skips elsewhere when absent (unless optional)."""
    found = building.find_binaries(env=locations.current_env())
    path = found.path(name) if found is not None else None
    if path is None and required:
        message = f"{name} is not in the testbed cache (run scripts/build-testbed)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def run(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args], capture_output=True, text=True, timeout=120, check=False
    )


def render(*sets: str, namespace: str = NAMESPACE) -> list[dict[str, object]]:
    """``helm template`` of the chart (CRDs left out: they are under crds/)."""
    helm = tool("helm")
    assert helm is not None
    flags = [f"--set={value}" for value in sets]
    done = run(helm, "template", RELEASE, str(CHART), "--namespace", namespace, *flags)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def chart_crds() -> list[dict[str, object]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((CHART / "crds").glob("*.yaml"))]
