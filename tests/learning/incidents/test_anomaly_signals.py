"""Anomaly findings -> MetricAnomaly signals, and their place in an incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dorgu.learning.incidents import (
    ObjectRef,
    PersonaTarget,
    SignalKind,
    anomaly_signals,
    correlate,
    detect_all,
    record,
)
from dorgu.models.anomalies import AnomalyFinding, Band, PersonaRef, SeriesMetric, SeriesRef
from dorgu.models.incidents import IncidentCategory, IncidentSeverity
from dorgu.models.personas_base import LabelSelector
from tests.learning.incidents.objects import oom_crashloop, pod

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
ORDERS = ObjectRef("Deployment", "shop", "orders")
LABELS = {"app.kubernetes.io/name": "orders"}
PERSONA = PersonaTarget("orders", "shop", LabelSelector(match_labels=LABELS))


def _finding(
    metric: SeriesMetric = SeriesMetric.LATENCY,
    *,
    container: str | None = None,
    start: datetime = datetime(2026, 1, 5, 10, 2, tzinfo=UTC),
    end: datetime | None = None,
    observed: float = 0.84,
    score: float = 0.97,
) -> AnomalyFinding:
    return AnomalyFinding(
        persona=PersonaRef(namespace="shop", name="orders"),
        series=SeriesRef(metric=metric, container=container),
        start=start,
        end=end,
        expected=Band(low=0.1, high=0.2),
        observed=observed,
        score=score,
    )


def test_a_latency_finding_is_a_metric_anomaly_on_the_persona_workload():
    (signal,) = anomaly_signals(_finding(), workloads=[(ORDERS, LABELS)])
    assert signal.kind is SignalKind.METRIC_ANOMALY
    assert signal.resource == signal.workload == ORDERS
    assert signal.token == "latency@2026-01-05T10:02:00Z"
    assert signal.at == datetime(2026, 1, 5, 10, 2, tzinfo=UTC)
    assert signal.ongoing is True
    assert signal.reason == "latency"
    assert signal.message == "latency 0.84 s outside 0.1-0.2 s (score 0.97)"
    assert signal.labels == (("app.kubernetes.io/name", "orders"),)
    assert signal.meaning.category is IncidentCategory.HEALTH
    assert signal.meaning.severity is IncidentSeverity.WARNING


def test_category_and_severity_follow_the_metric():
    meanings = {
        metric: anomaly_signals(_finding(metric), workloads=[(ORDERS, {})])[0].meaning
        for metric in SeriesMetric
    }
    assert meanings[SeriesMetric.MEMORY].category is IncidentCategory.RESOURCE
    assert meanings[SeriesMetric.CPU].category is IncidentCategory.RESOURCE
    assert meanings[SeriesMetric.RESTARTS].category is IncidentCategory.HEALTH
    assert meanings[SeriesMetric.ERROR_RATE].category is IncidentCategory.HEALTH
    assert meanings[SeriesMetric.REQUEST_RATE].category is IncidentCategory.SCALING
    assert meanings[SeriesMetric.REQUEST_RATE].severity is IncidentSeverity.INFO
    # every anomaly ranks after every alert and every Kubernetes signal
    assert min(m.rank for m in meanings.values()) == 30


def test_a_growing_finding_is_the_same_sighting_and_an_ended_one_is_no_longer_ongoing():
    (opened,) = anomaly_signals(_finding(), workloads=[(ORDERS, {})])
    (grown,) = anomaly_signals(_finding(observed=2.0, score=0.99), workloads=[(ORDERS, {})])
    ended_at = datetime(2026, 1, 5, 10, 9, tzinfo=UTC)
    (ended,) = anomaly_signals(_finding(end=ended_at), workloads=[(ORDERS, {})])
    assert opened.token == grown.token == ended.token
    assert ended.ongoing is False and ended.at == ended_at


def test_one_signal_per_workload_of_the_persona_in_a_stable_order():
    api = ObjectRef("Deployment", "shop", "api")
    db = ObjectRef("StatefulSet", "shop", "db")
    signals = anomaly_signals(
        _finding(SeriesMetric.MEMORY, container="app"), workloads=[(db, {}), (api, {})]
    )
    assert [s.workload for s in signals] == [api, db]
    assert {s.token for s in signals} == {"memory/app@2026-01-05T10:02:00Z"}
    assert anomaly_signals(_finding(), workloads=[]) == []


def test_an_oomkill_restarts_and_a_latency_anomaly_are_one_incident():
    pods = [pod(f"orders-7d9f8-{i}", containers=[oom_crashloop()]) for i in range(3)]
    signals = [
        *detect_all(pods),
        *anomaly_signals(_finding(SeriesMetric.RESTARTS, container="app"),
                         workloads=[(ORDERS, LABELS)]),
        *anomaly_signals(_finding(), workloads=[(ORDERS, LABELS)]),
    ]  # fmt: skip
    (draft,) = correlate(signals, now=NOW, cluster="prod", personas=[PERSONA])
    assert draft.primary.kind is SignalKind.OOM_KILLED
    assert draft.workload == ORDERS
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None
    spec = incident.spec
    assert spec.detection.signal == "OOMKilled" and spec.detection.source == "kubernetes"
    assert spec.category is IncidentCategory.RESOURCE
    assert spec.root_cause is not None
    contributing = {c.signal: c.detail for c in spec.root_cause.contributing}
    assert contributing == {
        "CrashLoopBackOff": "seen on Pod/orders-7d9f8-0, Pod/orders-7d9f8-1, Pod/orders-7d9f8-2",
        "MetricAnomaly": "latency, restarts/app on Deployment/orders",
    }
    # the anomalies do not move the fingerprint: the same incident as the pods alone
    (alone,) = correlate(detect_all(pods), now=NOW, cluster="prod", personas=[PERSONA])
    assert alone.fingerprint == draft.fingerprint
    # and seeing the same findings again records nothing new
    again = correlate(signals, now=NOW + timedelta(minutes=1), cluster="prod", personas=[PERSONA])
    assert record(again[0], [incident], now=NOW + timedelta(minutes=1), namespace="x") is None


def test_an_anomaly_alone_opens_an_anomaly_incident():
    (draft,) = correlate(anomaly_signals(_finding(), workloads=[(ORDERS, LABELS)]), now=NOW,
                         personas=[PERSONA])  # fmt: skip
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None
    assert incident.spec.detection.signal == "MetricAnomaly"
    assert incident.spec.detection.source == "anomaly"
    assert incident.spec.persona_ref is not None and incident.spec.persona_ref.name == "orders"
    assert [(r.kind, r.name) for r in incident.spec.detection.affected_resources] == [
        ("Deployment", "orders")
    ]
