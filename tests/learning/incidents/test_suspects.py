"""Suspects: a rollout shortly before the first signal, dependencies in an open incident."""

from datetime import UTC, datetime, timedelta
from typing import Any

from dorgu.learning.incidents import ObjectRef, correlate, detect_all, record
from dorgu.learning.incidents.suspects import (
    OpenIncident,
    dependency_suspect,
    rollout_suspect,
    with_suspects,
)
from dorgu.models.incidents import MAX_CONTRIBUTING, MAX_DETAIL, ContributingSignal
from tests.learning.incidents.objects import oom_crashloop, pod

FIRST = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ORDERS = ObjectRef("Deployment", "shop", "orders")


def _rs(name: str, revision: object, created: datetime, image: str, *, owner: str = "orders",
        namespace: str = "shop") -> dict[str, Any]:  # fmt: skip
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": name, "namespace": namespace,
            "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [{"kind": "Deployment", "name": owner, "controller": True}],
        },
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
    }  # fmt: skip


def test_a_new_revision_shortly_before_the_first_signal_is_named_with_its_image_change():
    sets = [_rs("orders-a", 1, FIRST - timedelta(days=3), "shop/orders:1.1"),
            _rs("orders-b", 2, FIRST - timedelta(minutes=4), "shop/orders:1.2")]  # fmt: skip
    found = rollout_suspect(ORDERS, sets, first_seen=FIRST)
    assert found is not None and found.signal == "Rollout"
    assert found.detail == (
        "rollout to revision 2 (ReplicaSet orders-b) 4m before the first signal: "
        "image app shop/orders:1.1 -> shop/orders:1.2"
    )
    assert rollout_suspect(ORDERS, list(reversed(sets)), first_seen=FIRST) == found


def test_a_template_change_without_a_new_image_is_named_as_such():
    sets = [_rs("orders-a", 1, FIRST - timedelta(days=3), "shop/orders:1.1"),
            _rs("orders-b", 2, FIRST - timedelta(minutes=1), "shop/orders:1.1")]  # fmt: skip
    found = rollout_suspect(ORDERS, sets, first_seen=FIRST)
    assert found is not None and found.detail is not None
    assert found.detail.endswith(
        "the pod template changed (configuration, environment or resources)"
    )


def test_no_suspect_for_old_first_or_foreign_rollouts_or_non_deployments():
    old = [_rs("orders-a", 1, FIRST - timedelta(days=3), "a"),
           _rs("orders-b", 2, FIRST - timedelta(hours=2), "b")]  # fmt: skip
    assert rollout_suspect(ORDERS, old, first_seen=FIRST) is None
    first = [_rs("orders-a", 1, FIRST - timedelta(minutes=2), "a")]
    assert rollout_suspect(ORDERS, first, first_seen=FIRST) is None  # a first rollout: no change
    later = [_rs("orders-a", 1, FIRST - timedelta(days=3), "a"),
             _rs("orders-b", 2, FIRST + timedelta(minutes=2), "b")]  # fmt: skip
    assert rollout_suspect(ORDERS, later, first_seen=FIRST) is None  # after the signal
    foreign = [_rs("pay-a", 1, FIRST - timedelta(days=3), "a", owner="payments"),
               _rs("pay-b", 2, FIRST - timedelta(minutes=2), "b", owner="payments"),
               _rs("orders-b", 2, FIRST - timedelta(minutes=2), "b", namespace="other")]  # fmt: skip
    assert rollout_suspect(ORDERS, foreign, first_seen=FIRST) is None
    junk: list[Any] = [{}, {"metadata": "x"}, _rs("orders-c", "three", FIRST, "c")]
    assert rollout_suspect(ORDERS, junk, first_seen=FIRST) is None
    recent = [_rs("web-b", 2, FIRST - timedelta(minutes=2), "b", owner="web")]
    assert (
        rollout_suspect(ObjectRef("StatefulSet", "shop", "web"), recent, first_seen=FIRST) is None
    )


def test_dependencies_in_an_open_incident_of_the_namespace_are_named():
    others = [OpenIncident("postgres-0a1b2c3d4e-1", "shop", "postgres", None),
              OpenIncident("cache-99-1", "shop", "redis-master", "redis"),
              OpenIncident("postgres-ff-1", "other", "postgres", None)]  # fmt: skip
    found = dependency_suspect("shop", ["postgres", "redis", "kafka"], others)
    assert found == ContributingSignal(
        signal="Dependency",
        detail="dependency postgres is in incident postgres-0a1b2c3d4e-1, "
        "redis is in incident cache-99-1",
    )
    assert dependency_suspect("shop", ["kafka"], others) is None
    assert dependency_suspect("shop", [], others) is None


def test_suspects_merge_into_root_cause_by_name_and_stay_bounded():
    objects = [pod("orders-7d9f8-0", containers=[oom_crashloop(3, "2026-01-05T10:00:00Z")])]
    (draft,) = correlate(detect_all(objects), now=FIRST + timedelta(minutes=5))
    incident = record(draft, [], now=FIRST + timedelta(minutes=5), namespace="dorgu-system")
    assert incident is not None and incident.spec.root_cause is not None
    before = [c.signal for c in incident.spec.root_cause.contributing]
    assert before == ["CrashLoopBackOff"]
    one = ContributingSignal(signal="Rollout", detail="revision 2")
    two = ContributingSignal(signal="Rollout", detail="revision 3")
    merged = with_suspects(with_suspects(incident, [one, None]), [two])
    assert merged.spec.root_cause is not None
    assert [(c.signal, c.detail) for c in merged.spec.root_cause.contributing] == [
        ("CrashLoopBackOff", "seen on Pod/orders-7d9f8-0"), ("Rollout", "revision 3")]  # fmt: skip
    assert with_suspects(incident, [None]) is incident
    many = [ContributingSignal(signal=f"S{i}", detail="x" * MAX_DETAIL) for i in range(20)]
    full = with_suspects(incident, many)
    assert full.spec.root_cause is not None
    assert len(full.spec.root_cause.contributing) == MAX_CONTRIBUTING
