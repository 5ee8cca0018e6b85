"""Correlation, fingerprints, recurrence, attribution and retention, computed by hand."""

from datetime import UTC, datetime, timedelta

from dorgu.learning.incidents import (
    ObjectRef,
    PersonaTarget,
    SignalKind,
    correlate,
    detect_all,
    expired,
    fingerprint,
    record,
)
from dorgu.models.incidents import (
    FINGERPRINT_LABEL,
    MAX_AFFECTED_RESOURCES,
    Attribution,
    IncidentCategory,
    IncidentPhase,
    IncidentSeverity,
    PersonaKind,
    PersonaRef,
)
from dorgu.models.personas_base import LabelSelector
from tests.learning.incidents.objects import oom_crashloop, pod

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
ORDERS = PersonaTarget(
    "orders", "shop", LabelSelector(match_labels={"app.kubernetes.io/name": "orders"})
)


def _crashing(count: int, restarts: int = 3, finished: str = "2026-01-05T10:00:00Z"):
    return [
        pod(f"orders-7d9f8-{i}", containers=[oom_crashloop(restarts, finished)])
        for i in range(count)
    ]


def test_three_oom_crashing_pods_are_one_incident_with_three_pods():
    (draft,) = correlate(detect_all(_crashing(3)), now=NOW, cluster="prod", personas=[ORDERS])
    assert draft.primary.kind is SignalKind.OOM_KILLED
    assert draft.category is IncidentCategory.RESOURCE
    assert draft.severity is IncidentSeverity.CRITICAL
    assert draft.persona == PersonaRef(
        kind=PersonaKind.APPLICATION, name="orders", namespace="shop"
    )
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None
    assert incident.metadata.name == f"orders-{draft.fingerprint[:10]}-1"
    assert incident.metadata.namespace == "shop"
    assert incident.metadata.labels[FINGERPRINT_LABEL] == draft.fingerprint  # type: ignore[index]
    spec, status = incident.spec, incident.status
    assert status is not None
    assert spec.attribution is Attribution.PERSONA
    assert spec.detection.signal == "OOMKilled"
    assert [(r.kind, r.name, r.role) for r in spec.detection.affected_resources] == [
        ("Deployment", "orders", "workload"),
        ("Pod", "orders-7d9f8-0", "pod"),
        ("Pod", "orders-7d9f8-1", "pod"),
        ("Pod", "orders-7d9f8-2", "pod"),
    ]
    assert spec.root_cause is not None
    assert [c.signal for c in spec.root_cause.contributing] == ["CrashLoopBackOff"]
    assert status.phase is IncidentPhase.DETECTED
    assert status.occurrence_count == 6  # 3 pods x (OOMKill + crash loop)


def test_fingerprint_is_identity_only():
    workload = ObjectRef("Deployment", "shop", "orders")
    base = {
        "cluster": "prod",
        "persona": None,
        "workload": workload,
        "category": IncidentCategory.RESOURCE,
        "signal": SignalKind.OOM_KILLED,
    }
    first = fingerprint(**base)  # type: ignore[arg-type]
    assert len(first) == 32 and first == fingerprint(**base)  # type: ignore[arg-type]
    assert fingerprint(**{**base, "cluster": "staging"}) != first  # type: ignore[arg-type]
    assert fingerprint(**{**base, "signal": SignalKind.CRASH_LOOP_BACK_OFF}) != first  # type: ignore[arg-type]
    other = ObjectRef("Deployment", "shop", "orders-v2")
    assert fingerprint(**{**base, "workload": other}) != first  # type: ignore[arg-type]
    # later restarts, other pods, other messages: same incident
    later = correlate(
        detect_all(_crashing(1, restarts=9, finished="2026-01-05T10:04:00Z")), now=NOW
    )
    now_ = correlate(detect_all(_crashing(3)), now=NOW)
    assert later[0].fingerprint == now_[0].fingerprint == fingerprint(**{**base, "cluster": ""})  # type: ignore[arg-type]


def test_seeing_the_same_objects_again_changes_nothing_and_new_restarts_count():
    (draft,) = correlate(detect_all(_crashing(3)), now=NOW)
    incident = record(draft, [], now=NOW, namespace="x")
    assert incident is not None
    assert record(draft, [incident], now=NOW + timedelta(seconds=30), namespace="x") is None
    (again,) = correlate(
        detect_all(_crashing(1, restarts=4, finished="2026-01-05T10:04:00Z")), now=NOW
    )
    updated = record(again, [incident], now=NOW, namespace="x")
    assert updated is not None and updated.status is not None
    assert updated.metadata.name == incident.metadata.name
    assert updated.status.occurrence_count == 6 + 2
    # both new sightings date from the new termination (the crash loop's lastState)
    assert updated.status.last_occurrence == datetime(2026, 1, 5, 10, 4, tzinfo=UTC)
    assert updated.spec.detection.last_seen == datetime(2026, 1, 5, 10, 4, tzinfo=UTC)
    assert updated.spec.detection.first_seen == incident.spec.detection.first_seen


