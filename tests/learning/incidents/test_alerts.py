"""Alertmanager webhook payloads -> Alert signals: workloads from kube-state-metrics labels,
severity and category, identity, and hostile payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.errors import InputError
from dorgu.learning.incidents import (
    ObjectRef,
    PersonaTarget,
    SignalKind,
    alert_signals,
    correlate,
    detect_all,
    parse_webhook,
    record,
)
from dorgu.learning.incidents.alerts import alert_target
from dorgu.models.alertmanager import MAX_ALERTS
from dorgu.models.incidents import IncidentCategory, IncidentSeverity
from dorgu.models.personas_base import LabelSelector
from tests.learning.incidents.objects import oom_crashloop, pod

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
ZERO = "0001-01-01T00:00:00Z"


def _alert(labels: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "KubePodCrashLooping", **labels},
        "annotations": {"summary": "Pod is crash looping."},
        "startsAt": "2026-01-05T10:01:00Z",
        "endsAt": ZERO,
        "generatorURL": "http://prometheus/graph?g0.expr=x",
        "fingerprint": "0a1b2c3d4e5f6789",
        **fields,
    }


def _payload(*alerts: dict[str, Any], status: str = "firing") -> bytes:
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="KubePodCrashLooping"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "dorgu",
            "groupLabels": {"alertname": "KubePodCrashLooping"},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts),
        }
    ).encode()


def _signals(*alerts: dict[str, Any], owners: Any = None) -> list[Any]:
    return list(alert_signals(parse_webhook(_payload(*alerts)), owners=owners).signals)


def test_a_crash_looping_pod_alert_is_an_alert_signal_on_its_deployment():
    (signal,) = _signals(
        _alert({"namespace": "shop", "pod": "orders-5d59d67564-x7k2p", "container": "app",
                "severity": "critical"})
    )  # fmt: skip
    assert signal.kind is SignalKind.ALERT
    assert signal.resource == ObjectRef("Pod", "shop", "orders-5d59d67564-x7k2p")
    assert signal.workload == ObjectRef("Deployment", "shop", "orders")
    assert signal.token == "0a1b2c3d4e5f6789@2026-01-05T10:01:00Z"
    assert signal.at == datetime(2026, 1, 5, 10, 1, tzinfo=UTC)
    assert signal.container == "app"
    assert signal.reason == "KubePodCrashLooping"
    assert signal.message == "Pod is crash looping."
    assert signal.ongoing is True
    assert signal.meaning.severity is IncidentSeverity.CRITICAL
    assert signal.meaning.category is IncidentCategory.HEALTH
    assert signal.meaning.rank == 20


@pytest.mark.parametrize(
    ("labels", "workload"),
    [
        ({"deployment": "orders"}, ("Deployment", "orders")),
        ({"statefulset": "db"}, ("StatefulSet", "db")),
        ({"daemonset": "agent"}, ("DaemonSet", "agent")),
        ({"job_name": "backup-29000"}, ("Job", "backup-29000")),
        ({"cronjob": "backup"}, ("CronJob", "backup")),
        ({"workload": "api", "workload_type": "deployment"}, ("Deployment", "api")),
        # ``job`` is Prometheus' scrape job, never a Kubernetes Job
        ({"job": "kube-state-metrics", "deployment": "orders"}, ("Deployment", "orders")),
        # StatefulSet and DaemonSet pods do not have the Deployment shape: the Pod itself
        ({"pod": "db-0"}, ("Pod", "db-0")),
        ({"pod": "agent-x7k2p"}, ("Pod", "agent-x7k2p")),
        # a name with vowels in the hash position is no pod-template-hash
        ({"pod": "web-service-x7k2p"}, ("Pod", "web-service-x7k2p")),
        ({"pod": "my-api-7c5ddbdf54-q2w9z"}, ("Deployment", "my-api")),
    ],
)
def test_the_workload_comes_from_kube_state_metrics_labels(labels, workload):
    (signal,) = _signals(_alert({"namespace": "shop", **labels}))
    assert (signal.workload.kind, signal.workload.name) == workload
    assert signal.workload.namespace == "shop"


def test_a_node_alert_is_on_the_node():
    (signal,) = _signals(_alert({"alertname": "KubeNodeNotReady", "node": "worker-1"}))
    assert signal.workload == signal.resource == ObjectRef("Node", "", "worker-1")
    assert signal.meaning.category is IncidentCategory.NODE
    assert signal.meaning.severity is IncidentSeverity.WARNING  # no severity label


def test_alerts_naming_no_workload_are_ignored_and_counted():
    found = alert_signals(
        parse_webhook(
            _payload(
                _alert({"alertname": "Watchdog"}),
                _alert({"alertname": "KubeQuotaExceeded", "namespace": "shop"}),
                _alert({"alertname": "Odd", "namespace": "Not_A_Namespace", "pod": "x"}),
                _alert({"namespace": "shop", "deployment": "orders"}),
            )
        )
    )
    assert [s.workload.name for s in found.signals] == ["orders"]
    assert found.ignored == ("Watchdog", "KubeQuotaExceeded", "Odd")


def test_the_informer_objects_resolve_pods_and_lend_labels_for_attribution():
    cron_job_pod = {
        "kind": "Pod",
        "metadata": {"name": "backup-29000-abcde", "namespace": "shop",
                     "ownerReferences": [{"kind": "Job", "name": "backup-29000", "controller": True}]},
    }  # fmt: skip
    job = {
        "kind": "Job",
        "metadata": {"name": "backup-29000", "namespace": "shop",
                     "ownerReferences": [{"kind": "CronJob", "name": "backup", "controller": True}]},
    }  # fmt: skip
    cron = {"kind": "CronJob", "metadata": {"name": "backup", "namespace": "shop",
                                            "labels": {"app": "backup"}}}  # fmt: skip
    owners = {
        ObjectRef("Pod", "shop", "backup-29000-abcde"): cron_job_pod,
        ObjectRef("Job", "shop", "backup-29000"): job,
        ObjectRef("CronJob", "shop", "backup"): cron,
    }
    (by_pod, by_job) = _signals(
        _alert({"namespace": "shop", "pod": "backup-29000-abcde"}),
        _alert({"alertname": "KubeJobFailed", "namespace": "shop", "job_name": "backup-29000"},
               fingerprint="ff"),
        owners=owners,
    )  # fmt: skip
    assert by_pod.workload == by_job.workload == ObjectRef("CronJob", "shop", "backup")
    assert by_pod.labels == by_job.labels == (("app", "backup"),)
    assert by_pod.resource == ObjectRef("Pod", "shop", "backup-29000-abcde")


@pytest.mark.parametrize(
    ("severity", "expected", "rank"),
    [
        ("critical", IncidentSeverity.CRITICAL, 20),
        ("Warning", IncidentSeverity.WARNING, 21),
        ("info", IncidentSeverity.INFO, 22),
        ("none", IncidentSeverity.INFO, 22),
        ("bogus", IncidentSeverity.WARNING, 21),
    ],
)
def test_severity_follows_the_severity_label(severity, expected, rank):
    (signal,) = _signals(_alert({"namespace": "shop", "deployment": "o", "severity": severity}))
    assert (signal.meaning.severity, signal.meaning.rank) == (expected, rank)


def test_category_from_dorgu_category_label_then_known_names_then_health():
    (labelled, known, unknown, bad) = _signals(
        _alert({"namespace": "s", "deployment": "a", "dorgu_category": "Resource"}),
        _alert({"namespace": "s", "deployment": "b", "alertname": "KubeHpaMaxedOut"}),
        _alert({"namespace": "s", "deployment": "c", "alertname": "MyAppSlow"}),
        _alert({"namespace": "s", "deployment": "d", "dorgu_category": "free text"}),
    )
    assert labelled.meaning.category is IncidentCategory.RESOURCE
    assert known.meaning.category is IncidentCategory.SCALING
    assert unknown.meaning.category is IncidentCategory.HEALTH
    assert bad.meaning.category is IncidentCategory.HEALTH


def test_a_resolved_alert_is_the_same_sighting_no_longer_ongoing():
    firing = _alert({"namespace": "shop", "deployment": "orders"})
    resolved = {**firing, "status": "resolved", "endsAt": "2026-01-05T10:04:00+01:00"}
    (before,) = _signals(firing)
    (after,) = _signals(resolved)
    assert (after.kind, after.resource, after.token) == (before.kind, before.resource, before.token)
    assert after.ongoing is False and before.ongoing is True
    assert after.at == datetime(2026, 1, 5, 9, 4, tzinfo=UTC)


def test_a_resent_notification_is_the_same_sighting_and_records_nothing_new():
    alert = _alert({"namespace": "shop", "deployment": "orders"})
    (draft,) = correlate(_signals(alert), now=NOW, cluster="prod")
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None and incident.spec.detection.source == "alertmanager"
    (again,) = correlate(_signals(alert), now=NOW + timedelta(minutes=4), cluster="prod")
    assert again.fingerprint == draft.fingerprint
    assert record(again, [incident], now=NOW + timedelta(minutes=4), namespace="x") is None


def test_the_fingerprint_holds_no_alertname_or_annotation_text():
    one = _alert({"namespace": "shop", "deployment": "orders", "alertname": "A"})
    other = _alert(
        {"namespace": "shop", "deployment": "orders", "alertname": "B"},
        annotations={"summary": "something else"},
        fingerprint="99",
        startsAt="2026-01-05T10:02:00Z",
    )
    (first,) = correlate(_signals(one), now=NOW)
    (second,) = correlate(_signals(other), now=NOW)
    assert first.fingerprint == second.fingerprint
    assert first.primary.kind is SignalKind.ALERT


def test_kubernetes_signals_stay_primary_over_an_alert_on_the_same_workload():
    orders = PersonaTarget(
        "orders", "shop", LabelSelector(match_labels={"app.kubernetes.io/name": "orders"})
    )
    pods = [pod(f"orders-7d9f8-{i}", containers=[oom_crashloop()]) for i in range(2)]
    alert = _alert({"namespace": "shop", "deployment": "orders", "severity": "critical"})
    (draft,) = correlate([*detect_all(pods), *_signals(alert)], now=NOW, personas=[orders])
    assert draft.primary.kind is SignalKind.OOM_KILLED
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None
    assert incident.spec.detection.source == "kubernetes"
    assert incident.spec.root_cause is not None
    contributing = {c.signal: c.detail for c in incident.spec.root_cause.contributing}
    assert contributing["Alert"] == "KubePodCrashLooping on Deployment/orders"


# Hostile payloads: one-line InputError naming the field, never another exception.


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"", "body"),
        (b"\xff\xfe\x00", "body"),
        (b"[1, 2]", "body"),
        (b"{", "body"),
        (b"[" * 10_000 + b"]" * 10_000, "body"),
        (b'{"version": "3", "status": "firing", "alerts": []}', "version"),
        (b'{"version": "4", "status": "burning", "alerts": []}', "status"),
        (json.dumps({"version": "4", "status": "firing", "alerts": "x"}).encode(), "alerts"),
        (_payload(_alert({}, startsAt="yesterday")), "alerts.0.startsAt"),
        (_payload(_alert({}, startsAt="2026-01-05T10:00:00")), "alerts.0.startsAt"),  # no zone
        (_payload(_alert({}, startsAt="0001-01-01T00:00:00+05:00")), "alerts.0.startsAt"),
        (_payload(_alert({}, fingerprint="not hex!")), "alerts.0.fingerprint"),
        (_payload(_alert({"namespace": "x" * 5000})), "alerts.0.labels.namespace"),
        (_payload(_alert({f"l{i}": "v" for i in range(100)})), "alerts.0.labels"),
        (_payload({**_alert({}), "labels": ["a"]}), "alerts.0.labels"),
        (_payload(*[_alert({})] * (MAX_ALERTS + 1)), "alerts"),
    ],
)
def test_hostile_payloads_are_one_line_input_errors(body, where):
    with pytest.raises(InputError) as caught:
        parse_webhook(body)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 500
    assert f": {where}: " in message


def test_a_control_character_in_a_label_name_does_not_reach_the_message():
    body = _payload(_alert({"bad\nname" + "x" * 200: "v" * 5000}))
    with pytest.raises(InputError) as caught:
        parse_webhook(body)
    assert "\n" not in str(caught.value)


def test_long_text_is_bounded_and_unknown_fields_are_ignored():
    (signal,) = _signals(
        _alert(
            {"namespace": "shop", "deployment": "orders", "alertname": "A" * 1000},
            annotations={"description": "line\n" * 800},
            extra={"anything": [1, 2, 3]},
        )
    )
    assert signal.reason is not None and len(signal.reason) <= 63
    assert signal.message is not None and len(signal.message) <= 512 and "\n" not in signal.message


label_text = st.text(max_size=12) | st.sampled_from(
    ["shop", "orders", "orders-5d59d67564-x7k2p", "db-0", "", "-", "a.b", "UPPER", "x" * 300]
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["namespace", "pod", "deployment", "statefulset", "daemonset", "job_name",
                         "cronjob", "workload", "workload_type", "node", "container", "severity",
                         "alertname", "dorgu_category"]),
        label_text,
    )
)  # fmt: skip
def test_any_labels_give_a_valid_target_or_none(labels):
    target = alert_target(labels)
    if target is not None:
        resource, workload, _ = target
        assert workload.name and len(workload.name) <= 253
        assert workload.namespace == resource.namespace
    found = alert_signals(parse_webhook(_payload(_alert(labels))))
    assert len(found.signals) + len(found.ignored) == 1
    for signal in found.signals:
        (draft,) = correlate([signal], now=NOW)
        assert record(draft, [], now=NOW, namespace="dorgu-system") is not None


junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.sampled_from(["4", "firing", "resolved", "2026-01-05T10:00:00Z", "shop", "orders"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "status",
                    "alerts",
                    "labels",
                    "annotations",
                    "startsAt",
                    "endsAt",
                    "fingerprint",
                    "namespace",
                    "pod",
                    "deployment",
                    "node",
                ]
            )
            | st.text(max_size=5),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(junk)
def test_junk_bodies_are_input_errors_or_payloads_never_crashes(body):
    try:
        payload = parse_webhook(json.dumps(body).encode())
    except InputError as error:
        problem = str(error)
    else:
        alert_signals(payload)
        return
    assert "\n" not in problem
