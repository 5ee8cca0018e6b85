"""``dorgu sync`` with the in-memory cluster: drift both ways, push, pull (merged into the
existing .dorgu.yaml, resources from learned baselines), and a round trip that settles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dorgu.clients import FakeKube
from dorgu.errors import UsageError
from dorgu.services.syncing import sync
from tests.cli.running import EXAMPLES

LEARNED = {
    "window": "7d", "points": 500, "lastUpdated": "2026-12-07T11:00:00Z",
    "containers": [{
        "kind": "Deployment", "workload": "orders", "name": "orders", "points": 500, "pods": 2,
        "cpu": {"p50": "100m", "p95": "180m", "p99": "250m", "max": "300m", "avg": "110m"},
        "memory": {"p50": "100Mi", "p95": "120Mi", "p99": "130Mi", "max": "200Mi", "avg": "101Mi"},
    }],
}  # fmt: skip


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "orders"
    shutil.copytree(EXAMPLES / "python-fastapi", target)
    (target / ".dorgu.yaml").write_text(
        "# my notes stay\nversion: 1\napp:\n  name: orders\n  team: payments\nenv:\n  LOG_LEVEL: info\n"
    )
    return target


def _kube() -> FakeKube:
    return FakeKube(namespace="shop", groups=["apps/v1", "v1", "dorgu.io/v1"])


def test_before_anything_is_applied_push_shows_a_creation_and_pull_refuses(app: Path):
    kube = _kube()
    report = sync(app, client=kube)
    assert report.drift and report.push[0].created and not report.pull_diff
    assert kube.applied and all(dry for _, dry, _ in kube.applied)  # only server dry runs
    with pytest.raises(UsageError, match="no ApplicationPersona orders"):
        sync(app, client=kube, pull=True)
    with pytest.raises(UsageError, match="exclude each other"):
        sync(app, client=kube, pull=True, push=True)


def test_push_then_learned_pull_then_nothing_is_left_to_sync(app: Path):
    kube = _kube()
    pushed = sync(app, client=kube, push=True)
    assert pushed.pushed and pushed.push[0].created
    key = ("dorgu.io/v1", "ApplicationPersona", "shop", "orders")
    kube.objects[key]["status"] = {"learned": LEARNED}
    dry = sync(app, client=kube, pull=True, dry_run=True)
    assert "+    cpu: 180m" in dry.pull_diff and not dry.pulled
    report = sync(app, client=kube, pull=True)
    assert report.pulled
    written = (app / ".dorgu.yaml").read_text()
    assert written.startswith("# my notes stay\n")
    data = yaml.safe_load(written)
    assert data["env"] == {"LOG_LEVEL": "info"} and data["app"]["team"] == "payments"
    assert data["resources"]["requests"] == {"cpu": "180m", "memory": "230Mi"}
    assert data["resources"]["limits"]["memory"] == "230Mi"
    assert "learned baselines over 7d" in report.facts
    sync(app, client=kube, push=True)  # the repository now says what the cluster learned
    settled = sync(app, client=kube)
    assert not settled.drift, (settled.pull_diff, [o.diff for o in settled.push])
