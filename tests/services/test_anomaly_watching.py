"""``PersonaWatch`` against a local server speaking Prometheus' HTTP API: the warm start reads
one bounded range per group (in pieces), later ticks read only new steps, a failed read is
retried from the same place, and a restart neither forgets nor double-counts anomalies."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest

from dorgu.clients.prometheus import PrometheusClient, PrometheusError
from dorgu.models.anomalies import AnomalySummary, PersonaRef, SeriesMetric
from dorgu.services.anomalies.queries import MAX_POINTS, Scope, group_queries, pieces
from dorgu.services.anomalies.watching import DAY, MAX_RECENT, PersonaWatch, WatchOptions
from tests.clients.prometheus_server import Reply, failure, serve, success

STEP = 60.0
END = math.floor(1_800_000_000 / STEP) * STEP
FAULT = END - 3600.0
PERSONA = PersonaRef(namespace="shop", name="web")
SCOPE = Scope(namespace="shop", workloads=(("Deployment", "web"),))


def _cpu(t: float) -> float:
    level = 0.2 * (1 + 0.5 * math.sin(2 * math.pi * t / DAY)) * (1 + 0.03 * math.sin(t / 7))
    return level * (3 if FAULT <= t < FAULT + 1800 else 1)


def _answer(down: list[bool]):
    def answer(path: str, form: dict[str, str]) -> Reply:
        if down and down[0]:
            return failure(503, "unavailable", "down for maintenance")
        if "container_cpu_usage_seconds_total" not in form["query"]:
            return success("matrix", [])
        start, end, step = float(form["start"]), float(form["end"]), float(form["step"][:-1])
        times = [start + i * step for i in range(int((end - start) / step) + 1)]
        values = [[t, f"{_cpu(t):.6f}"] for t in times]
        return success("matrix", [{"metric": {"container": "app"}, "values": values}])

    return answer


def _advance(url: str, watch: PersonaWatch, now: float):
    async def go():
        client = PrometheusClient(url, retries=0)
        try:
            return await watch.advance(client, now=now)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_queries_select_the_personas_pods_and_drop_pod_level_series():
    queries = group_queries(SCOPE, rate_window=120, step=60)
    assert set(queries) == set(SeriesMetric)
    cpu = queries[SeriesMetric.CPU]
    assert 'namespace="shop"' in cpu and 'pod=~"web-[a-z0-9]{1,10}-[a-z0-9]{5}"' in cpu
    assert 'container!=""' in cpu and "[2m]" in cpu
    assert "and present_over_time(container_cpu_usage_seconds_total{" in cpu
    assert cpu.count("[2m]") == 1 and cpu.count("[1m]") == 1
    assert 'code=~\\"5..\\"' not in queries[SeriesMetric.ERROR_RATE]
    assert 'code=~"5.."' in queries[SeriesMetric.ERROR_RATE]


def test_a_long_range_is_cut_into_pieces_prometheus_accepts():
    got = pieces(0.0, 3 * DAY, 5.0)
    assert got[0][0] == 0.0 and got[-1][1] == 3 * DAY
    assert all((high - low) / 5.0 + 1 <= MAX_POINTS for low, high in got)
    assert all(b[0] - a[1] == 5.0 for a, b in itertools.pairwise(got))


def test_the_warm_start_reads_the_history_once_then_only_new_steps():
    with serve(_answer([])) as server:
        watch = PersonaWatch(PERSONA, SCOPE, WatchOptions(step=STEP, history=2 * DAY))
        _advance(server.url, watch, END - 7200 + 5)
        warm = [f for _, f in server.requests]
        assert len(warm) == len(SeriesMetric)
        assert {float(f["start"]) for f in warm} == {END - 7200 - 2 * DAY}
        assert {float(f["end"]) for f in warm} == {END - 7200}
        server.requests.clear()
        _advance(server.url, watch, END - 7200 + 2 * STEP + 1)
        later = [f for _, f in server.requests]
        assert {float(f["start"]) for f in later} == {END - 7200 + STEP}
        assert {float(f["end"]) for f in later} == {END - 7200 + 2 * STEP}
    assert len(watch.series) == 1 and watch.summary().series == 1


def test_a_failed_read_is_retried_from_the_same_place():
    down = [False]
    with serve(_answer(down)) as server:
        watch = PersonaWatch(PERSONA, SCOPE, WatchOptions(step=STEP, history=2 * DAY))
        _advance(server.url, watch, END - 7200)
        down[0] = True
        with pytest.raises(PrometheusError, match="unavailable"):
            _advance(server.url, watch, END - 7200 + 3 * STEP)
        assert watch.cursor == END - 7200
        down[0] = False
        server.requests.clear()
        _advance(server.url, watch, END - 7200 + 3 * STEP)
        assert {float(f["start"]) for _, f in server.requests} == {END - 7200 + STEP}


def test_a_fault_is_found_and_a_restarted_watch_does_not_count_it_again():
    with serve(_answer([])) as server:
        first = PersonaWatch(PERSONA, SCOPE, WatchOptions(step=STEP, history=3 * DAY))
        found = _advance(server.url, first, END)
        summary = first.summary()
        assert summary.total == 1, summary
        (episode,) = summary.recent
        assert episode.series.metric is SeriesMetric.CPU and episode.series.container == "app"
        assert FAULT - STEP <= episode.start.timestamp() <= FAULT + 3 * STEP
        assert episode.end is not None and episode.observed > episode.expected.high
        assert found, "the warm start of a fresh watch reports what it found"

        stored = AnomalySummary.model_validate(summary.model_dump(by_alias=True, mode="json"))
        second = PersonaWatch(PERSONA, SCOPE, WatchOptions(step=STEP, history=3 * DAY))
        second.resume(stored)
        again = _advance(server.url, second, END)
        assert again == []
        assert second.summary().total == 1
        assert second.summary().recent == summary.recent


def test_the_summary_keeps_only_the_last_few_ended_anomalies():
    watch = PersonaWatch(PERSONA, SCOPE, WatchOptions(step=STEP))
    with serve(_answer([])) as server:
        _advance(server.url, watch, END)
    (episode,) = watch.recent
    for hours in range(1, 10):
        watch.recent.appendleft(episode.model_copy(update={"observed": float(hours)}))
    assert len(watch.summary().recent) == MAX_RECENT
