"""The operator's anomaly timer: on the active replica, every ``interval`` seconds, advance each
persona's ``PersonaWatch`` from Prometheus (``dorgu.services.anomalies``) and write
``status.anomalies`` when its content changed.

Separate from the reconciler on purpose: it runs in its own task with its own Prometheus client
(short timeout, no retries inside a tick), so a slow or dead Prometheus never delays a
reconcile or an admission review.  A failing tick is logged once (a warning naming the URL;
later failures at debug level until it recovers, which is logged too) and retried at the next
tick, from where the last good read left off.  A standby replica keeps no state; on gaining
leadership each persona's watch is rebuilt from one bounded range query per series group
(``WatchOptions.history``) and seeded from the status the previous leader wrote.

Each finding also goes to the incident pipeline (``submit``) as ``MetricAnomaly`` signals on
the persona's workloads: once when it opens and once when it ends, never again on later ticks
(a finding that grows is the same sighting).  After a restart or a leadership change the open
and recent findings are passed on once more; the pipeline knows them by their tokens.  A
failed ``submit`` is logged and retried at the next tick.

The status write is a merge patch of ``status.anomalies`` only (lists are replaced whole), so
it never touches the fields the reconciler owns; the reconciler's own writes carry the
resourceVersion they read and keep ``anomalies`` as they found it.
Must not run rules, patch workloads, or block on Prometheus outside its own task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from pydantic import ValidationError

from dorgu.clients.prometheus import PrometheusClient, PrometheusError
from dorgu.learning.incidents.anomalies import anomaly_signals
from dorgu.learning.incidents.signals import ObjectRef, Signal
from dorgu.models.anomalies import AnomalyFinding, AnomalySummary, PersonaRef, SeriesRef
from dorgu.models.personas_base import JsonValue, dump_wire
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.caching import Key
from dorgu.operator.metrics import Gauge, Metrics
from dorgu.operator.watching import CachedWorkload, ClusterView, PersonaEntry
from dorgu.services.anomalies.queries import Scope
from dorgu.services.anomalies.watching import PersonaWatch, WatchOptions

logger = logging.getLogger(__name__)
Submit = Callable[[Sequence[Signal]], Awaitable[None]]
Sighting = tuple[SeriesRef, datetime, bool]
"""A finding as the pipeline has been told about it: series, start, whether it ended."""


def _previous(obj: object) -> AnomalySummary | None:
    status = obj.get("status") if isinstance(obj, dict) else None
    found = status.get("anomalies") if isinstance(status, dict) else None
    if not isinstance(found, dict):
        return None
    try:
        return AnomalySummary.model_validate(found)
    except ValidationError:
        return None


class AnomalyWatcher:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        client: PrometheusClient,
        options: WatchOptions,
        interval: float,
        is_active: Callable[[], bool],
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
        submit: Submit | None = None,
    ) -> None:
        self.api, self.view, self.client, self.options = api, view, client, options
        self.interval, self.is_active, self.clock = interval, is_active, clock
        self.submit = submit
        self.watches: dict[Key, PersonaWatch] = {}
        self._written: dict[Key, JsonValue] = {}
        self._sent: dict[Key, set[Sighting]] = {}
        self.failing = False
        if metrics is not None:
            metrics.add_gauge(Gauge("dorgu_anomalies_current", "Anomalies going on now, by metric.",
                                    "metric", self._current_by_metric))  # fmt: skip
            metrics.add_gauge(Gauge("dorgu_anomaly_series", "Series watched for anomalies.",
                                    "state", lambda: {"watched": float(self.series_count())}))  # fmt: skip

    def series_count(self) -> int:
        return sum(len(w.series) for w in self.watches.values())

    def _current_by_metric(self) -> dict[str, float]:
        counts: dict[str, float] = {}
        for watch in self.watches.values():
            for ref in watch.current:
                counts[ref.metric.value] = counts.get(ref.metric.value, 0.0) + 1
        return counts

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # never let the timer die
                logger.warning("anomaly detection tick failed: %s", error)
            await asyncio.sleep(max(self.interval - (loop.time() - started), 0.05))

    async def tick(self) -> None:
        if not self.is_active():
            self.watches.clear()
            self._written.clear()
            self._sent.clear()
            return
        personas = dict(self.view.personas.items())
        for key in [k for k in self.watches if k not in personas]:
            self.watches.pop(key)
            self._written.pop(key, None)
            self._sent.pop(key, None)
        for key, entry in sorted(personas.items()):
            if not self.is_active():
                return
            try:
                await self._advance(key, entry)
            except PrometheusError as error:
                self._failed(error)
                return
        if self.failing:
            self.failing = False
            logger.info("Prometheus at %s answers again: anomaly detection resumed",
                        self.client.url)  # fmt: skip

    def _failed(self, error: PrometheusError) -> None:
        if self.failing:
            logger.debug("anomaly detection: %s", error)
            return
        self.failing = True
        logger.warning("anomaly detection paused: %s; retrying every %gs", error, self.interval)

    async def _advance(self, key: Key, entry: PersonaEntry) -> None:
        cached = self.view.workloads_for(entry)
        workloads = tuple((w.kind, w.name) for w in cached)
        if not workloads:
            return
        scope = Scope(namespace=entry.namespace, workloads=workloads)
        watch = self.watches.get(key)
        if watch is None:
            persona = PersonaRef(namespace=entry.namespace, name=entry.name)
            watch = PersonaWatch(persona, scope, self.options)
            try:
                watch.resume(
                    _previous(await self.api.get(kinds.PERSONAS, key[1], namespace=key[0]))
                )
            except ApiFailure as error:
                if error.code == 404:
                    return
                raise
            self.watches[key] = watch
        watch.scope = scope
        await watch.advance(self.client, now=self.clock())
        await self._report(key, watch, cached)
        body = dump_wire(watch.summary())
        for name in ("current", "recent"):  # dump_wire leaves empty lists out: null removes
            body.setdefault(name, None)
        if body == self._written.get(key):
            return
        try:
            await self.api.patch(kinds.PERSONAS, key[1], {"status": {"anomalies": body}},
                                 namespace=key[0], patch="merge", subresource="status")  # fmt: skip
        except ApiFailure as error:
            if error.code == 404:
                self.watches.pop(key, None)
                self._sent.pop(key, None)
                return
            raise
        self._written[key] = body

    async def _report(self, key: Key, watch: PersonaWatch, cached: list[CachedWorkload]) -> None:
        """Pass the findings the pipeline has not been told about to ``submit``."""
        if self.submit is None:
            return
        findings: dict[Sighting, AnomalyFinding] = {}
        for finding in [*watch.current.values(), *watch.recent]:
            findings[(finding.series, finding.start, finding.end is not None)] = finding
        sent = self._sent.get(key, set())
        fresh = sorted((f for s, f in findings.items() if s not in sent),
                       key=lambda f: (f.start, f.series.label, f.end is not None))  # fmt: skip
        if fresh:
            workloads = [(ObjectRef(w.kind, w.namespace, w.name), w.labels) for w in cached]
            signals = [s for f in fresh for s in anomaly_signals(f, workloads=workloads)]
            try:
                await self.submit(signals)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the pipeline's failure: retried at the next tick
                logger.warning("could not pass %d anomaly findings of %s/%s to the incident "
                               "pipeline: %s", len(fresh), key[0], key[1], error)  # fmt: skip
                return
        self._sent[key] = set(findings)
