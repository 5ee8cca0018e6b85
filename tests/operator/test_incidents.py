"""The operator's incident pipeline with an in-memory API (the testbed tests in
tests/cluster/test_operator_incidents.py prove it against a real API server): one incident
per workload, bounded writes in a storm, 409s, restarts without duplicates, listeners and
their write-back, automatic resolution and retention."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dorgu.learning.incidents import ObjectRef, Signal, SignalKind
from dorgu.models.incidents import IncidentMemory, IncidentPhase
from dorgu.operator.api import ApiFailure
from dorgu.operator.incidents import IncidentTracker, TrackerSettings
from dorgu.operator.watching import ClusterView
from tests.learning.incidents.objects import oom_crashloop, pod

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
PREFIX = "/apis/dorgu.io/v1/namespaces/"


class FakeApi:
    """IncidentMemory create / PUT (object and status, resourceVersion-checked) / get /
    delete, like the API server does them."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.version = 0
        self.calls: list[str] = []

    def _stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        return copy.deepcopy(obj)

    async def create(
        self, kind: object, body: dict[str, Any], *, namespace: str | None = None
    ) -> Any:
        self.calls.append("create")
        key = (namespace or "", body["metadata"]["name"])
        if key in self.objects:
            raise ApiFailure(409, "AlreadyExists")
        obj = json.loads(json.dumps(body))
        obj.pop("status", None)
        self.objects[key] = obj
        return self._stamp(obj)

    async def request(self, method: str, path: str, *, body: Any = None, **_: Any) -> Any:
        assert method == "PUT" and path.startswith(PREFIX), path
        namespace, _, name, *rest = path[len(PREFIX) :].split("/")
        self.calls.append("status" if rest else "update")
        current = self.objects.get((namespace, name))
        if current is None:
            raise ApiFailure(404, "NotFound")
        if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise ApiFailure(409, "Conflict")
        if rest:
            current["status"] = json.loads(json.dumps(body.get("status")))
        else:
            current["spec"] = json.loads(json.dumps(body["spec"]))
        return self._stamp(current)

    async def get(self, kind: object, name: str, *, namespace: str | None = None) -> Any:
        found = self.objects.get((namespace or "", name))
        if found is None:
            raise ApiFailure(404, "NotFound")
        return copy.deepcopy(found)

    async def delete(self, kind: object, name: str, *, namespace: str | None = None) -> None:
        self.calls.append("delete")
        self.objects.pop((namespace or "", name))


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


def _tracker(api: FakeApi, clock: Clock, **settings: Any) -> IncidentTracker:
    tracker = IncidentTracker(
        api=api,  # type: ignore[arg-type]
        view=ClusterView(),
        namespace="dorgu-system",
        is_active=lambda: True,
        settings=TrackerSettings(**{"update_interval": 0.0, **settings}),
        clock=clock,
    )
    for obj in api.objects.values():  # what the informer lists at start
        tracker.incident_store.put(copy.deepcopy(obj))
    return tracker


def _crashing(name: str, deployment: str = "orders", restarts: int = 3) -> dict[str, Any]:
    return pod(name, deployment=deployment,
               containers=[oom_crashloop(restarts, "2026-01-05T10:00:00Z")])  # fmt: skip


