"""The learner: on a timer, the active replica learns every persona's baselines from Prometheus
(``dorgu.services.learning``) and writes them into ``status.learned``.

- Off when no Prometheus URL is configured or the interval is 0; a standby skips its turns.
- A run that fails (Prometheus down, wrong, or a chunk of at most 50 workloads slower than
  ``learn_timeout``) keeps each persona's last good baselines and marks them ``stale: true``
  with the reason; personas whose chunk or batch failed alone are marked stale the same way.
- Each write replaces only ``/status/learned``, guarded by the persona's resourceVersion (a
  JSON-patch ``test``), re-read and retried on a conflict, and skipped when nothing but the
  attempt time would change.  After a write the persona is queued for a reconcile, so the
  rules on learned baselines re-validate its workloads.
- It runs beside the reconciler and the webhook and never holds them up: the webhook reads the
  baselines from the informer cache, and a slow Prometheus only delays the next run.

Must not print, parse flags, or evaluate rules.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from dorgu.clients.prometheus import PrometheusClient, PrometheusError
from dorgu.learning.baselines import mark_stale
from dorgu.models.personas_base import dump_wire
from dorgu.models.personas_learned import LearnedState
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.caching import Key
from dorgu.operator.metrics import Metrics
from dorgu.operator.watching import ClusterView
from dorgu.services.learning import LearnTarget, learn_baselines
from dorgu.services.recommending import parse_window
from dorgu.services.usage import UsageOptions
from dorgu.services.workloads import workload_of

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
FIRST_RUN_DELAY = 2.0
WRITE_ATTEMPTS = 3


def _learned_of(obj: JsonObject) -> LearnedState | None:
    status = obj.get("status")
    raw = status.get("learned") if isinstance(status, dict) else None
    if not isinstance(raw, dict):
        return None
    try:
        return LearnedState.model_validate(raw)
    except ValidationError:
        return None


def _content(learned: LearnedState | None) -> object:
    if learned is None:
        return None
    return dump_wire(learned.model_copy(update={"last_attempt": None, "last_updated": None}))


def _replace(new: LearnedState, old: LearnedState | None) -> LearnedState:
    return new


def _stale(old: LearnedState | None, *, reason: str, now: datetime) -> LearnedState:
    return mark_stale(old, reason=reason, now=now)


class Learner:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        metrics: Metrics,
        prometheus_url: str,
        interval: float,
        window: str,
        clock: Clock,
        run_timeout: float = 120.0,
        query_timeout: float = 30.0,
        max_queries: int = 10_000,
        cluster: str | None = None,
        cluster_label: str = "cluster",
        authorization: str | None = None,
        is_active: Callable[[], bool] = lambda: True,
        reconcile: Callable[[Key], None] = lambda key: None,
    ) -> None:
        self.api, self.view, self.metrics = api, view, metrics
        self.url, self.interval, self.window = prometheus_url, interval, window
        self.window_seconds = parse_window(window)
        self.clock = clock
        self.run_timeout, self.query_timeout = run_timeout, query_timeout
        self.max_queries = max_queries
        self.cluster, self.cluster_label = cluster, cluster_label
        self._authorization = authorization
        self.is_active, self.reconcile = is_active, reconcile

    async def run(self) -> None:
        """Learn every ``interval`` seconds until cancelled (the first run soon after start)."""
        await asyncio.sleep(min(FIRST_RUN_DELAY, self.interval))
        while True:
            if self.is_active():
                try:
                    await self.learn_once()
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # never let the timer die
                    self.metrics.learning_runs.inc(result="failed")
                    logger.warning("learning run failed: %s", error, exc_info=True)
            await asyncio.sleep(self.interval)

    def _targets(self) -> list[LearnTarget]:
        targets = []
        for key, entry in sorted(self.view.personas.items()):
            if entry.spec is None:
                continue
            workloads = tuple(workload_of(w.manifest(), namespace=entry.namespace)
                              for w in self.view.workloads_for(entry))  # fmt: skip
            targets.append(LearnTarget(key, workloads, main=entry.spec.name,
                                       previous=entry.learned))  # fmt: skip
        return targets

    async def learn_once(self) -> str:
        """One run; its result label (``ok``, ``partial``, ``failed``)."""
        targets = self._targets()
        if not targets:
            return "ok"
        now = self.clock()
        loop = asyncio.get_running_loop()
        started = loop.time()
        client = PrometheusClient(self.url, timeout_seconds=self.query_timeout, retries=1,
                                  max_queries=self.max_queries,
                                  authorization=self._authorization)  # fmt: skip
        options = UsageOptions(window_seconds=self.window_seconds, end=now.timestamp(),
                               series=True, cluster=self.cluster,
                               cluster_label=self.cluster_label)  # fmt: skip
        fresh: dict[Key, LearnedState] = {}
        stale: dict[Key, str] = {}
        try:
            result = await learn_baselines(targets, client=client, options=options,
                                           window=self.window, now=now,
                                           chunk_timeout=self.run_timeout)  # fmt: skip
            for target in targets:
                if target.key in result.failed:
                    stale[target.key] = result.failed[target.key]
                elif target.key in result.partial:
                    stale[target.key] = "some Prometheus queries failed; kept the last baselines"
                else:
                    fresh[target.key] = result.learned[target.key]
            outcome = "partial" if stale else "ok"
        except PrometheusError as error:
            stale = {t.key: str(error) for t in targets}
            outcome = "failed"
        finally:
            self.metrics.prometheus_queries.inc(client.stats.sent)
            await client.aclose()
        self.metrics.learning_runs.inc(result=outcome)
        logger.info(
            "learning %s: %d persona(s), %d Prometheus queries (%d retries, %d failed) in %.1fs",
            outcome, len(targets), client.stats.sent, client.stats.retries, client.stats.failed,
            loop.time() - started,
        )  # fmt: skip
        if outcome != "ok":
            logger.warning("learning %s: %s", outcome, next(iter(stale.values())))
        for key, learned in fresh.items():
            await self._write(key, functools.partial(_replace, learned))
        for key, reason in stale.items():
            await self._write(key, functools.partial(_stale, reason=reason, now=now))
        return outcome

    async def _write(self, key: Key, change: Callable[[LearnedState | None], LearnedState]) -> None:
        namespace, name = key
        for _ in range(WRITE_ATTEMPTS):
            try:
                obj = await self.api.get(kinds.PERSONAS, name, namespace=namespace)
            except ApiFailure as error:
                if error.code != 404:
                    logger.warning("cannot read %s/%s: %s", namespace, name, error)
                return
            old = _learned_of(obj)
            new = change(old)
            if _content(new) == _content(old):
                return
            meta = obj.get("metadata")
            version = meta.get("resourceVersion") if isinstance(meta, dict) else None
            has_status = isinstance(obj.get("status"), dict)
            value = dump_wire(new)
            ops: list[dict[str, object]] = [
                {"op": "test", "path": "/metadata/resourceVersion", "value": version},
                {"op": "add", "path": "/status/learned", "value": value}
                if has_status else {"op": "add", "path": "/status", "value": {"learned": value}},
            ]  # fmt: skip
            try:
                await self.api.patch(kinds.PERSONAS, name, ops, namespace=namespace,
                                     patch="json", subresource="status")  # fmt: skip
            except ApiFailure as error:
                if error.code in (409, 422):
                    continue  # moved on (the reconciler wrote): read again
                logger.warning("cannot write learned baselines of %s/%s: %s", namespace, name,
                               error)  # fmt: skip
                return
            self.metrics.status_writes.inc(kind="learned")
            self.reconcile(key)
            return
