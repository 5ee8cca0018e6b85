"""Prometheus metrics in the text exposition format (0.0.4) without a client library, and the
``/metrics``, ``/healthz`` and ``/readyz`` endpoints.

``Metrics`` holds every series the operator exports:

- ``dorgu_admission_duration_seconds{result,mode}`` (histogram) and
  ``dorgu_admission_decisions_total{result,mode}``; ``dorgu_admission_errors_total`` counts
  requests admitted because the handler failed (fail open);
- ``dorgu_reconcile_duration_seconds{result}`` (histogram), ``dorgu_reconcile_errors_total``,
  ``dorgu_status_writes_total{kind}``, ``dorgu_events_total{reason}``,
  ``dorgu_discoveries_total{result}``;
- ``dorgu_webhook_certificate_loads_total{source}`` (serving key pairs loaded into the TLS
  context: ``self`` or ``cert-manager``) and ``dorgu_webhook_certificate_writes_total{target}``
  (``secret``, ``ca-bundle``: what the operator wrote; never in cert-manager mode);
- ``dorgu_cache_objects{cache}`` (gauge, read at scrape time);
- ``dorgu_prometheus_queries_total`` (queries the learner sent, retries included) and
  ``dorgu_learning_runs_total{result}`` (``ok``, ``partial``, ``failed``: learning runs);
- ``dorgu_webhook_worker_restarts_total``: with ``--webhook-process separate`` the admission
  series are counted in the worker process and summed here at each scrape.

Must not do I/O except in the aiohttp handlers at the bottom, and must not block.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TypeAlias

from aiohttp import web

AdmissionState: TypeAlias = dict[str, object]
"""``Metrics.admission_state()``: JSON-ready lists of the admission series."""
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class Counter:
    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.label_names = name, help, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(labels[n] for n in self.label_names)
        self.values[key] = self.values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self.values.get(tuple(labels[n] for n in self.label_names), 0.0)

    def render(self) -> Iterator[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for key, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(self.label_names, key)} {_number(value)}"


class Histogram:
    def __init__(
        self, name: str, help: str, labels: Sequence[str] = (), buckets: Sequence[float] = ()
    ) -> None:
        self.name, self.help, self.label_names = name, help, tuple(labels)
        self.buckets = tuple(sorted(buckets or LATENCY_BUCKETS))
        self.series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(labels[n] for n in self.label_names)
        counts, sums = self.series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        sums[0] += value

    def count(self, **labels: str) -> int:
        series = self.series.get(tuple(labels[n] for n in self.label_names))
        return sum(series[0]) if series else 0

    def render(self) -> Iterator[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for key, (counts, sums) in sorted(self.series.items()):
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = f'le="{_number(bound)}"'
                yield f"{self.name}_bucket{_labels(self.label_names, key, le)} {running}"
            yield f"{self.name}_sum{_labels(self.label_names, key)} {_number(sums[0])}"
            yield f"{self.name}_count{_labels(self.label_names, key)} {running}"


class Gauge:
    """A gauge read at scrape time from ``read() -> {label value: number}``."""

    def __init__(
        self, name: str, help: str, label: str, read: Callable[[], dict[str, float]]
    ) -> None:
        self.name, self.help, self.label, self.read = name, help, label, read

    def render(self) -> Iterator[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for value, number in sorted(self.read().items()):
            yield f'{self.name}{{{self.label}="{_escape(value)}"}} {_number(number)}'


class Metrics:
    """Every series of one operator process."""

    def __init__(self) -> None:
        self.admission_duration = Histogram(
            "dorgu_admission_duration_seconds",
            "Time to answer an admission review, by result and mode.",
            ("result", "mode"),
            LATENCY_BUCKETS,
        )
        self.admission_decisions = Counter(
            "dorgu_admission_decisions_total", "Admission decisions.", ("result", "mode")
        )
        self.admission_errors = Counter(
            "dorgu_admission_errors_total", "Reviews admitted because the handler failed."
        )
        self.reconcile_duration = Histogram(
            "dorgu_reconcile_duration_seconds",
            "Time to reconcile one persona, by result.",
            ("result",),
            RECONCILE_BUCKETS,
        )
        self.reconcile_errors = Counter(
            "dorgu_reconcile_errors_total", "Persona reconciles that failed (retried)."
        )
        self.status_writes = Counter(
            "dorgu_status_writes_total", "Status subresource writes.", ("kind",)
        )
        self.events = Counter("dorgu_events_total", "Kubernetes Events posted.", ("reason",))
        self.discoveries = Counter(
            "dorgu_discoveries_total", "ClusterPersona discoveries.", ("result",)
        )
        self.certificate_loads = Counter(
            "dorgu_webhook_certificate_loads_total",
            "Serving key pairs loaded into the webhook's TLS context, by source.",
            ("source",),
        )
        self.certificate_writes = Counter(
            "dorgu_webhook_certificate_writes_total",
            "Writes of the certificate Secret and applies of the caBundle by this replica.",
            ("target",),
        )
        self.prometheus_queries = Counter(
            "dorgu_prometheus_queries_total", "Prometheus queries sent by the learner."
        )
        self.learning_runs = Counter(
            "dorgu_learning_runs_total", "Baseline learning runs, by result.", ("result",)
        )
        self.worker_restarts = Counter(
            "dorgu_webhook_worker_restarts_total",
            "Webhook worker processes started again after one exited (--webhook-process separate).",
        )
        self.gauges: list[Gauge] = []
        self.counters: list[Counter] = []

    def admission_state(self) -> AdmissionState:
        """The admission series as plain data (the webhook worker sends them to the operator)."""
        return {
            "decisions": [[*key, value] for key, value in self.admission_decisions.values.items()],
            "errors": self.admission_errors.value(),
            "durations": [
                [*key, counts, sums[0]]
                for key, (counts, sums) in self.admission_duration.series.items()
            ],
        }

    def set_admission_state(self, *states: AdmissionState) -> None:
        """Replace the admission series by the sum of ``states`` (the worker's, plus those of
        workers that exited: counters never go backwards)."""
        decisions: dict[tuple[str, ...], float] = {}
        durations: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}
        errors = 0.0
        size = len(self.admission_duration.buckets) + 1
        for state in states:
            errors += _float(state.get("errors"))
            for row in _rows(state.get("decisions"), 3):
                key = (str(row[0]), str(row[1]))
                decisions[key] = decisions.get(key, 0.0) + _float(row[2])
            for row in _rows(state.get("durations"), 4):
                counts = row[2]
                if not isinstance(counts, list) or len(counts) != size:
                    continue
                key = (str(row[0]), str(row[1]))
                into = durations.setdefault(key, ([0] * size, [0.0]))
                for i, count in enumerate(counts):
                    into[0][i] += int(_float(count))
                into[1][0] += _float(row[3])
        self.admission_decisions.values = decisions
        self.admission_duration.series = durations
        self.admission_errors.values = {(): errors} if errors else {}

    def add_gauge(self, gauge: Gauge) -> None:
        self.gauges.append(gauge)

    def add_counter(self, counter: Counter) -> None:
        """A counter owned by an optional component (rendered after the built-in ones)."""
        self.counters.append(counter)

    def render(self) -> str:
        families: list[Counter | Histogram | Gauge] = [
            self.admission_duration,
            self.admission_decisions,
            self.admission_errors,
            self.reconcile_duration,
            self.reconcile_errors,
            self.status_writes,
            self.events,
            self.discoveries,
            self.certificate_loads,
            self.certificate_writes,
            self.prometheus_queries,
            self.learning_runs,
            *self.counters,
            self.worker_restarts,
            *self.gauges,
        ]
        return "\n".join(line for family in families for line in family.render()) + "\n"


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _rows(value: object, width: int) -> list[list[object]]:
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, list) and len(row) == width]


def health_app(
    *,
    metrics: Metrics,
    ready: Callable[[], bool],
    refresh: Callable[[], Awaitable[None]] | None = None,
) -> web.Application:
    """``/metrics``, ``/healthz`` (the loop answers) and ``/readyz`` (caches synced, webhook
    serving).  ``refresh`` runs before each scrape (it fetches the webhook worker's series)."""

    async def scrape(_: web.Request) -> web.Response:
        if refresh is not None:
            await refresh()
        return web.Response(body=metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        if ready():
            return web.Response(text="ok\n")
        return web.Response(status=503, text="not ready: caches syncing\n")

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
