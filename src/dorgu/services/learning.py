"""Learning personas' baselines from Prometheus, for the operator's learner.

Personas go in chunks of at most 50 workloads (so only one chunk's series are in memory at a
time); each chunk's workloads go through ``fetch_usage`` (the same batching, selectors and
query budget as `dorgu recommend`: a probe, then two range queries per batch of at most 50 pod
patterns, step >= 1 min), then one instant query per persona reads its HTTP statistics for every convention at once (``dorgu.learning.baselines.
traffic``), selected by ``namespace`` and ``pod`` (never ``job`` or ``instance``), computed
server-side (rates, subqueries, ``histogram_quantile``).

Raises ``PrometheusError`` when Prometheus cannot answer any chunk; a failed chunk marks its
personas ``failed``, a failed HTTP query only keeps that persona's previous ``http``
(``http_failed``).  The computation yields to the event loop after every container.  Must not write anything, read
settings or know about the operator.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from dorgu.clients.prometheus import PrometheusClient, PrometheusError
from dorgu.learning.baselines import (
    HTTP_CONVENTIONS,
    HttpConvention,
    UsageBaseline,
    container_baseline,
    http_baseline,
    learned_state,
)
from dorgu.models.personas_learned import HttpBaseline, LearnedState
from dorgu.services.usage import BATCH_SIZE, UsageOptions, duration, fetch_usage, quote
from dorgu.services.workloads import Workload

logger = logging.getLogger(__name__)
HTTP_RATE_WINDOW = 300.0
"""The rate window (and subquery step) of the request-rate percentiles."""

PersonaKey = tuple[str, str]  # namespace, name


@dataclass(frozen=True)
class LearnTarget:
    """One persona and the workloads it selects."""

    key: PersonaKey
    workloads: tuple[Workload, ...]
    main: str | None = None
    """The persona's app name (its main workload and container are named so)."""
    previous: LearnedState | None = None


@dataclass
class LearnResult:
    learned: dict[PersonaKey, LearnedState] = field(default_factory=dict)
    http_failed: set[PersonaKey] = field(default_factory=set)
    partial: set[PersonaKey] = field(default_factory=set)
    failed: dict[PersonaKey, str] = field(default_factory=dict)
    """Targets whose chunk Prometheus could not answer, with the reason."""


def pod_selector(workloads: Sequence[Workload], *, cluster: str | None = None,
                 cluster_label: str = "cluster") -> str:  # fmt: skip
    """``{namespace="ns", pod=~"a-...|b-..."}`` for the pods of ``workloads`` (one namespace)."""
    namespaces = sorted({w.namespace for w in workloads})
    patterns = sorted({w.pod_pattern for w in workloads if w.pod_pattern})
    matchers = [
        f"namespace={quote(namespaces[0])}"
        if len(namespaces) == 1
        else f"namespace=~{quote('|'.join(re.escape(n) for n in namespaces))}",
        f"pod=~{quote('|'.join(patterns))}",
    ]
    if cluster:
        matchers.append(f"{cluster_label}={quote(cluster)}")
    return "{" + ", ".join(matchers) + "}"


def _with(selector: str, matcher: str) -> str:
    return selector[:-1] + ", " + matcher + "}"


def _tag(expression: str, convention: str, stat: str) -> str:
    inner = f'label_replace({expression}, "convention", "{convention}", "__name__", ".*")'
    return f'label_replace({inner}, "stat", "{stat}", "__name__", ".*")'


def http_query(selector: str, *, window_seconds: float) -> str:
    """One instant query: every statistic of ``traffic.STATS`` for every convention, each
    series tagged with ``convention`` and ``stat`` labels."""
    window, short = duration(window_seconds), duration(HTTP_RATE_WINDOW)
    parts: list[str] = []
    for convention in HTTP_CONVENTIONS:
        parts.extend(_convention_parts(convention, selector, window, short))
    return " or ".join(parts)


def _convention_parts(convention: HttpConvention, sel: str, window: str, short: str) -> list[str]:
    counter, name = convention.counter, convention.name
    rates = f"sum(rate({counter}{sel}[{short}]))[{window}:{short}]"
    server_errors = quote("5..")
    errors = " or ".join(
        f"sum(rate({counter}{_with(sel, label + '=~' + server_errors)}[{window}]))"
        for label in convention.status_labels
    )
    parts = [
        _tag(f"sum(rate({counter}{sel}[{window}]))", name, "rate_avg"),
        _tag(f"quantile_over_time(0.95, {rates})", name, "rate_p95"),
        _tag(f"max_over_time({rates})", name, "rate_max"),
        _tag(f"({errors})", name, "errors"),
    ]
    if convention.histogram:
        buckets = f"sum by (le) (rate({convention.histogram}_bucket{sel}[{window}]))"
        for phi, stat in ((0.5, "latency_p50"), (0.95, "latency_p95"), (0.99, "latency_p99")):
            parts.append(_tag(f"histogram_quantile({phi}, {buckets})", name, stat))
    return parts


