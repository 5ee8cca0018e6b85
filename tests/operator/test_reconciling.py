"""The reconciler and its triggers on plain data (a recording fake API, caches filled by hand):
workloads come from the cache, evaluations are reused until something they read changes,
bursts coalesce, a standby does nothing, and cache changes queue the right personas.  The real
control plane proves the rest (tests/cluster/test_operator_*.py)."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dorgu.operator import reconciling
from dorgu.operator.api import ApiFailure
from dorgu.operator.eventing import EventPoster
from dorgu.operator.metrics import Metrics
from dorgu.operator.reconciling import Reconciler
from dorgu.operator.watching import CachedWorkload, ClusterView, Triggers, workload_object
from tests.operator.cluster_support import deployment, persona

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeApi:
    """Personas by (namespace, name); status patches applied; every call recorded."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []

    async def get(self, kind: object, name: str, *, namespace: str | None = None) -> Any:
        self.calls.append(f"get {namespace}/{name}")
        obj = self.objects.get((namespace or "", name))
        if obj is None:
            raise ApiFailure(404, "not found")
        return copy.deepcopy(obj)

    async def patch(self, kind: object, name: str, ops: list[dict[str, Any]], **kw: Any) -> Any:
        self.calls.append(f"patch {kw.get('namespace')}/{name}")
        obj = self.objects[(kw["namespace"], name)]
        for op in ops:
            if op["path"] == "/status":
                obj["status"] = op["value"]
        meta = obj["metadata"]
        meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)
        return obj

    async def create(self, kind: object, body: Any, *, namespace: str | None = None) -> Any:
        self.calls.append(f"event {body.get('reason')}")
        return body

    def writes(self) -> int:
        return sum(call.startswith("patch") for call in self.calls)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _put_persona(view: ClusterView, api: FakeApi, name: str, **kw: Any) -> None:
    body = persona(name, **kw)
    body["metadata"].update(namespace="ns", generation=1, resourceVersion="1", uid=f"u-{name}")
    api.objects[("ns", name)] = body
    view.personas.put(body)


