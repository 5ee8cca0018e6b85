"""Properties: junk never crashes detection; fingerprints ignore order and irrelevant fields."""

import copy
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.learning.incidents import correlate, detect, detect_all, record
from tests.learning.incidents.objects import oom_crashloop, pod, waiting

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
KINDS = st.sampled_from(["Pod", "Event", "Deployment", "Job", "Node", "Service", None])
json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "False",
            "True",
            "Unknown",
            "OOMKilled",
            "CrashLoopBackOff",
            "Unhealthy",
            "2026-01-05T10:00:00Z",
            "not-a-time",
            "Ready",
            "PodScheduled",
            "Failed",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "metadata",
                    "status",
                    "name",
                    "namespace",
                    "conditions",
                    "type",
                    "status",
                    "reason",
                    "containerStatuses",
                    "state",
                    "lastState",
                    "waiting",
                    "terminated",
                    "ownerReferences",
                    "kind",
                    "controller",
                    "labels",
                    "involvedObject",
                    "message",
                    "finishedAt",
                    "lastTransitionTime",
                    "restartCount",
                    "phase",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(obj=json, kind=KINDS)
def test_junk_objects_never_crash(obj, kind):
    signals = detect(obj, kind=kind, now=NOW) if isinstance(obj, dict) else detect({}, kind=kind)
    for draft in correlate(signals, now=NOW):
        assert record(draft, [], now=NOW, namespace="x") is not None


def _scenario():
    return [
        pod("orders-7d9f8-a", containers=[oom_crashloop(3)]),
        pod("orders-7d9f8-b", containers=[oom_crashloop(5)]),
        pod("api-7d9f8-c", deployment="api", containers=[waiting("ErrImagePull")]),
        {
            "kind": "Node",
            "metadata": {"name": "w1"},
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "lastTransitionTime": "2026-01-05T10:00:00Z",
                    }
                ]
            },
        },
    ]


@settings(max_examples=100, deadline=None)
@given(order=st.permutations(range(4)))
def test_fingerprints_do_not_depend_on_order(order):
    objects = _scenario()
    expected = [d.fingerprint for d in correlate(detect_all(objects), now=NOW)]
    shuffled = [objects[i] for i in order]
    assert [d.fingerprint for d in correlate(detect_all(shuffled), now=NOW)] == expected
    assert len(expected) == 3


@settings(max_examples=150, deadline=None)
@given(
    message=st.text(max_size=200),
    restarts=st.integers(min_value=0, max_value=10_000),
    pod_suffix=st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
    extra=st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=3),
)
def test_fingerprint_ignores_free_text_counts_pod_names_and_extra_fields(
    message, restarts, pod_suffix, extra
):
    (base,) = correlate(detect_all([pod("orders-7d9f8-a", containers=[oom_crashloop(3)])]), now=NOW)
    changed = pod(f"orders-7d9f8-{pod_suffix}", containers=[oom_crashloop(restarts)])
    changed["status"]["containerStatuses"][0]["state"]["waiting"]["message"] = message
    changed["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"] = (
        "2026-01-05T10:03:00Z"
    )
    changed["metadata"]["annotations"] = extra
    changed["status"].update({"hostIP": "10.0.0.9", "startTime": "2026-01-05T09:00:00Z"})
    (other,) = correlate(detect_all([copy.deepcopy(changed)]), now=NOW)
    assert other.fingerprint == base.fingerprint


@settings(max_examples=100, deadline=None)
@given(
    restarts=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30),
    minutes=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=30),
)
def test_recording_the_same_objects_twice_writes_nothing_the_second_time(restarts, minutes):
    objects = [
        pod(
            f"orders-7d9f8-{i}",
            containers=[oom_crashloop(r, f"2026-01-05T10:0{minutes[i % len(minutes)]}:00Z")],
        )
        for i, r in enumerate(restarts)
    ]
    (draft,) = correlate(detect_all(objects), now=NOW)
    first = record(draft, [], now=NOW, namespace="x")
    assert first is not None and first.status is not None
    assert first.status.occurrence_count == 2 * len(restarts)
    assert record(draft, [first], now=NOW, namespace="x") is None
