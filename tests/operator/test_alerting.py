"""The Alertmanager receiver over real HTTP on loopback: auth, size limit, clean errors with one
log line each, resolved alerts, attribution labels from the informer caches, and a failing
pipeline answered with 500 so Alertmanager retries."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest

from dorgu.learning.incidents import ObjectRef, Signal, SignalKind
from dorgu.operator.alerting import ALERTMANAGER_PATH, AlertReceiver, CachedOwners
from dorgu.operator.metrics import Metrics
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.serving import Server
from tests.operator.cluster_support import deployment

TOKEN = "s3cret-token-value"


def _payload(status: str = "firing", **labels: str) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {"alertname": "KubePodCrashLooping", "severity": "critical",
                   "namespace": "shop", "pod": "web-5d59d67564-x7k2p", **labels},
        "annotations": {"summary": "crash looping"},
        "startsAt": "2026-01-05T10:01:00Z",
        "endsAt": "2026-01-05T10:06:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "fingerprint": "0a1b2c3d4e5f6789",
    }  # fmt: skip
    return {"version": "4", "status": status, "receiver": "dorgu", "groupLabels": {},
            "commonLabels": {}, "alerts": [alert, {**alert, "labels": {"alertname": "Watchdog"},
                                                   "fingerprint": "ff"}]}  # fmt: skip


class Sink:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[Signal]] = []
        self.fail = fail

    async def __call__(self, signals: Sequence[Signal]) -> None:
        if self.fail:
            raise RuntimeError("pipeline down")
        self.batches.append(list(signals))


def _served(
    receiver: AlertReceiver,
) -> Callable[[Callable[[httpx.AsyncClient], Awaitable[None]]], None]:
    def run(body: Callable[[httpx.AsyncClient], Awaitable[None]]) -> None:
        async def go() -> None:
            server = Server(receiver.app(), host="127.0.0.1", port=0)
            await server.start()
            try:
                base = f"http://127.0.0.1:{server.port}"
                async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
                    await body(client)
            finally:
                await server.stop()

        asyncio.run(go())

    return run


BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_firing_then_resolved_alerts_reach_submit_with_counts():
    sink = Sink()
    receiver = AlertReceiver(submit=sink, token=TOKEN)

    async def body(client: httpx.AsyncClient) -> None:
        answer = await client.post(ALERTMANAGER_PATH, json=_payload(), headers=BEARER)
        assert answer.status_code == 200
        assert answer.json() == {"accepted": 1, "ignored": 1}
        answer = await client.post(ALERTMANAGER_PATH, json=_payload("resolved"), headers=BEARER)
        assert answer.status_code == 200

    _served(receiver)(body)
    (firing,), (resolved,) = sink.batches
    assert firing.kind is SignalKind.ALERT
    assert firing.workload == ObjectRef("Deployment", "shop", "web")
    assert firing.ongoing and not resolved.ongoing
    assert (resolved.resource, resolved.token) == (firing.resource, firing.token)
    assert receiver.requests.value(result="ok") == 2


def test_basic_auth_with_the_token_as_password_is_accepted():
    sink = Sink()
    basic = base64.b64encode(f"alertmanager:{TOKEN}".encode()).decode()

    async def body(client: httpx.AsyncClient) -> None:
        answer = await client.post(ALERTMANAGER_PATH, json=_payload(),
                                   headers={"Authorization": f"Basic {basic}"})  # fmt: skip
        assert answer.status_code == 200

    _served(AlertReceiver(submit=sink, token=TOKEN))(body)
    assert len(sink.batches) == 1


def test_bad_requests_get_clean_answers_one_log_line_each_and_never_reach_submit(caplog):
    sink = Sink()
    receiver = AlertReceiver(submit=sink, token=TOKEN, max_body=4096)
    caplog.set_level(logging.DEBUG, logger="dorgu.operator.alerting")
    wrong_basic = base64.b64encode(b"user:nope").decode()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    async def body(client: httpx.AsyncClient) -> None:
        cases: list[tuple[int, dict[str, Any]]] = [
            (401, {"json": _payload()}),
            (401, {"json": _payload(), "headers": {"Authorization": "Bearer wrong"}}),
            (401, {"json": _payload(), "headers": {"Authorization": f"Basic {wrong_basic}"}}),
            (401, {"json": _payload(), "headers": {"Authorization": "Basic %%%"}}),
            (401, {"json": _payload(), "headers": {"Authorization": TOKEN}}),
            # no token: refused before the (too large) body matters
            (401, {"content": b"x" * 100_000}),
            (413, {"content": b"x" * 100_000, "headers": BEARER}),
            (413, {"content": chunks(), "headers": BEARER}),  # chunked, no Content-Length
            (400, {"content": b"{not json", "headers": BEARER}),
            (400, {"json": {"version": "4", "status": "firing", "alerts": [{"status": "?"}]},
                   "headers": BEARER}),
            (400, {"json": [1, 2], "headers": BEARER}),
        ]  # fmt: skip
        for status, request in cases:
            answer = await client.post(ALERTMANAGER_PATH, **request)
            assert answer.status_code == status, (status, request.get("headers"))
            error = answer.json()["error"]
            assert isinstance(error, str) and "\n" not in error
            if status == 401:
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await client.get(ALERTMANAGER_PATH, headers=BEARER)).status_code == 405

    _served(receiver)(body)
    assert sink.batches == []
    lines = [r for r in caplog.records if r.name == "dorgu.operator.alerting"]
    assert len(lines) == 11 and all(r.levelno == logging.WARNING for r in lines)
    assert all(TOKEN not in r.getMessage() and "{not json" not in r.getMessage() for r in lines)
    assert receiver.requests.value(result="401") == 6
    assert receiver.requests.value(result="413") == 2
    assert receiver.requests.value(result="400") == 3


def test_a_failing_pipeline_is_a_500_so_alertmanager_retries(caplog):
    receiver = AlertReceiver(submit=Sink(fail=True), token=TOKEN)
    caplog.set_level(logging.WARNING, logger="dorgu.operator.alerting")

    async def body(client: httpx.AsyncClient) -> None:
        answer = await client.post(ALERTMANAGER_PATH, json=_payload(), headers=BEARER)
        assert answer.status_code == 500

    _served(receiver)(body)
    assert receiver.requests.value(result="failed") == 1
    (line,) = [r for r in caplog.records if r.name == "dorgu.operator.alerting"]
    assert "pipeline down" in line.getMessage()


def test_cached_workloads_lend_their_labels_and_the_counter_is_exported():
    view = ClusterView()
    workload = deployment("web")
    workload["metadata"]["namespace"] = "shop"
    workload["metadata"]["labels"] = {"app.kubernetes.io/name": "web", "team": "a"}
    view.deployments.put(workload)
    owners = CachedOwners(view)
    assert list(owners) == [ObjectRef("Deployment", "shop", "web")] and len(owners) == 1
    sink = Sink()
    metrics = Metrics()
    receiver = AlertReceiver(submit=sink, token=TOKEN, owners=owners)
    metrics.add_counter(receiver.requests)

    async def body(client: httpx.AsyncClient) -> None:
        answer = await client.post(
            ALERTMANAGER_PATH, json=_payload(pod="", deployment="web"), headers=BEARER
        )
        assert answer.status_code == 200

    _served(receiver)(body)
    (signal,) = sink.batches[0]
    assert signal.workload == ObjectRef("Deployment", "shop", "web")
    assert dict(signal.labels) == {"app.kubernetes.io/name": "web", "team": "a"}
    assert 'dorgu_alertmanager_requests_total{result="ok"} 1' in metrics.render()


def test_a_receiver_without_a_token_cannot_be_built():
    with pytest.raises(ValueError, match="token"):
        AlertReceiver(submit=Sink(), token="")


def test_json_dumps_is_deterministic_for_the_answer():
    # the answer body has sorted keys (deterministic output)
    sink = Sink()

    async def body(client: httpx.AsyncClient) -> None:
        answer = await client.post(ALERTMANAGER_PATH, json=_payload(), headers=BEARER)
        assert answer.content == json.dumps({"accepted": 1, "ignored": 1}, sort_keys=True).encode()

    _served(AlertReceiver(submit=sink, token=TOKEN))(body)


def test_a_large_notification_is_converted_like_alert_signals_does():
    from dorgu.learning.incidents import alert_signals, parse_webhook

    alerts = [
        {**_payload()["alerts"][0], "fingerprint": f"{i:016x}",
         "labels": {"alertname": "KubePodCrashLooping", "namespace": f"ns{i % 7}",
                    "deployment": f"app{i % 11}"}}
        for i in range(300)
    ] + [{**_payload()["alerts"][1], "fingerprint": "ee"}]  # fmt: skip
    body = {"version": "4", "status": "firing", "alerts": alerts,
            "commonAnnotations": {"padding": "p" * 70_000}}  # parsed in a thread  # fmt: skip
    sink = Sink()

    async def post(client: httpx.AsyncClient) -> None:
        answer = await client.post(ALERTMANAGER_PATH, json=body, headers=BEARER)
        assert answer.json() == {"accepted": 300, "ignored": 1}

    _served(AlertReceiver(submit=sink, token=TOKEN))(post)
    expected = alert_signals(parse_webhook(json.dumps(body).encode()))
    assert sink.batches == [list(expected.signals)]
