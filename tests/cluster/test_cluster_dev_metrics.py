"""`dorgu dev up --metrics | env | status | backfill | down` in real separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from lightkube import Client, KubeConfig
from lightkube.models.core_v1 import Container, PodSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Pod

from dorgu.devcluster import probing
from dorgu.devcluster.processes import ProcessRef
from dorgu.devcluster.scraping import live_labels
from dorgu.formats.usagehistories import SyntheticContainer, render_history


def _dorgu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", "dev", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _query(url: str, promql: str) -> list[dict]:
    status, body = probing.fetch(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def test_dev_up_metrics_serves_prometheus_until_dev_down(
    testbed_with_metrics, tmp_path: Path, eventually
) -> None:
    env = {**os.environ, "DORGU_DEV_HOME": str(tmp_path / "dev")}
    if "KUBEBUILDER_ASSETS" not in env:
        env["KUBEBUILDER_ASSETS"] = str(testbed_with_metrics.plane.binaries.directory)

    up = _dorgu("up", "--metrics", "--scrape-interval", "1", env=env)
    assert up.returncode == 0, up.stderr
    state = json.loads((tmp_path / "dev" / "state.json").read_text())
    refs = {c["name"]: ProcessRef(c["pid"], c["start_ticks"]) for c in state["components"]}
    url = f"http://127.0.0.1:{state['ports']['prometheus']}"
    try:
        assert {"kwok", "prometheus"} <= set(refs)
        assert f"prometheus: {url}" in up.stdout
        exports = _dorgu("env", env=env).stdout.splitlines()
        assert f"export DORGU_PROMETHEUS_URL={url}" in exports
        status = _dorgu("status", env=env)
        assert status.returncode == 0, status.stderr
        assert f"prometheus: {url}" in status.stdout
        nodes = eventually(
            lambda: len(found := _query(url, "node_memory_working_set_bytes")) == 2 and found,
            timeout=60,
        )
        assert {s["metric"]["node"] for s in nodes} == {"kwok-node-0", "kwok-node-1"}

        labels = live_labels(
            endpoint="cadvisor", node="kwok-node-0", namespace="demo", pod="api-0", container="api"
        )
        history = tmp_path / "history.om"
        end = time.time() - 4 * 3600
        history.write_text(
            "".join(render_history([SyntheticContainer(labels, 0.2, 2**26)], end=end, days=1))
        )
        loaded = _dorgu("backfill", str(history), env=env)
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout.startswith("backfilled 2880 samples of 2 series from ")
        series = eventually(
            lambda: _query(
                url, 'count_over_time(container_memory_working_set_bytes{pod="api-0"}[2d])'
            ),
            timeout=30,
        )
        assert float(series[0]["value"][1]) == 1440
        restarted = json.loads((tmp_path / "dev" / "state.json").read_text())
        prometheus = next(c for c in restarted["components"] if c["name"] == "prometheus")
        refs["prometheus"] = ProcessRef(prometheus["pid"], prometheus["start_ticks"])
        assert refs["prometheus"].is_running()

        with Client(KubeConfig.from_file(tmp_path / "dev" / "kubeconfig"), trust_env=False) as kube:
            kube.create(
                Pod(
                    metadata=ObjectMeta(name="web-0", annotations={"kwok.x-k8s.io/usage-cpu": "2"}),
                    spec=PodSpec(containers=[Container(name="web", image="registry.invalid/w:1")]),
                ),
                namespace="default",
            )
            eventually(
                lambda: kube.get(Pod, "web-0", namespace="default").status.phase == "Running",
                timeout=60,
            )
        pods = _dorgu(
            "backfill", "--pods", "-n", "default", "--days", "1", "--step", "300", env=env
        )
        assert pods.returncode == 0, pods.stderr
        assert pods.stdout.startswith("backfilled 1152 samples of 4 series from ")
        rates = _query(
            url, 'max_over_time(rate(container_cpu_usage_seconds_total{pod="web-0"}[10m])[2d:5m])'
        )
        assert sorted(s["metric"]["metrics_path"] for s in rates) == [
            "/metrics/cadvisor",
            "/metrics/resource",
        ]
        assert {round(float(s["value"][1]), 3) for s in rates} == {2.0}

        bad = tmp_path / "bad.om"
        bad.write_text(f"x 1 {end}\nx 1 {end - 60}\n")
        refused = _dorgu("backfill", str(bad), env=env)
        assert refused.returncode == 3
        assert refused.stderr.count("\n") == 1 and "bad.om:2:" in refused.stderr
    finally:
        down = _dorgu("down", env=env)

    assert down.returncode == 0, down.stderr
    assert not any(ref.is_running() for ref in refs.values())
    assert probing.fetch(f"{url}/-/ready")[0] == 0


def test_dev_up_metrics_on_a_cluster_without_metrics_says_what_to_do(
    testbed, tmp_path: Path
) -> None:
    env = {**os.environ, "DORGU_DEV_HOME": str(tmp_path / "dev")}
    if "KUBEBUILDER_ASSETS" not in env:
        env["KUBEBUILDER_ASSETS"] = str(testbed.plane.binaries.directory)
    assert _dorgu("up", env=env).returncode == 0
    try:
        again = _dorgu("up", "--metrics", env=env)
        backfill = _dorgu("backfill", str(tmp_path / "none.om"), env=env)
        pods = _dorgu("backfill", "--pods", env=env)
    finally:
        _dorgu("down", env=env)

    assert again.returncode == 6 and "dorgu dev up --metrics" in again.stderr
    assert backfill.returncode == 6 and "without Prometheus" in backfill.stderr
    assert pods.returncode == 6 and "without Prometheus" in pods.stderr
