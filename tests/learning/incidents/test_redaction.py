"""Evidence redaction: secrets in Kubernetes messages (Event messages, waiting reasons,
condition messages) never reach an IncidentMemory, whoever built the signal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dorgu.learning.incidents import ObjectRef, Signal, SignalKind, correlate, detect_all, record
from dorgu.learning.incidents.messages import clean_message
from dorgu.models.incidents import MAX_DETAIL
from dorgu.models.personas_base import dump_wire
from tests.learning.incidents.objects import pod, waiting

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
PASSWORD = "s3cr3t-Hunter2-pw"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcmRlcnMifQ.c2lnbmF0dXJlLXZhbHVl"


def _probe_event(message: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "orders-7d9f8-a.1", "namespace": "shop", "uid": "ev-1"},
        "involvedObject": {"kind": "Pod", "name": "orders-7d9f8-a", "namespace": "shop"},
        "reason": "Unhealthy",
        "message": message,
        "lastTimestamp": "2026-01-05T10:04:00Z",
    }


def _stored(objects: list[dict]) -> str:
    drafts = correlate(detect_all(objects, now=NOW), now=NOW, cluster="test")
    assert drafts
    written = [record(d, [], now=NOW, namespace="dorgu-system") for d in drafts]
    return json.dumps([dump_wire(w) for w in written if w is not None])


def test_a_token_in_an_event_message_never_reaches_the_object():
    event = _probe_event(
        f"Liveness probe failed: GET /healthz?token={GITHUB} returned 500: "
        f"Authorization: Bearer {BEARER}"
    )
    stored = _stored([pod("orders-7d9f8-a"), event])
    assert GITHUB not in stored and BEARER not in stored
    assert "[redacted:" in stored
    assert "Liveness probe failed: GET /healthz" in stored  # the useful part stays


def test_a_secret_env_value_in_a_waiting_message_never_reaches_the_object():
    container = waiting(
        "CreateContainerConfigError",
        f"couldn't start: env DATABASE_PASSWORD={PASSWORD} rejected; postgres://app:{PASSWORD}@db",
    )
    stored = _stored([pod("orders-7d9f8-a", containers=[container])])
    assert PASSWORD not in stored
    assert "CreateContainerConfigError" in stored


def test_signals_built_elsewhere_are_redacted_when_recorded():
    # e.g. an Alertmanager or anomaly input that did not go through detect()
    workload = ObjectRef("Deployment", "shop", "orders")
    signal = Signal(
        SignalKind.CRASH_LOOP_BACK_OFF,
        ObjectRef("Pod", "shop", "orders-1"),
        workload,
        "t1",
        at=NOW,
        reason="api_key=" + PASSWORD,
        message=f"exited: --password {PASSWORD} AWS AKIAIOSFODNN7EXAMPLE",
    )
    (draft,) = correlate([signal], now=NOW)
    stored = json.dumps(dump_wire(record(draft, [], now=NOW, namespace="x")))
    assert PASSWORD not in stored and "AKIAIOSFODNN7EXAMPLE" not in stored


def test_a_secret_across_the_truncation_point_is_redacted_before_the_cut():
    message = "x " * (MAX_DETAIL // 2 - 10) + f"token={GITHUB}"
    cleaned = clean_message(message)
    assert cleaned is not None and len(cleaned) <= MAX_DETAIL
    assert GITHUB[:12] not in cleaned


def test_a_huge_message_is_bounded_and_cheap():
    cleaned = clean_message("a" * 5_000_000)
    assert cleaned is not None and len(cleaned) == MAX_DETAIL
    assert clean_message(None) is None
