"""Live anomaly detection against the testbed's real Prometheus (issue 13, "Live"): 14 days of
steady synthetic history with daily cycles, backfilled, then replayed through the same watch the
operator runs (``dorgu.services.anomalies.watching.replay``): the false-alarm budget and the
detection of injected faults."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from dorgu.clients.prometheus import PrometheusClient
from dorgu.learning.anomalies.watching import WatchSettings
from dorgu.models.anomalies import AnomalyFinding, PersonaRef, SeriesMetric
from dorgu.services.anomalies.queries import Scope
from dorgu.services.anomalies.watching import DAY, WatchOptions, replay
from tests.cluster import anomalyhistories as histories
from tests.cluster.metrics import history_end

STEP = 60.0
APPS = 8
METRICS = {
    "cpu": SeriesMetric.CPU,
    "error_rate": SeriesMetric.ERROR_RATE,
    "latency": SeriesMetric.LATENCY,
    "memory": SeriesMetric.MEMORY,
}


def _apps(namespace: str, end: float) -> list[histories.SyntheticApp]:
    """Each app gets the four faults, on different series, a few hours apart (the first at
    least 8 hours before the end), at times that differ from app to app."""
    apps = []
    for i in range(APPS):
        faults = {
            kind: end - (8 - 2 * k) * 3600 + i * 420 + 7 * k * 60
            for k, kind in enumerate(histories.FAULTS)
        }
        apps.append(histories.SyntheticApp(namespace, f"app{i}", faults=faults,
                                           cpu=0.1 + 0.05 * i, requests=20 + 10 * i))  # fmt: skip
    return apps


async def _replay_all(url: str, apps: list[histories.SyntheticApp], *, start: float, end: float
                      ) -> dict[str, list[AnomalyFinding]]:  # fmt: skip
    client = PrometheusClient(url, timeout_seconds=60)
    options = WatchOptions(step=STEP, rate_window=2 * STEP)
    try:
        found = {}
        for app in apps:
            scope = Scope(namespace=app.namespace, workloads=(("StatefulSet", app.name),))
            persona = PersonaRef(namespace=app.namespace, name=app.name)
            found[app.name] = await replay(client, persona, scope, start=start, end=end,
                                           options=options)  # fmt: skip
        return found
    finally:
        await client.aclose()


def test_quiet_history_stays_within_the_false_alarm_budget_and_faults_are_caught_fast(
    testbed_with_metrics,
):
    bed = testbed_with_metrics
    namespace = f"anomalies-{uuid.uuid4().hex[:8]}"
    end = history_end()
    apps = _apps(namespace, end)
    loaded = bed.backfill(histories.render(apps, end=end, days=14, step=STEP))
    assert loaded.series == APPS * (2 + 2 + len(histories.BUCKETS) + 1)
    found = _replay_all(bed.prometheus_url, apps, start=end - 14 * DAY, end=end)
    found = asyncio.run(found)

    persist = WatchSettings().persist
    false_alarms: Counter[str] = Counter()
    detected, lags, missed = 0, [], []
    for app in apps:
        findings = found[app.name]
        series = {f.series.metric for f in findings}
        assert series <= set(SeriesMetric)
        for kind, at in app.faults.items():
            hits = [f for f in findings if f.series.metric is METRICS[kind]
                    and at - STEP <= f.start.timestamp() <= at + 4 * STEP]  # fmt: skip
            if hits:
                detected += 1
                lags.append(round((hits[0].start.timestamp() - at) / STEP + persist - 1, 2))
            else:
                missed.append(f"{app.name}/{kind}")
        for finding in findings:
            kinds = [k for k, m in METRICS.items() if m is finding.series.metric]
            faulty = any(finding.start.timestamp() >= app.faults[k] - STEP for k in kinds)
            if not faulty:
                false_alarms[app.name] += 1
    weeks = 2
    print(
        f"false alarms per workload: {dict(false_alarms)}; detected {detected}/"
        f"{APPS * len(METRICS)} (missed: {missed}); lags in scrape intervals: {sorted(lags)}"
    )
    assert all(count <= weeks for count in false_alarms.values()), false_alarms
    assert sum(false_alarms.values()) <= APPS * weeks
    assert detected / (APPS * len(METRICS)) >= 0.9
    assert all(lag <= 5 for lag in lags)
    finding = next(f for f in found["app0"] if f.series.metric is SeriesMetric.CPU)
    assert finding.series.container == "app"
    assert finding.observed > finding.expected.high
    assert 0.6 <= finding.score <= 1