def _put_workload(view: ClusterView, name: str, *, app: str = "shop", **kw: Any) -> None:
    body = deployment(name, app=app, **kw)
    body["metadata"].update(namespace="ns", generation=1, uid=f"d-{name}",
                            managedFields=[{"manager": "kubectl"}])  # fmt: skip
    view.deployments.put(body)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the workloads the rule engine evaluated, in order."""
    seen: list[str] = []
    real = reconciling.evaluate_target

    def spy(target: Any, **kw: Any) -> Any:
        seen.append(target.workload.name)
        return real(target, **kw)

    monkeypatch.setattr(reconciling, "evaluate_target", spy)
    return seen


def _setup(
    *, active: bool = True, clock: Clock | None = None
) -> tuple[ClusterView, FakeApi, Reconciler]:
    view, api = ClusterView(), FakeApi()
    metrics = Metrics()
    events = EventPoster(api=api, metrics=metrics, instance="t", fallback_namespace="ns")  # type: ignore[arg-type]
    reconciler = Reconciler(api=api, view=view, metrics=metrics, events=events,  # type: ignore[arg-type]
                            clock=clock or Clock(), min_interval=0.2, is_active=lambda: active)  # fmt: skip
    return view, api, reconciler


def test_cached_workload_is_compact_and_round_trips() -> None:
    body = deployment("shop", annotations={"b": "2", "a": "1"})
    body["metadata"].update(namespace="ns", generation=3, uid="x", managedFields=[{"m": 1}])
    cached = workload_object("Deployment")(body)

    assert isinstance(cached, CachedWorkload)
    assert (cached.kind, cached.namespace, cached.name, cached.generation) == (
        "Deployment",
        "ns",
        "shop",
        3,
    )
    assert cached.annotations == (("a", "1"), ("b", "2"))
    manifest = cached.manifest()
    assert "managedFields" not in manifest["metadata"]
    assert manifest["spec"] == body["spec"] and manifest["kind"] == "Deployment"


def test_workloads_come_from_the_cache_and_all_matches_count(counted: list[str]) -> None:
    view, api, reconciler = _setup()
    _put_persona(view, api, "shop")
    for name in ("shop", "shop-canary"):
        _put_workload(view, name)
    _put_workload(view, "other", app="other")

    assert asyncio.run(reconciler.reconcile(("ns", "shop"))) == "written"

    targets = api.objects[("ns", "shop")]["status"]["validation"]["targets"]
    assert sorted(t["name"] for t in targets) == ["shop", "shop-canary"]
    assert sorted(counted) == ["shop", "shop-canary"]
    assert not any(call.startswith("list") for call in api.calls)


def test_unchanged_workloads_are_not_evaluated_again(counted: list[str]) -> None:
    view, api, reconciler = _setup()
    _put_persona(view, api, "shop")
    _put_workload(view, "shop")

    async def twice() -> tuple[str, str]:
        return await reconciler.reconcile(("ns", "shop")), await reconciler.reconcile(
            ("ns", "shop")
        )

    assert asyncio.run(twice()) == ("written", "unchanged")
    assert counted == ["shop"] and api.writes() == 1


@pytest.mark.parametrize("change", ["spec", "labels", "annotations", "related", "persona"])
def test_a_change_to_what_was_read_evaluates_again(counted: list[str], change: str) -> None:
    view, api, reconciler = _setup()
    _put_persona(view, api, "shop")
    _put_workload(view, "shop")

    async def run() -> None:
        await reconciler.reconcile(("ns", "shop"))
        if change == "spec":
            body = deployment("shop", app="shop", cpu="2")
            body["metadata"].update(namespace="ns", generation=2, uid="d-shop")
            view.deployments.put(body)
        elif change == "labels":
            body = deployment("shop", app="shop")
            body["metadata"]["labels"]["team"] = "a"
            body["metadata"].update(namespace="ns", generation=1, uid="d-shop")
            view.deployments.put(body)
        elif change == "annotations":
            _put_workload(view, "shop", annotations={"note": "x"})
        elif change == "related":
            view.services.put({"metadata": {"name": "shop", "namespace": "ns"}, "spec": {}})
        else:
            api.objects[("ns", "shop")]["metadata"]["generation"] = 2
        await reconciler.reconcile(("ns", "shop"))

    asyncio.run(run())
    assert counted == ["shop", "shop"]


def test_an_expiring_exemption_ends_the_reuse(counted: list[str]) -> None:
    clock = Clock()
    view, api, reconciler = _setup(clock=clock)
    _put_persona(view, api, "shop")
    expires = (NOW + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _put_workload(view, "shop", cpu="2", annotations={"dorgu.io/exempt": "persona.resource-bounds",
                                                      "dorgu.io/exempt-owner": "team",
                                                      "dorgu.io/exempt-expires": expires})  # fmt: skip

    async def run() -> tuple[bool, bool]:
        await reconciler.reconcile(("ns", "shop"))
        before = api.objects[("ns", "shop")]["status"]["validation"]["passed"]
        clock.now = NOW + timedelta(minutes=2)
        await reconciler.reconcile(("ns", "shop"))
        return before, api.objects[("ns", "shop")]["status"]["validation"]["passed"]

    assert asyncio.run(run()) == (True, False)
    assert counted == ["shop", "shop"]


def test_a_burst_of_triggers_coalesces() -> None:
    view, api, reconciler = _setup()
    _put_persona(view, api, "shop")
    _put_workload(view, "shop")

    async def run() -> int:
        worker = asyncio.create_task(reconciler.run())
        for _ in range(3):
            for _ in range(50):
                reconciler.enqueue(("ns", "shop"))
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)
        worker.cancel()
        return sum(call == "get ns/shop" for call in api.calls)

    runs = asyncio.run(run())
    assert 1 <= runs <= 3, runs  # 150 triggers in 0.15 s, at most one start per 0.2 s


def test_a_standby_reconciles_nothing() -> None:
    view, api, reconciler = _setup(active=False)
    _put_persona(view, api, "shop")

    async def run() -> None:
        worker = asyncio.create_task(reconciler.run())
        reconciler.enqueue(("ns", "shop"))
        reconciler.enqueue_all()
        await asyncio.sleep(0.1)
        worker.cancel()

    asyncio.run(run())
    assert api.calls == []


def test_a_deleted_persona_is_forgotten() -> None:
    view, api, reconciler = _setup()
    _put_persona(view, api, "shop")
    _put_workload(view, "shop")
    asyncio.run(reconciler.reconcile(("ns", "shop")))
    assert list(reconciler.targeted_by("Deployment", "ns", "shop")) == [("ns", "shop")]
    del api.objects[("ns", "shop")]

    assert asyncio.run(reconciler.reconcile(("ns", "shop"))) == "gone"
    assert list(reconciler.targeted_by("Deployment", "ns", "shop")) == []


def test_triggers_queue_selecting_personas_once_per_meaningful_change() -> None:
    view, api, _ = _setup()
    queued: list[tuple[str, str]] = []
    Triggers(view=view, enqueue=queued.append, targeted_by=lambda *a: ()).install()
    _put_persona(view, api, "shop")
    assert queued == [("ns", "shop")]
    queued.clear()

    _put_workload(view, "shop")
    _put_workload(view, "shop")  # the same again: no new reason to reconcile
    _put_workload(view, "unrelated", app="other")
    assert queued == [("ns", "shop")]

    view.deployments.remove({"metadata": {"namespace": "ns", "name": "shop"}})
    assert queued == [("ns", "shop")] * 2


def test_status_writes_do_not_queue_the_persona_again() -> None:
    view, api, _ = _setup()
    queued: list[tuple[str, str]] = []
    Triggers(view=view, enqueue=queued.append, targeted_by=lambda *a: ()).install()
    _put_persona(view, api, "shop")
    body = copy.deepcopy(api.objects[("ns", "shop")])
    body["status"] = {"observedGeneration": 1}
    view.personas.put(body)  # the watch event of our own status write
    assert queued == [("ns", "shop")]
    body["metadata"]["generation"] = 2  # a spec change
    view.personas.put(body)
    assert queued == [("ns", "shop")] * 2