async def _http(
    client: PrometheusClient, target: LearnTarget, options: UsageOptions
) -> HttpBaseline | None:
    sel = pod_selector(target.workloads, cluster=options.cluster,
                       cluster_label=options.cluster_label)  # fmt: skip
    result = await client.query(
        http_query(sel, window_seconds=options.window_seconds), at=options.end
    )
    stats: dict[str, dict[str, float]] = {}
    for series in result.series:
        if not series.samples or not math.isfinite(series.samples[-1][1]):
            continue
        convention, stat = series.labels.get("convention", ""), series.labels.get("stat", "")
        stats.setdefault(convention, {})[stat] = series.samples[-1][1]
    return http_baseline(stats)


def plan_chunks(
    targets: Sequence[LearnTarget], *, size: int = BATCH_SIZE
) -> list[list[LearnTarget]]:
    """Targets in chunks of at most ``size`` workloads (a persona is never split), so a run
    holds the series of one chunk at a time."""
    chunks: list[list[LearnTarget]] = []
    current: list[LearnTarget] = []
    count = 0
    for target in targets:
        workloads = sum(1 for w in target.workloads if w.containers)
        if current and count + workloads > size:
            chunks.append(current)
            current, count = [], 0
        current.append(target)
        count += workloads
    if current:
        chunks.append(current)
    return chunks


async def learn_baselines(
    targets: Sequence[LearnTarget],
    *,
    client: PrometheusClient,
    options: UsageOptions,
    window: str,
    now: datetime,
    chunk_timeout: float | None = None,
) -> LearnResult:
    """Every target's fresh ``LearnedState``, chunk by chunk (``plan_chunks``); the targets of
    a chunk Prometheus could not answer are in ``failed``.  Raises ``PrometheusError`` when
    no chunk could be answered.  A chunk slower than ``chunk_timeout`` seconds fails like an
    unreachable Prometheus.  ``options.series`` must be true."""
    result = LearnResult()
    errors: list[PrometheusError] = []
    chunks = plan_chunks(targets)
    for chunk in chunks:
        try:
            learning = _learn_chunk(chunk, client=client, options=options, window=window,
                                    now=now, result=result)  # fmt: skip
            try:
                await asyncio.wait_for(learning, timeout=chunk_timeout)
            except TimeoutError as slow:
                raise PrometheusError(
                    f"Prometheus at {client.url} did not answer within {chunk_timeout:g}s",
                    hint="is it overloaded? the baselines are kept and marked stale",
                ) from slow
        except PrometheusError as error:
            errors.append(error)
            for target in chunk:
                result.failed[target.key] = str(error)
    if chunks and len(errors) == len(chunks):
        raise errors[0]
    return result


async def _learn_chunk(
    targets: Sequence[LearnTarget],
    *,
    client: PrometheusClient,
    options: UsageOptions,
    window: str,
    now: datetime,
    result: LearnResult,
) -> None:
    workloads = [w for t in targets for w in t.workloads if w.containers]
    usage = await fetch_usage(client, workloads, options)
    with_pods = [t for t in targets if any(w.containers for w in t.workloads)]
    answers = await asyncio.gather(
        *(_http(client, t, options) for t in with_pods), return_exceptions=True
    )
    http: dict[PersonaKey, HttpBaseline | None] = {}
    for target, answer in zip(with_pods, answers, strict=True):
        if isinstance(answer, PrometheusError):
            logger.warning("HTTP baselines of %s/%s: %s", *target.key, answer)
            result.http_failed.add(target.key)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            http[target.key] = answer
    for target in targets:
        baselines: list[UsageBaseline] = []
        for workload in target.workloads:
            for spec in workload.containers:
                key = (workload.namespace, workload.kind, workload.name, spec.name)
                if key in usage.partial:
                    result.partial.add(target.key)
                found = container_baseline(
                    kind=workload.kind, workload=workload.name, container=spec.name,
                    cpu_series=usage.cpu_series.pop(key, []),
                    memory_series=usage.memory_series.pop(key, []),
                )  # fmt: skip
                if found is not None:
                    baselines.append(found)
                await asyncio.sleep(0)  # a container takes a few ms: let admission reviews in
        previous_http = target.previous.http if target.previous else None
        result.learned[target.key] = learned_state(
            baselines,
            http=previous_http if target.key in result.http_failed else http.get(target.key),
            window=window, now=now, main=target.main, previous=target.previous,
        )  # fmt: skip
