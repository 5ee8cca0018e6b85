"""The learner's service without a server: personas go in chunks of at most 50 workloads, a
chunk Prometheus cannot answer marks only its personas failed, every chunk failing raises,
a chunk slower than its timeout fails like an unreachable Prometheus, and a persona's HTTP
query failing keeps its previous ``http``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from dorgu.clients.prometheus import PrometheusClient, PrometheusError
from dorgu.models.personas_learned import HttpBaseline, LearnedState
from dorgu.services.learning import LearnTarget, learn_baselines, plan_chunks
from dorgu.services.usage import UsageOptions
from dorgu.services.workloads import workload_of

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
EMPTY = {"status": "success", "data": {"resultType": "vector", "result": []}}
MATRIX = {"status": "success", "data": {"resultType": "matrix", "result": []}}
BAD = {"status": "error", "errorType": "bad_data", "error": "nope"}


def _target(index: int, previous: LearnedState | None = None) -> LearnTarget:
    name = f"app{index:03d}"
    body = {"kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"template": {"spec": {"containers": [{"name": name}]}}}}  # fmt: skip
    return LearnTarget(("shop", name), (workload_of(body),), main=name, previous=previous)


def _run(targets: list[LearnTarget], answer, timeout: float | None = None):  # type: ignore[no-untyped-def]
    async def scenario():  # type: ignore[no-untyped-def]
        async def handle(request: httpx.Request) -> httpx.Response:
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            status, body = await answer(request.url.path, form["query"])
            return httpx.Response(status, content=json.dumps(body).encode())

        client = PrometheusClient("http://prom:9090", transport=httpx.MockTransport(handle),
                                  backoff_seconds=0.0)  # fmt: skip
        try:
            options = UsageOptions(window_seconds=86400, end=NOW.timestamp(), series=True)
            result = await learn_baselines(targets, client=client, options=options, window="1d",
                                           now=NOW, chunk_timeout=timeout)  # fmt: skip
            return result, client.stats
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_personas_go_in_chunks_of_at_most_50_workloads() -> None:
    targets = [_target(i) for i in range(120)]
    assert [len(c) for c in plan_chunks(targets)] == [50, 50, 20]


def test_a_chunk_prometheus_refuses_marks_only_its_personas_failed() -> None:
    targets = [_target(i) for i in range(60)]
    probes = []

    async def answer(path: str, query: str):  # type: ignore[no-untyped-def]
        if query == "vector(1)":
            probes.append(query)
            return (400, BAD) if len(probes) == 2 else (200, EMPTY)
        return 200, MATRIX if path.endswith("query_range") else EMPTY

    result, stats = _run(targets, answer)
    assert sorted(result.failed) == [t.key for t in targets[50:]]
    assert "refused the query" in result.failed[targets[55].key]
    assert sorted(result.learned) == [t.key for t in targets[:50]]
    assert result.learned[targets[0].key].containers == []  # no data for it: nothing learned
    assert stats.sent == (1 + 2 + 50) + 1  # chunk 1: probe, one batch, 50 HTTP; chunk 2: probe


def test_every_chunk_failing_raises_and_a_slow_chunk_fails_on_its_timeout() -> None:
    async def refuse(path: str, query: str):  # type: ignore[no-untyped-def]
        return 400, BAD

    with pytest.raises(PrometheusError, match="refused the query"):
        _run([_target(0)], refuse)

    async def slow(path: str, query: str):  # type: ignore[no-untyped-def]
        await asyncio.sleep(5)
        return 200, EMPTY

    with pytest.raises(PrometheusError, match=r"did not answer within 0\.2s"):
        _run([_target(0)], slow, timeout=0.2)


def test_a_failed_http_query_keeps_the_previous_http_baseline() -> None:
    old = HttpBaseline(metric="http_requests_total", error_ratio=0.01)
    target = _target(0, previous=LearnedState(http=old))

    async def answer(path: str, query: str):  # type: ignore[no-untyped-def]
        if "http_requests_total" in query:
            return 400, BAD
        return 200, MATRIX if path.endswith("query_range") else EMPTY

    result, _ = _run([target], answer)
    assert result.http_failed == {target.key}
    assert result.learned[target.key].http == old
