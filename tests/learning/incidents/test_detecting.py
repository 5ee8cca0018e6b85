"""Signals detected in object dicts as a kubelet and the controllers write them."""

from datetime import UTC, datetime

from dorgu.learning.incidents import ObjectRef, SignalKind, detect, detect_all
from tests.learning.incidents.objects import T0, oom_crashloop, pod, waiting

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
ORDERS = ObjectRef("Deployment", "shop", "orders")


def test_oom_crash_loop_gives_oomkilled_and_crashloop_on_the_deployment():
    signals = detect(pod("orders-7d9f8-a", containers=[oom_crashloop(restarts=3)]))
    assert [s.kind for s in signals] == [SignalKind.OOM_KILLED, SignalKind.CRASH_LOOP_BACK_OFF]
    oom, loop = signals
    assert oom.workload == ORDERS and oom.resource == ObjectRef("Pod", "shop", "orders-7d9f8-a")
    assert oom.at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert oom.token == "app@2026-01-05T10:00:00Z" and not oom.ongoing
    assert loop.token == "app#3" and loop.ongoing
    assert dict(oom.labels)["app.kubernetes.io/name"] == "orders"


def test_both_image_pull_reasons_are_one_kind():
    pulled = detect(pod("p", containers=[waiting("ErrImagePull")]))
    backoff = detect(pod("p", containers=[waiting("ImagePullBackOff")]))
    assert [s.kind for s in pulled] == [s.kind for s in backoff] == [SignalKind.IMAGE_PULL_BACK_OFF]
    assert pulled[0].token == backoff[0].token  # one problem, not two occurrences
    assert (pulled[0].reason, backoff[0].reason) == ("ErrImagePull", "ImagePullBackOff")


def test_config_error_unschedulable_and_eviction():
    config = detect(
        pod("p", containers=[waiting("CreateContainerConfigError", 'secret "db" not found')])
    )
    assert [s.kind for s in config] == [SignalKind.CREATE_CONTAINER_CONFIG_ERROR]
    assert config[0].message == 'secret "db" not found'
    pending = pod(
        "p",
        phase="Pending",
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient cpu.",
                "lastTransitionTime": T0,
            }
        ],
    )
    assert [s.kind for s in detect(pending)] == [SignalKind.UNSCHEDULABLE]
    evicted = pod("p", phase="Failed", reason="Evicted", message="The node was low on memory.")
    (signal,) = detect(evicted)
    assert signal.kind is SignalKind.EVICTED and not signal.ongoing


def test_healthy_pod_has_no_signal():
    running = {"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}
    assert (
        detect(
            pod(
                "p",
                containers=[running],
                conditions=[{"type": "Ready", "status": "True", "lastTransitionTime": T0}],
            )
        )
        == []
    )


def test_readiness_from_conditions_needs_the_grace_period():
    running = {"name": "app", "ready": False, "restartCount": 0, "state": {"running": {}}}
    not_ready = pod(
        "p",
        containers=[running],
        conditions=[{"type": "Ready", "status": "False", "lastTransitionTime": T0}],
    )
    assert detect(not_ready) == []  # no clock, no condition-based signal
    assert detect(not_ready, now=datetime(2026, 1, 5, 10, 1, tzinfo=UTC)) == []
    (signal,) = detect(not_ready, now=NOW)
    assert signal.kind is SignalKind.READINESS_PROBE_FAILED


def test_probe_events_resolve_their_pod_to_the_workload():
    failing = pod("orders-7d9f8-a")
    event = {
        "kind": "Event",
        "metadata": {"name": "orders-7d9f8-a.17a", "namespace": "shop", "uid": "e1"},
        "involvedObject": {
            "kind": "Pod",
            "name": "orders-7d9f8-a",
            "namespace": "shop",
            "fieldPath": "spec.containers{app}",
        },
        "reason": "Unhealthy",
        "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "lastTimestamp": T0,
    }
    pods = {ObjectRef("Pod", "shop", "orders-7d9f8-a"): failing}
    (signal,) = detect(event, pods=pods)
    assert signal.kind is SignalKind.LIVENESS_PROBE_FAILED
    assert (signal.workload, signal.container, signal.token) == (ORDERS, "app", "event:e1")
    readiness = {**event, "message": "Readiness probe failed: connection refused"}
    assert detect(readiness)[0].kind is SignalKind.READINESS_PROBE_FAILED
    assert detect(readiness)[0].workload == ObjectRef("Pod", "shop", "orders-7d9f8-a")
    assert detect({**event, "reason": "Pulled"}) == []


def test_a_probe_event_for_a_pod_not_yet_cached_joins_its_deployment_by_name():
    """The Event can reach the operator before the Pod does: a ReplicaSet-made name still
    names the Deployment, so the pod never becomes an incident of its own."""
    event = {
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "shop", "uid": "e2"},
        "involvedObject": {"kind": "Pod", "name": "orders-d54f88fbd-299s2", "namespace": "shop"},
        "reason": "Unhealthy",
        "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "lastTimestamp": T0,
    }
    (signal,) = detect(event)
    assert signal.workload == ObjectRef("Deployment", "shop", "orders")
    assert signal.resource == ObjectRef("Pod", "shop", "orders-d54f88fbd-299s2")
    bare = {**event, "involvedObject": {"kind": "Pod", "name": "debug", "namespace": "shop"}}
    assert detect(bare)[0].workload == ObjectRef("Pod", "shop", "debug")


def test_failed_rollout_job_and_node():
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "orders", "namespace": "shop"},
        "status": {
            "conditions": [
                {
                    "type": "Progressing",
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "lastTransitionTime": T0,
                }
            ]
        },
    }
    assert [s.kind for s in detect(deployment)] == [SignalKind.PROGRESS_DEADLINE_EXCEEDED]
    job = {
        "kind": "Job",
        "metadata": {
            "name": "report-29400",
            "namespace": "shop",
            "uid": "j1",
            "ownerReferences": [{"kind": "CronJob", "name": "report", "controller": True}],
        },
        "status": {
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "lastTransitionTime": T0,
                }
            ]
        },
    }
    (failed,) = detect(job)
    assert failed.workload == ObjectRef("CronJob", "shop", "report")
    assert failed.reason == "BackoffLimitExceeded"
    node = {
        "kind": "Node",
        "metadata": {"name": "worker-1"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "Unknown",
                    "reason": "NodeStatusUnknown",
                    "lastTransitionTime": T0,
                }
            ]
        },
    }
    (down,) = detect(node)
    assert down.kind is SignalKind.NODE_NOT_READY and down.workload == ObjectRef(
        "Node", "", "worker-1"
    )
    node["status"]["conditions"][0]["status"] = "True"  # type: ignore[index]
    assert detect(node) == []


def test_owner_lookup_is_followed_when_the_informers_hold_the_replicaset():
    rs = {
        "kind": "ReplicaSet",
        "metadata": {
            "name": "orders-7d9f8",
            "namespace": "shop",
            "labels": {"team": "x"},
            "ownerReferences": [{"kind": "Deployment", "name": "orders-v2", "controller": True}],
        },
    }
    owners = {ObjectRef("ReplicaSet", "shop", "orders-7d9f8"): rs}
    (signal, _) = detect(pod("p", containers=[oom_crashloop()]), owners=owners)
    assert signal.workload == ObjectRef("Deployment", "shop", "orders-v2")


def test_detect_all_order_does_not_depend_on_input_order():
    objects = [pod(f"orders-7d9f8-{i}", containers=[oom_crashloop(restarts=i)]) for i in range(3)]
    assert detect_all(objects) == detect_all(list(reversed(objects)))
