"""The learner without a cluster: a Prometheus that answers too slowly (a local server that
never replies) marks the last good baselines stale within the run timeout, writes only
``/status/learned`` guarded by the resourceVersion, and counts the run as failed; an
unchanged stale marking is not written again."""

from __future__ import annotations

import asyncio
import copy
import socket
from datetime import UTC, datetime
from typing import Any

from dorgu.operator.api import ApiFailure
from dorgu.operator.learning import Learner
from dorgu.operator.metrics import Metrics
from dorgu.operator.watching import ClusterView

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
GOOD = {
    "window": "7d", "points": 500, "lastUpdated": "2026-12-07T11:00:00Z",
    "containers": [{
        "kind": "Deployment", "workload": "web", "name": "web", "points": 500, "pods": 2,
        "cpu": {"p50": "100m", "p95": "200m", "p99": "250m", "max": "300m", "avg": "110m"},
        "memory": {"p50": "100Mi", "p95": "120Mi", "p99": "130Mi", "max": "140Mi", "avg": "101Mi"},
    }],
}  # fmt: skip


class FakeApi:
    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj
        self.patches: list[list[dict[str, Any]]] = []

    async def get(self, kind: Any, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        return copy.deepcopy(self.obj)

    async def patch(self, kind: Any, name: str, body: Any, **options: Any) -> dict[str, Any]:
        assert options["subresource"] == "status" and options["patch"] == "json"
        test, change = body
        if test["value"] != self.obj["metadata"]["resourceVersion"]:
            raise ApiFailure(422, "test failed")
        self.patches.append(body)
        assert change["path"] == "/status/learned"
        self.obj["status"]["learned"] = change["value"]
        self.obj["metadata"]["resourceVersion"] = str(int(test["value"]) + 1)
        return self.obj


def _persona() -> dict[str, Any]:
    return {
        "apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona",
        "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7", "generation": 1},
        "spec": {"name": "web", "type": "api"},
        "status": {"phase": "Active", "learned": copy.deepcopy(GOOD)},
    }  # fmt: skip


def _deployment() -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "web"}
    return {
        "metadata": {"name": "web", "namespace": "shop", "labels": labels, "uid": "u"},
        "spec": {"replicas": 2, "template": {"metadata": {"labels": labels},
                 "spec": {"containers": [{"name": "web"}]}}},
    }  # fmt: skip


class SilentServer:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.writers.append(writer)

        self.server = await asyncio.start_server(hold, "127.0.0.1", 0, family=socket.AF_INET)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        self.server.close()
        await self.server.wait_closed()


def test_a_slow_prometheus_marks_the_last_good_baselines_stale_once() -> None:
    async def scenario() -> tuple[FakeApi, Metrics, list[tuple[str, str]], float]:
        server = SilentServer()
        port = await server.start()
        api, view, metrics = FakeApi(_persona()), ClusterView(), Metrics()
        view.personas.put(api.obj)
        view.deployments.put(_deployment())
        queued: list[tuple[str, str]] = []
        learner = Learner(api=api, view=view, metrics=metrics,  # type: ignore[arg-type]
                          prometheus_url=f"http://127.0.0.1:{port}", interval=60, window="7d",
                          clock=lambda: NOW, run_timeout=0.5, query_timeout=10,
                          reconcile=queued.append)  # fmt: skip
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await learner.learn_once() == "failed"
        took = loop.time() - started
        assert await learner.learn_once() == "failed"
        await server.close()
        return api, metrics, queued, took

    api, metrics, queued, took = asyncio.run(scenario())
    assert took < 3  # the run timeout, not the 10s query timeout
    assert len(api.patches) == 1  # the second, identical marking is not written
    learned = api.obj["status"]["learned"]
    assert learned["stale"] is True and "did not answer within 0.5s" in learned["staleReason"]
    assert learned["containers"] == GOOD["containers"]
    assert learned["lastUpdated"] == GOOD["lastUpdated"]
    assert api.obj["status"]["phase"] == "Active"  # the rest of the status untouched
    assert queued == [("shop", "web")]
    assert metrics.learning_runs.value(result="failed") == 2
    assert metrics.prometheus_queries.value() >= 2


def test_the_learner_sends_the_configured_prometheus_credentials() -> None:
    from tests.clients.prometheus_server import serve, success

    with serve(lambda path, form: success("matrix", [])) as server:

        async def scenario() -> None:
            api, view, metrics = FakeApi(_persona()), ClusterView(), Metrics()
            view.personas.put(api.obj)
            view.deployments.put(_deployment())
            learner = Learner(api=api, view=view, metrics=metrics,  # type: ignore[arg-type]
                              prometheus_url=server.url, interval=60, window="7d",
                              clock=lambda: NOW, authorization="Bearer s3cret-token")  # fmt: skip
            await learner.learn_once()

        asyncio.run(scenario())
    assert server.authorizations and set(server.authorizations) == {"Bearer s3cret-token"}


def test_operator_options_never_show_the_prometheus_credentials() -> None:
    from dorgu.operator.options import OperatorOptions

    options = OperatorOptions(prometheus_authorization="Bearer s3cret-token")
    assert "s3cret" not in repr(options)
