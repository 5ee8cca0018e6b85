"""The metrics testbed: a control plane with kwok-simulated Nodes whose emulated kubelet and
cAdvisor metrics a real Prometheus (Debian's 2.42) scrapes every second, plus history
backfilling.  The fixture ``testbed_with_metrics`` (in ``conftest.py``) hands out a
``MetricsTestbed``::

    def test_something(testbed_with_metrics, eventually):
        bed = testbed_with_metrics
        bed.prometheus_url                               # http://127.0.0.1:PORT
        annotations = usage_annotations(cpu="250m", memory="64Mi", cpu_pattern="daily")
        ...create Pods carrying these annotations with bed.client()...
        eventually(lambda: bed.query('container_memory_working_set_bytes{pod="web-0"}'))
        labels = bed.live_labels(namespace=ns, pod="web-0", container="app", image="img:1")
        bed.backfill(render_history([SyntheticContainer(labels, 0.25, 2**26)], end=..., days=14))
        bed.backfill_pods(ns, days=14, step=60)      # or: history matching the Pods' annotations
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lightkube import Client
from lightkube.resources.core_v1 import Pod
from lightkube.types import PatchType

from dorgu.devcluster import backfilling, histories, probing, scraping
from dorgu.devcluster.emulating import usage_annotations
from dorgu.formats.usagehistories import SyntheticContainer, render_history
from tests.cluster.conftest import Testbed

__all__ = [
    "MetricsTestbed",
    "SyntheticContainer",
    "history_end",
    "mark_oom_killed",
    "render_history",
    "usage_annotations",
]

SCRAPE_INTERVAL = 1.0


def history_end(hours_ago: float = 4.0) -> float:
    """A backfill end time safely out of Prometheus' head range."""
    return time.time() - hours_ago * 3600


@dataclass
class MetricsTestbed(Testbed):
    """A ``Testbed`` with kwok metrics emulation and a Prometheus scraping it."""

    __test__ = False

    prometheus_url: str

    def live_labels(
        self,
        *,
        namespace: str,
        pod: str,
        container: str,
        image: str = "",
        node: str,
        endpoint: str = "cadvisor",
    ) -> dict[str, str]:
        """The exact labels Prometheus gives a live container series (to backfill into it)."""
        return scraping.live_labels(
            endpoint=endpoint,
            node=node,
            namespace=namespace,
            pod=pod,
            container=container,
            image=image,
        )

    def backfill(self, history: str | Iterable[str] | Path) -> backfilling.Loaded:
        """Load OpenMetrics (a path, a string or lines) into Prometheus; Prometheus restarts."""
        if isinstance(history, Path):
            return self.plane.backfill(history)
        with tempfile.NamedTemporaryFile(
            "w", suffix=".om", dir=self.root, delete=False, encoding="utf-8"
        ) as handle:
            handle.writelines([history] if isinstance(history, str) else history)
        try:
            return self.plane.backfill(Path(handle.name))
        finally:
            Path(handle.name).unlink(missing_ok=True)

    def backfill_pods(
        self, namespace: str, *, days: float = 14, step: float = 60, seed: int = 0
    ) -> backfilling.Loaded:
        """History for the Running Pods of ``namespace`` that continues their usage annotations
        (base, pattern, period) under their live labels (both endpoints), ending 4h ago."""
        with self.client() as kube:
            pods = [pod.to_dict() for pod in kube.list(Pod, namespace=namespace)]
        containers = histories.containers_of_pods(pods)
        if not containers:
            raise AssertionError(f"no Running Pods in {namespace} to backfill")
        return self.backfill(
            render_history(containers, end=history_end(), days=days, step=step, seed=seed)
        )

    def query(self, promql: str, *, at: float | None = None) -> list[dict[str, Any]]:
        """An instant query's result vector (``[{"metric": {...}, "value": [t, "v"]}]``)."""
        parameters = {"query": promql}
        if at is not None:
            parameters["time"] = f"{at:.3f}"
        return self._api("query", parameters)

    def query_range(
        self, promql: str, *, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        """A range query's result matrix (``[{"metric": {...}, "values": [[t, "v"], ...]}]``)."""
        return self._api(
            "query_range",
            {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"},
        )

    def _api(self, endpoint: str, parameters: dict[str, str]) -> list[dict[str, Any]]:
        url = f"{self.prometheus_url}/api/v1/{endpoint}?{urllib.parse.urlencode(parameters)}"
        status, body = probing.fetch(url, timeout=30)
        if status != 200:
            raise AssertionError(f"Prometheus answered {status} to {parameters}: {body[:300]!r}")
        result: list[dict[str, Any]] = json.loads(body)["data"]["result"]
        return result


def mark_oom_killed(
    kube: Client, *, namespace: str, pod: str, container: str, at: float | None = None
) -> None:
    """Record that ``container`` of ``pod`` was OOMKilled and restarted, as a kubelet would:
    ``restartCount`` + 1 and ``lastState.terminated`` (reason ``OOMKilled``, exit code 137).
    kwok leaves the status of a Running Pod alone, so it stays."""
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))
    current = kube.get(Pod, pod, namespace=namespace)
    statuses = []
    for status in (current.status.containerStatuses if current.status else None) or []:
        entry = status.to_dict()
        if status.name == container:
            entry["restartCount"] = (status.restartCount or 0) + 1
            entry["lastState"] = {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": entry.get("state", {}).get("running", {}).get("startedAt", when),
                    "finishedAt": when,
                }
            }
            entry["state"] = {"running": {"startedAt": when}}
        statuses.append(entry)
    if not any(s["name"] == container for s in statuses):
        raise AssertionError(f"{namespace}/{pod} has no status for container {container}")
    kube.patch(
        Pod.Status,
        pod,
        {"status": {"containerStatuses": statuses}},
        namespace=namespace,
        patch_type=PatchType.MERGE,
    )