def test_recurrence_after_resolution_is_a_new_linked_episode():
    (draft,) = correlate(detect_all(_crashing(1)), now=NOW)
    first = record(draft, [], now=NOW, namespace="x")
    assert first is not None and first.status is not None
    resolved = first.model_copy(
        update={
            "status": first.status.model_copy(
                update={"phase": IncidentPhase.RESOLVED, "resolved_at": NOW + timedelta(minutes=1)}
            )
        }
    )
    # the lingering lastState of the old crash is not a recurrence
    assert record(draft, [resolved], now=NOW + timedelta(minutes=2), namespace="x") is None
    later = NOW + timedelta(hours=1)
    (again,) = correlate(
        detect_all(_crashing(1, restarts=7, finished="2026-01-05T11:04:00Z")), now=later
    )
    assert again.fingerprint == draft.fingerprint
    recurring = record(again, [resolved], now=later, namespace="x")
    assert recurring is not None and recurring.status is not None
    assert recurring.status.phase is IncidentPhase.RECURRING
    assert recurring.status.episode == 2
    assert recurring.spec.previous_incident == first.metadata.name
    assert recurring.metadata.name != first.metadata.name
    assert recurring.metadata.name.endswith("-2")


def test_signals_further_apart_than_the_window_are_separate_drafts():
    early = _crashing(1, finished="2026-01-05T09:00:00Z")
    late = _crashing(1, restarts=5)
    drafts = correlate(
        detect_all(early + late),
        now=datetime(2026, 1, 5, 9, 5, tzinfo=UTC),
        window=timedelta(minutes=10),
    )
    assert len(drafts) == 2 and drafts[0].fingerprint == drafts[1].fingerprint


def test_old_past_records_are_ignored_but_ongoing_states_are_not():
    week_old = "2025-12-29T10:00:00Z"
    running = {
        "name": "app",
        "ready": True,
        "restartCount": 1,
        "state": {"running": {}},
        "lastState": {"terminated": {"reason": "OOMKilled", "finishedAt": week_old}},
    }
    assert correlate(detect_all([pod("p", containers=[running])]), now=NOW) == []
    pending = pod(
        "p",
        phase="Pending",
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "lastTransitionTime": week_old,
            }
        ],
    )
    assert len(correlate(detect_all([pending]), now=NOW)) == 1


def test_affected_resources_are_capped():
    (draft,) = correlate(detect_all(_crashing(50)), now=NOW)
    incident = record(draft, [], now=NOW, namespace="x")
    assert incident is not None and incident.status is not None
    assert len(incident.spec.detection.affected_resources) == MAX_AFFECTED_RESOURCES
    assert len(incident.status.recent_occurrences) == 20
    assert incident.status.occurrence_count == 100  # 50 pods x (OOMKill + crash loop)
    # resyncing the same 50 pods adds nothing, though 80 sightings fell out of the ring
    assert record(draft, [incident], now=NOW, namespace="x") is None


def test_unattributed_and_cluster_persona():
    (draft,) = correlate(
        detect_all(_crashing(1)),
        now=NOW,
        personas=[
            PersonaTarget(
                "billing", "shop", LabelSelector(match_labels={"app.kubernetes.io/name": "billing"})
            ),
            PersonaTarget("orders", "other-ns", ORDERS.selector),
        ],
    )
    assert draft.persona is None
    node = {
        "kind": "Node",
        "metadata": {"name": "w1"},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "False", "lastTransitionTime": "2026-01-05T10:00:00Z"}
            ]
        },
    }
    (down,) = correlate(detect_all([node]), now=NOW, cluster_persona="prod")
    assert down.persona == PersonaRef(kind=PersonaKind.CLUSTER, name="prod")
    incident = record(down, [], now=NOW, namespace="dorgu-system")
    assert incident is not None and incident.metadata.namespace == "dorgu-system"


def test_retention_of_resolved_incidents():
    (draft,) = correlate(detect_all(_crashing(1)), now=NOW)
    incident = record(draft, [], now=NOW, namespace="x")
    assert incident is not None and incident.status is not None
    assert not expired(incident, now=NOW + timedelta(days=400))  # open incidents stay
    resolved = incident.model_copy(
        update={
            "status": incident.status.model_copy(
                update={"phase": IncidentPhase.RESOLVED, "resolved_at": NOW}
            )
        }
    )
    assert not expired(resolved, now=NOW + timedelta(days=29))
    assert expired(resolved, now=NOW + timedelta(days=30))
    short = resolved.model_copy(
        update={"spec": resolved.spec.model_copy(update={"retention": "1h30m"})}
    )
    assert not expired(short, now=NOW + timedelta(minutes=89))
    assert expired(short, now=NOW + timedelta(minutes=90))
