"""The operator's anomaly timer with a fake API and a local server speaking Prometheus' HTTP
API: leader only, status written as a merge patch of ``status.anomalies`` when it changed, a
dead Prometheus logged once and retried, and a hung one never holds up other work."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from dorgu.clients.prometheus import PrometheusClient
from dorgu.operator.anomalies import AnomalyWatcher
from dorgu.operator.api import ApiFailure
from dorgu.operator.watching import ClusterView
from dorgu.services.anomalies.watching import WatchOptions
from tests.clients.prometheus_server import Reply, failure, serve, success
from tests.operator.cluster_support import deployment, persona


class FakeApi:
    def __init__(self, objects: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.objects = objects
        self.patches: list[tuple[str, object, str, str | None]] = []

    async def get(self, kind: object, name: str, *, namespace: str | None = None) -> Any:
        found = self.objects.get((namespace or "", name))
        if found is None:
            raise ApiFailure(404, "NotFound", "not found")
        return found

    async def patch(self, kind: object, name: str, body: object, **kw: Any) -> Any:
        self.patches.append((name, body, kw["patch"], kw.get("subresource")))
        return {}


def _view() -> tuple[ClusterView, dict[str, Any]]:
    view = ClusterView()
    body = persona("web")
    body["metadata"]["namespace"] = "shop"
    body["status"] = {"phase": "Active"}
    view.personas.put(body)
    workload = deployment("web")
    workload["metadata"]["namespace"] = "shop"
    view.deployments.put(workload)
    return view, body


def _answer(state: dict[str, Any]):
    def answer(path: str, form: dict[str, str]) -> Reply:
        if state["down"]:
            return failure(503, "unavailable", "restarting")
        if "container_memory_working_set_bytes" not in form["query"]:
            return success("matrix", [])
        start, end, step = float(form["start"]), float(form["end"]), float(form["step"][:-1])
        count = int((end - start) / step) + 1
        values = [[start + i * step, "1048576"] for i in range(count)]
        return success("matrix", [{"metric": {"container": "web"}, "values": values}])

    return answer


def _watcher(url: str, view: ClusterView, api: FakeApi, active: list[bool], now: list[float],
             timeout: float = 2.0):  # fmt: skip
    client = PrometheusClient(url, retries=0, timeout_seconds=timeout)
    watcher = AnomalyWatcher(
        api=api, view=view, client=client, options=WatchOptions(step=60, history=3600),  # type: ignore[arg-type]
        interval=0.05, is_active=lambda: active[0], clock=lambda: now[0],
    )  # fmt: skip
    return watcher, client


def test_only_the_leader_watches_and_writes_only_what_changed():
    view, body = _view()
    api = FakeApi({("shop", "web"): body})
    state, active, now = {"down": False}, [False], [math.floor(1_800_000_000 / 60) * 60.0]

    async def go() -> None:
        with serve(_answer(state)) as server:
            watcher, client = _watcher(server.url, view, api, active, now)
            await watcher.tick()
            assert server.requests == [] and api.patches == []
            active[0] = True
            await watcher.tick()
            assert len(api.patches) == 1
            name, patch, kind, subresource = api.patches[0]
            assert (name, kind, subresource) == ("web", "merge", "status")
            assert patch["status"]["anomalies"]["series"] == 1  # type: ignore[index]
            assert patch["status"]["anomalies"]["current"] is None  # type: ignore[index]
            now[0] += 60
            await watcher.tick()
            assert len(api.patches) == 1  # nothing changed: nothing written
            active[0] = False
            await watcher.tick()
            assert watcher.watches == {}
            await client.aclose()

    asyncio.run(go())


def test_a_dead_prometheus_is_logged_once_retried_and_its_return_logged(caplog):
    view, body = _view()
    api = FakeApi({("shop", "web"): body})
    state, active, now = {"down": True}, [True], [math.floor(1_800_000_000 / 60) * 60.0]
    caplog.set_level(logging.DEBUG, logger="dorgu.operator.anomalies")

    async def go() -> None:
        with serve(_answer(state)) as server:
            watcher, client = _watcher(server.url, view, api, active, now)
            for _ in range(3):
                await watcher.tick()
            assert watcher.failing and api.patches == []
            state["down"] = False
            await watcher.tick()
            assert not watcher.failing and len(api.patches) == 1
            await client.aclose()

    asyncio.run(go())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "anomaly detection paused" in warnings[0].getMessage()
    assert "restarting" in warnings[0].getMessage()
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_a_hung_prometheus_does_not_hold_up_the_event_loop():
    view, body = _view()
    api = FakeApi({("shop", "web"): body})

    def slow(path: str, form: dict[str, str]) -> Reply:
        return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": []}},
                     delay=3.0)  # fmt: skip

    async def go() -> None:
        with serve(slow) as server:
            watcher, client = _watcher(server.url, view, api, [True], [1_800_000_000.0], 0.5)
            task = asyncio.create_task(watcher.run())
            ticks = 0
            loop = asyncio.get_running_loop()
            started = loop.time()
            while loop.time() - started < 1.0:  # other work keeps running meanwhile
                await asyncio.sleep(0.01)
                ticks += 1
            assert ticks > 50
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.aclose()
        assert watcher.failing  # the 0.5 s timeout ended the read; it was logged, not raised

    asyncio.run(go())


class Sink:
    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.fail = False

    async def __call__(self, signals: Any) -> None:
        if self.fail:
            raise RuntimeError("pipeline down")
        self.batches.append(list(signals))


def _latency(start: float, end: float | None = None) -> Any:
    from datetime import UTC, datetime

    from dorgu.models.anomalies import AnomalyFinding, Band, PersonaRef, SeriesMetric, SeriesRef

    def at(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    return AnomalyFinding(
        persona=PersonaRef(namespace="shop", name="web"),
        series=SeriesRef(metric=SeriesMetric.LATENCY), start=at(start),
        end=None if end is None else at(end), expected=Band(low=0.1, high=0.2), observed=0.9,
        score=0.95,
    )  # fmt: skip


def test_findings_reach_submit_once_when_they_open_and_once_when_they_end(caplog):
    from dorgu.learning.incidents import ObjectRef, SignalKind

    view, body = _view()
    api = FakeApi({("shop", "web"): body})
    state, active, now = {"down": False}, [True], [math.floor(1_800_000_000 / 60) * 60.0]
    sink = Sink()
    caplog.set_level(logging.WARNING, logger="dorgu.operator.anomalies")

    async def go() -> None:
        with serve(_answer(state)) as server:
            watcher, client = _watcher(server.url, view, api, active, now)
            watcher.submit = sink
            await watcher.tick()
            assert sink.batches == []  # flat memory: nothing found, nothing passed on
            watch = watcher.watches[("shop", "web")]
            start = now[0] - 120
            finding = _latency(start)
            watch.current[finding.series] = finding  # what the detector records on a spike
            await watcher.tick()
            assert len(sink.batches) == 1
            for _ in range(3):  # later ticks (resync, new samples) pass nothing again
                now[0] += 60
                await watcher.tick()
            assert len(sink.batches) == 1
            watch.current.clear()
            watch.recent.appendleft(_latency(start, now[0] - 60))
            sink.fail = True
            await watcher.tick()  # the pipeline fails: logged, retried at the next tick
            sink.fail = False
            await watcher.tick()
            await watcher.tick()
            await client.aclose()

    asyncio.run(go())
    (opened,), (ended,) = sink.batches
    assert opened.kind is ended.kind is SignalKind.METRIC_ANOMALY
    assert opened.workload == ObjectRef("Deployment", "shop", "web")
    assert dict(opened.labels) == {"app.kubernetes.io/name": "web"}
    assert opened.ongoing and not ended.ongoing and opened.token == ended.token
    (warning,) = [r for r in caplog.records if "incident pipeline" in r.getMessage()]
    assert "pipeline down" in warning.getMessage()


def test_without_submit_the_watcher_passes_nothing_on():
    view, body = _view()
    api = FakeApi({("shop", "web"): body})
    state, active, now = {"down": False}, [True], [math.floor(1_800_000_000 / 60) * 60.0]

    async def go() -> None:
        with serve(_answer(state)) as server:
            watcher, client = _watcher(server.url, view, api, active, now)
            await watcher.tick()
            watch = watcher.watches[("shop", "web")]
            finding = _latency(now[0] - 120)
            watch.current[finding.series] = finding
            await watcher.tick()
            assert watcher._sent == {}
            await client.aclose()

    asyncio.run(go())