def _healthy(name: str, since: datetime, deployment: str = "orders") -> dict[str, Any]:
    container = {**oom_crashloop(3, "2026-01-05T10:00:00Z"), "ready": True,
                 "state": {"running": {"startedAt": "2026-01-05T10:00:05Z"}}}  # fmt: skip
    ready = {"type": "Ready", "status": "True",
             "lastTransitionTime": since.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    return pod(name, deployment=deployment, containers=[container], conditions=[ready])


def _incidents(api: FakeApi) -> list[IncidentMemory]:
    return [IncidentMemory.model_validate(o) for _, o in sorted(api.objects.items())]


def test_three_crashing_pods_of_one_deployment_are_one_incident_written_twice():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = _tracker(api, clock)
        for i in range(3):
            tracker.stores.pods.put(_crashing(f"orders-7d9f8-{i}"))
        await tracker.tick()
        await tracker.tick()  # nothing new: nothing written

    asyncio.run(go())
    (incident,) = _incidents(api)
    assert api.calls[:2] == ["create", "status"]
    assert incident.status is not None and incident.status.occurrence_count == 6
    pods = sorted(r.name for r in incident.spec.detection.affected_resources if r.kind == "Pod")
    assert pods == ["orders-7d9f8-0", "orders-7d9f8-1", "orders-7d9f8-2"]
    # three pods, two kinds: repeating at once (a review in the same tick moves it on)
    assert incident.status.phase is IncidentPhase.INVESTIGATING
    assert api.calls == ["create", "status", "status"]


def test_a_storm_costs_two_writes_per_workload_and_updates_are_throttled():
    api, clock = FakeApi(), Clock()

    async def go() -> IncidentTracker:
        tracker = _tracker(api, clock, update_interval=3600.0)
        for d in range(20):
            for i in range(10):
                tracker.stores.pods.put(_crashing(f"app{d}-7d9f8-{i}", deployment=f"app{d}"))
        await tracker.tick()
        for d in range(20):  # every pod restarts again: new sightings, but written lately
            for i in range(10):
                tracker.stores.pods.put(_crashing(f"app{d}-7d9f8-{i}", f"app{d}", restarts=4))
        await tracker.tick()
        return tracker

    tracker = asyncio.run(go())
    assert len(api.objects) == 20
    assert api.calls.count("create") == 20 and api.calls.count("update") == 0
    assert api.calls.count("status") == 40  # the status on create, then Investigating
    assert len(tracker.dirty) == 20  # the restarts wait for the update interval
    assert tracker._writes()["create"] == 20.0
    assert set(tracker.latency()) == {"0.5", "0.99", "max"}


def test_a_restarted_operator_finds_its_incident_and_writes_no_duplicate():
    api, clock = FakeApi(), Clock()

    async def first() -> None:
        tracker = _tracker(api, clock)
        for i in range(3):
            tracker.stores.pods.put(_crashing(f"orders-7d9f8-{i}"))
        await tracker.tick()

    async def second() -> None:
        tracker = _tracker(api, clock)  # lists the stored incident, then sees the same pods
        for i in range(3):
            tracker.stores.pods.put(_crashing(f"orders-7d9f8-{i}"))
        tracker.stores.pods.put(_crashing("orders-7d9f8-3"))  # and one more
        await tracker.tick()

    asyncio.run(first())
    calls = len(api.calls)
    asyncio.run(second())
    (incident,) = _incidents(api)
    assert "create" not in api.calls[calls:]
    assert incident.status is not None and incident.status.occurrence_count == 8


def test_a_create_conflict_rereads_and_updates_instead():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        other = _tracker(api, clock)  # another writer created it meanwhile
        other.stores.pods.put(_crashing("orders-7d9f8-0"))
        await other.tick()
        tracker = IncidentTracker(api=api, view=ClusterView(), namespace="dorgu-system",  # type: ignore[arg-type]
                                  is_active=lambda: True, clock=clock,
                                  settings=TrackerSettings(update_interval=0.0))  # fmt: skip
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        tracker.stores.pods.put(_crashing("orders-7d9f8-1"))
        await tracker.tick()  # create -> 409 -> reread; stays dirty
        assert tracker.dirty
        await tracker.tick()  # update the one that exists

    asyncio.run(go())
    (incident,) = _incidents(api)
    assert api.calls.count("create") == 2  # one succeeded, one got 409
    pods = {r.name for r in incident.spec.detection.affected_resources if r.kind == "Pod"}
    assert pods == {"orders-7d9f8-0", "orders-7d9f8-1"}


def test_recovery_resolves_after_the_stabilisation_window_only():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = _tracker(api, clock, stabilization=timedelta(minutes=5))
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()
        ready = clock.now + timedelta(seconds=10)
        tracker.stores.pods.put(_healthy("orders-7d9f8-0", ready))
        clock.now = ready + timedelta(minutes=4)
        await tracker.tick()
        (incident,) = _incidents(api)
        assert incident.status is not None and incident.status.phase is not IncidentPhase.RESOLVED
        clock.now = ready + timedelta(minutes=5)
        await tracker.tick()

    asyncio.run(go())
    (incident,) = _incidents(api)
    assert incident.status is not None and incident.status.phase is IncidentPhase.RESOLVED
    assert incident.spec.resolution is not None
    assert incident.spec.resolution.resolved_by == "dorgu-operator"
    assert incident.spec.resolution.duration == "6m10s"  # firstSeen 10:00, resolved 10:06:10


def test_a_pod_that_is_not_ready_blocks_resolution():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = _tracker(api, clock, stabilization=timedelta(minutes=5))
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()
        tracker.stores.pods.put(_healthy("orders-7d9f8-0", clock.now))
        starting = pod("orders-7d9f8-1", containers=[{"name": "app", "ready": False,
                       "state": {"running": {}}, "restartCount": 0}])  # fmt: skip
        tracker.stores.pods.put(starting)
        clock.now += timedelta(hours=1)
        await tracker.tick()

    asyncio.run(go())
    (incident,) = _incidents(api)
    assert incident.status is not None and incident.status.phase is not IncidentPhase.RESOLVED


def test_resolved_incidents_are_deleted_after_their_retention():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = _tracker(api, clock, stabilization=timedelta(minutes=1),
                           retention=timedelta(hours=2), sweep_interval=0.0)  # fmt: skip
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()
        tracker.stores.pods.put(_healthy("orders-7d9f8-0", clock.now))
        clock.now += timedelta(minutes=2)
        await tracker.tick()
        assert len(api.objects) == 1
        clock.now += timedelta(hours=1)
        await tracker.tick()
        assert len(api.objects) == 1
        clock.now += timedelta(hours=1)
        await tracker.tick()

    asyncio.run(go())
    assert api.objects == {}
    assert api.calls.count("delete") == 1


def test_listeners_see_every_write_can_write_status_back_and_never_stop_the_pipeline(caplog):
    api, clock = FakeApi(), Clock()
    seen: list[tuple[str | None, str]] = []

    async def broken(previous: IncidentMemory | None, written: IncidentMemory) -> None:
        raise RuntimeError("notifier down")

    async def hung(previous: IncidentMemory | None, written: IncidentMemory) -> None:
        await asyncio.sleep(3600)

    async def recorder(
        previous: IncidentMemory | None, written: IncidentMemory
    ) -> IncidentMemory | None:
        seen.append((previous.metadata.resource_version if previous else None,
                     written.metadata.resource_version or ""))  # fmt: skip
        assert written.status is not None
        if any(c.type == "Notified" for c in written.status.conditions):
            return None
        condition = {"type": "Notified", "status": "True", "reason": "Sent",
                     "lastTransitionTime": "2026-01-05T10:01:00Z"}  # fmt: skip
        status = written.status.model_validate(
            {**written.status.model_dump(by_alias=True, mode="json"),
             "conditions": [condition]})  # fmt: skip
        return written.model_copy(update={"status": status})

    async def go() -> None:
        tracker = _tracker(api, clock, listener_timeout=0.05)
        tracker.listeners += [broken, hung, recorder]
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()

    with caplog.at_level(logging.ERROR):
        asyncio.run(go())
    (incident,) = _incidents(api)
    assert incident.status is not None
    assert [c.type for c in incident.status.conditions] == ["Notified", "Investigating"]
    assert seen[0][0] is None  # the create: no previous
    assert len(seen) == 2 and seen[1][0] is not None  # then the move to Investigating
    assert "notifier down" in caplog.text

    replayed: list[tuple[IncidentMemory | None, IncidentMemory]] = []

    async def replay(previous: IncidentMemory | None, written: IncidentMemory) -> None:
        replayed.append((previous, written))

    async def restart() -> None:
        tracker = _tracker(api, clock)
        tracker.listeners.append(replay)
        await tracker.tick()

    asyncio.run(restart())
    assert [(p, w.metadata.name) for p, w in replayed] == [(None, incident.metadata.name)]


def test_submitted_signals_join_the_workload_incident_and_expire_after_the_window():
    api, clock = FakeApi(), Clock()
    workload = ObjectRef("Deployment", "shop", "orders")
    alert = Signal(SignalKind.READINESS_PROBE_FAILED, workload, workload, "alert:HighLatency",
                   at=clock.now, reason="HighLatency", ongoing=False)  # fmt: skip

    async def go() -> IncidentTracker:
        tracker = _tracker(api, clock)
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.submit([alert])
        await tracker.tick()
        clock.now += timedelta(minutes=11)  # still crash-looping, the alert is not repeated
        restarted = oom_crashloop(4, clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        tracker.stores.pods.put(pod("orders-7d9f8-0", containers=[restarted]))
        await tracker.tick()
        return tracker

    tracker = asyncio.run(go())
    (incident,) = _incidents(api)
    assert incident.spec.root_cause is not None
    assert "ReadinessProbeFailed" in {c.signal for c in incident.spec.root_cause.contributing}
    assert workload not in tracker.external


@pytest.mark.parametrize("active", [False])
def test_a_standby_replica_writes_nothing(active: bool):
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = IncidentTracker(api=api, view=ClusterView(), namespace="dorgu-system",  # type: ignore[arg-type]
                                  is_active=lambda: active, clock=clock)  # fmt: skip
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()

    asyncio.run(go())
    assert api.calls == []


def test_the_owner_caches_lead_from_a_pod_to_its_deployment_without_a_template_hash():
    api, clock = FakeApi(), Clock()
    crashing = _crashing("orders-x1")
    crashing["metadata"]["labels"] = {"app": "orders"}  # no pod-template-hash to guess by
    crashing["metadata"]["ownerReferences"][0]["name"] = "orders-rs"
    replica_set = {"kind": "ReplicaSet", "metadata": {"name": "orders-rs", "namespace": "shop",
                   "ownerReferences": [{"kind": "Deployment", "name": "orders", "controller": True}]}}  # fmt: skip

    async def go() -> None:
        tracker = _tracker(api, clock)
        tracker.stores.replica_sets.put(replica_set)
        tracker.stores.pods.put(crashing)
        await tracker.tick()

    asyncio.run(go())
    (incident,) = _incidents(api)
    assert incident.spec.workload is not None
    assert (incident.spec.workload.kind, incident.spec.workload.name) == ("Deployment", "orders")


def test_a_failed_write_is_retried_later_not_every_batch(caplog):
    api, clock = FakeApi(), Clock()
    refused = 0

    async def create(kind: object, body: dict[str, Any], *, namespace: str | None = None) -> Any:
        nonlocal refused
        refused += 1
        raise ApiFailure(403, "namespace shop is being terminated")

    async def go() -> IncidentTracker:
        tracker = _tracker(api, clock)
        api.create = create  # type: ignore[method-assign]
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        for _ in range(5):
            await tracker.tick()
        return tracker

    with caplog.at_level(logging.WARNING):
        tracker = asyncio.run(go())
    assert refused == 1
    assert ObjectRef("Deployment", "shop", "orders") in tracker.dirty  # kept for the retry
    assert "being terminated" in caplog.text


def test_a_dependency_in_an_open_incident_is_named_as_a_suspect():
    from tests.operator.cluster_support import persona

    api, clock = FakeApi(), Clock()
    orders = persona("orders", dependencies=[{"name": "postgres", "type": "database"}])
    orders["metadata"]["namespace"] = "shop"

    async def go() -> None:
        tracker = _tracker(api, clock)
        tracker.view.personas.put(orders)
        tracker.stores.pods.put(_crashing("postgres-7d9f8-0", deployment="postgres"))
        await tracker.tick()
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()

    asyncio.run(go())
    by_workload = {i.spec.workload.name: i for i in _incidents(api) if i.spec.workload}
    orders_incident, postgres_incident = by_workload["orders"], by_workload["postgres"]
    assert orders_incident.spec.persona_ref is not None
    assert orders_incident.spec.persona_ref.name == "orders"
    assert orders_incident.spec.root_cause is not None
    details = {c.signal: c.detail for c in orders_incident.spec.root_cause.contributing}
    assert details["Dependency"] == (
        f"dependency postgres is in incident {postgres_incident.metadata.name}"
    )


def test_a_failure_after_resolution_is_a_new_recurring_episode():
    api, clock = FakeApi(), Clock()

    async def go() -> None:
        tracker = _tracker(api, clock, stabilization=timedelta(minutes=1))
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()
        tracker.stores.pods.put(_healthy("orders-7d9f8-0", clock.now))
        clock.now += timedelta(minutes=2)
        await tracker.tick()
        clock.now += timedelta(minutes=5)
        again = oom_crashloop(4, clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        tracker.stores.pods.put(pod("orders-7d9f8-0", containers=[again]))
        await tracker.tick()

    asyncio.run(go())
    first, second = sorted(_incidents(api), key=lambda i: i.status.episode if i.status else 0)
    assert first.status is not None and first.status.phase is IncidentPhase.RESOLVED
    assert second.status is not None and second.status.phase is IncidentPhase.RECURRING
    assert second.status.episode == 2
    assert second.spec.previous_incident == first.metadata.name
    assert second.spec.fingerprint == first.spec.fingerprint


def test_retention_leaves_incidents_dorgu_does_not_manage_alone():
    api, clock = FakeApi(), Clock()
    foreign = {
        "apiVersion": "dorgu.io/v1", "kind": "IncidentMemory",
        "metadata": {"name": "upstream-1", "namespace": "shop", "resourceVersion": "1"},
        "spec": {"category": "health", "detection": {"signal": "CrashLoopBackOff",
                 "firstSeen": "2025-01-01T00:00:00Z", "lastSeen": "2025-01-01T00:00:00Z"}},
        "status": {"phase": "Resolved", "resolvedAt": "2025-01-01T01:00:00Z"},
    }  # fmt: skip
    api.objects[("shop", "upstream-1")] = foreign

    async def go() -> None:
        tracker = _tracker(api, clock, sweep_interval=0.0)
        await tracker.tick()

    asyncio.run(go())
    assert ("shop", "upstream-1") in api.objects and "delete" not in api.calls


def test_persist_status_writes_only_the_named_fields_onto_the_newest_copy():
    api, clock = FakeApi(), Clock()

    async def go() -> IncidentTracker:
        tracker = _tracker(api, clock)
        tracker.stores.pods.put(_crashing("orders-7d9f8-0"))
        await tracker.tick()
        return tracker

    tracker = asyncio.run(go())
    (incident,) = tracker.incidents.values()
    assert incident.status is not None and incident.status.phase is IncidentPhase.INVESTIGATING
    stale = _incidents(api)[0]  # as a notifier might hold it: an older phase, one new condition
    condition = {"type": "Notified", "status": "True", "reason": "Sent",
                 "lastTransitionTime": "2026-01-05T10:01:00Z"}  # fmt: skip
    assert stale.status is not None
    stale_status = stale.status.model_validate({
        **stale.status.model_dump(by_alias=True, mode="json"),
        "phase": "Detected", "conditions": [condition]})  # fmt: skip
    stale = stale.model_copy(update={"status": stale_status})
    api.objects[next(iter(api.objects))]["metadata"]["resourceVersion"] = "999"  # someone wrote

    async def persist() -> IncidentMemory | None:
        return await tracker.persist_status(stale, fields=["conditions"])

    api.version = 1000
    written = asyncio.run(persist())  # 409 on the first try, re-read, then written
    assert written is not None and written.status is not None
    (stored,) = _incidents(api)
    assert stored.status is not None
    assert stored.status.phase is IncidentPhase.INVESTIGATING  # not rolled back
    assert [c.type for c in stored.status.conditions] == ["Notified"]
