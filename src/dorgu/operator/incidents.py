"""The operator's incident pipeline: informer changes (and signals submitted from outside) ->
``detect`` -> ``correlate`` -> ``record`` -> ``IncidentMemory`` writes, then the lifecycle
(``Investigating``, automatic ``Resolved``) and retention.

Public seams (other inputs and the notifier build on them):
- ``IncidentTracker.submit(signals)`` adds signals from outside the informers (Alertmanager,
  metric anomalies).  They count for the correlation window (``window``) after they arrive;
  a source that still sees the problem submits again.
- ``IncidentTracker.listeners`` (or ``add_listener``): ``ChangeListener`` callables, awaited after every write with
  ``(previous, written)`` (``previous`` is ``None`` for a new object), and once at start-up (and
  when this replica becomes the active one) with ``(None, incident)`` for every open incident
  and every incident resolved within ``replay_resolved``: state a listener keeps must live in
  the incident, so it can tell what it already did.  When a listener returns an incident, its
  ``status`` is written back through the status subresource (the next listener sees that).
  Listeners run one after the other, for one incident at a time (a lock, although several
  workloads are written concurrently): each call is bounded by ``listener_timeout``; a failure
  or timeout is logged and the pipeline goes on.
- ``IncidentTracker.persist_status(incident, fields=[...])``: a listener's later writes from its
  own task (the notifier's retries) write only those status fields onto the newest copy.

Bounded writes: changes mark a workload dirty; every ``batch_interval`` the dirty workloads are
correlated and written at most once each (``write_concurrency`` workloads at a time), and an open incident is rewritten at most once per
``update_interval`` (creates are never delayed).  A storm of N failing workloads costs about
2N writes to open (create + status), then at most 2N per ``update_interval`` while it goes on.

Only the active replica (kopf peering) writes; every replica keeps the caches.
Must not post notifications or call an LLM (listeners do).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dorgu.learning.incidents import (
    DEFAULT_WINDOW,
    IncidentDraft,
    ObjectRef,
    PersonaTarget,
    Signal,
    correlate,
    expired,
    record,
)
from dorgu.learning.incidents.lifecycle import (
    DEFAULT_STABILIZATION,
    INVESTIGATE_AFTER,
    advance,
    healthy_since,
    is_open,
)
from dorgu.learning.incidents.suspects import (
    ROLLOUT_WINDOW,
    OpenIncident,
    dependency_suspect,
    rollout_suspect,
    with_suspects,
)
from dorgu.models.incidents import (
    ContributingSignal,
    IncidentMemory,
    IncidentMemoryStatus,
    IncidentPhase,
)
from dorgu.operator.api import Api, ApiFailure, Kind
from dorgu.operator.caching import Key, Store, run_informer
from dorgu.operator.incident_sources import INCIDENTS, IncidentStores, SignalBoard
from dorgu.operator.incident_writes import IncidentWriter, parse_incident
from dorgu.operator.metrics import Gauge, Metrics
from dorgu.operator.watching import ClusterView

logger = logging.getLogger(__name__)

ChangeListener = Callable[[IncidentMemory | None, IncidentMemory], Awaitable[IncidentMemory | None]]
"""Called with ``(previous, written)`` after every write; may return the incident with a new
status to write back (e.g. the notifier's delivery state)."""

DEFAULT_RETENTION = timedelta(hours=720)
RETRY_SECONDS = 30.0
MANAGED_BY = "app.kubernetes.io/managed-by"


@dataclass(frozen=True)
class TrackerSettings:
    stabilization: timedelta = DEFAULT_STABILIZATION
    """How long a workload must stay healthy (no signal, every pod Ready) before its incident
    is resolved automatically."""
    retention: timedelta = DEFAULT_RETENTION
    """How long resolved incidents are kept (``spec.retention`` of an incident wins)."""
    batch_interval: float = 1.0
    update_interval: float = 10.0
    investigate_after: timedelta = INVESTIGATE_AFTER
    window: timedelta = DEFAULT_WINDOW
    rollout_window: timedelta = ROLLOUT_WINDOW
    sweep_interval: float = 60.0
    replay_resolved: timedelta = timedelta(hours=1)
    listener_timeout: float = 10.0
    write_concurrency: int = 8
    """Workloads written at the same time within one batch (a storm is not written serially)."""
    cluster: str = ""
    """Part of every fingerprint (two clusters sharing a store never merge incidents)."""


def _version(incident: IncidentMemory) -> int:
    raw = incident.metadata.resource_version or ""
    return int(raw) if raw.isdigit() else -1


def _key(incident: IncidentMemory) -> Key:
    return incident.metadata.namespace or "", incident.metadata.name or ""


def _workload(incident: IncidentMemory) -> ObjectRef | None:
    found = incident.spec.workload
    if found is None:
        return None
    return ObjectRef(found.kind, found.namespace or "", found.name)


class IncidentTracker:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        namespace: str,
        is_active: Callable[[], bool],
        settings: TrackerSettings | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api, self.view, self.namespace, self.is_active = api, view, namespace, is_active
        self.settings = settings or TrackerSettings()
        self.clock = clock
        self.listeners: list[ChangeListener] = []
        self.stores = IncidentStores()
        self.incident_store: Store[IncidentMemory | None] = Store(
            "incidentmemories.dorgu.io", parse_incident
        )
        self.incident_store.listeners.append(self._stored)
        self.board = SignalBoard(stores=self.stores, view=view, on_change=self._mark, clock=clock)
        self.board.install()
        self.writer = IncidentWriter(api)
        self.incidents: dict[Key, IncidentMemory] = {}
        self.by_fingerprint: dict[str, set[Key]] = {}
        self.open: dict[ObjectRef, set[Key]] = {}
        self.dirty: dict[ObjectRef, float] = {}
        self.external: dict[ObjectRef, dict[tuple[object, ...], tuple[Signal, datetime]]] = {}
        self.written_at: dict[Key, float] = {}
        self.blocked: dict[ObjectRef, float] = {}
        """Workloads whose last write failed, until when they wait."""
        self.latencies: deque[float] = deque(maxlen=10_000)
        self._active = False
        self._swept = 0.0
        self._listening = asyncio.Lock()
        if metrics is not None:
            metrics.add_gauge(Gauge("dorgu_incident_writes", "IncidentMemory API writes since "
                                    "start, by verb.", "verb", self._writes))  # fmt: skip
            metrics.add_gauge(Gauge("dorgu_incidents", "Incidents known to the operator, by "
                                    "phase.", "phase", self._phases))  # fmt: skip
            metrics.add_gauge(Gauge("dorgu_incident_latency_seconds", "From the first change "
                                    "of a batch to its incident written: p50, p99, max.",
                                    "quantile", self.latency))  # fmt: skip

    # -- inputs -----------------------------------------------------------------------------

    async def submit(self, signals: Sequence[Signal]) -> None:
        """Add signals from outside the informers; they are correlated with the rest."""
        now = self.clock()
        for signal in signals:
            found = self.external.setdefault(signal.workload, {})
            found[(signal.kind, signal.resource, signal.token)] = (signal, now)
            self._mark(signal.workload)

    def _mark(self, workload: ObjectRef) -> None:
        self.dirty.setdefault(workload, time.monotonic())

    def _stored(self, action: str, key: Key, value: object) -> None:
        if action == "DELETE":
            self._forget(key)
        elif isinstance(value, IncidentMemory):
            known = self.incidents.get(key)
            if known is None or _version(value) >= _version(known):
                self._remember(value)

    def _remember(self, incident: IncidentMemory) -> None:
        key = _key(incident)
        self._forget(key)
        self.incidents[key] = incident
        if incident.spec.fingerprint:
            self.by_fingerprint.setdefault(incident.spec.fingerprint, set()).add(key)
        workload = _workload(incident)
        if workload is not None and is_open(incident):
            self.open.setdefault(workload, set()).add(key)

    def _forget(self, key: Key) -> None:
        incident = self.incidents.pop(key, None)
        if incident is None:
            return
        keys = self.by_fingerprint.get(incident.spec.fingerprint or "")
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.by_fingerprint[incident.spec.fingerprint or ""]
        workload = _workload(incident)
        if workload is not None and workload in self.open:
            self.open[workload].discard(key)
            if not self.open[workload]:
                del self.open[workload]

    # -- running ----------------------------------------------------------------------------

    def start(self, api: Api) -> list[asyncio.Task[None]]:
        pairs: list[tuple[Kind, Store[object]]] = [
            *self.stores.pairs(),
            (INCIDENTS, self.incident_store),  # type: ignore[list-item]
        ]
        tasks = [asyncio.create_task(run_informer(api, kind, store), name=f"informer:{store.name}")
                 for kind, store in pairs]  # fmt: skip
        tasks.append(asyncio.create_task(self.run(), name="incidents"))
        return tasks

    def stores_list(self) -> list[Store[object]]:
        found: list[Store[object]] = [store for _, store in self.stores.pairs()]
        return [*found, self.incident_store]  # type: ignore[list-item]

    async def wait_synced(self) -> None:
        await asyncio.gather(*(s.synced.wait() for s in self.stores_list()))
        await self.view.wait_synced()

    async def run(self) -> None:
        await self.wait_synced()
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let the pipeline die
                logger.exception("incident pipeline tick failed")
            await asyncio.sleep(self.settings.batch_interval)

    async def tick(self) -> None:
        active = self.is_active()
        if active and not self._active:
            for workload in [*self.board.members, *self.external, *self.open]:
                self._mark(workload)
            self._active = True
            await self.replay()
        self._active = active
        if not active:
            return
        await self.flush()
        await self.review()
        if time.monotonic() - self._swept >= self.settings.sweep_interval:
            self._swept = time.monotonic()
            await self.sweep()

    async def replay(self) -> None:
        """Listeners see every open and recently resolved incident once (after a restart)."""
        if not self.listeners:
            return
        since = self.clock() - self.settings.replay_resolved
        for key in sorted(self.incidents):
            incident = self.incidents.get(key)
            status = incident.status if incident else None
            recent = (
                status is not None
                and status.resolved_at is not None
                and status.resolved_at >= since
            )
            if incident is not None and (is_open(incident) or recent):
                await self._notify(None, incident)

    # -- recording --------------------------------------------------------------------------

    async def flush(self) -> None:
        """Correlate and write the dirty workloads that are due, ``write_concurrency`` at a
        time (each workload's incidents are its own: no two writers share an object)."""
        if self.incident_store.missing:
            return  # the CRD is not installed (or not readable): nothing can be written yet
        clock = time.monotonic()
        due: list[tuple[ObjectRef, float]] = []
        for workload in sorted(self.dirty):
            if self.blocked.get(workload, 0.0) > clock:
                continue
            recent = [clock - self.written_at.get(k, -1e18) for k in self.open.get(workload, ())]
            if any(age < self.settings.update_interval for age in recent):
                continue  # written lately: wait (it stays dirty)
            due.append((workload, self.dirty.pop(workload)))
        if not due:
            return
        queue = iter(due)

        async def worker() -> None:
            for workload, since in queue:
                if not self.is_active():
                    self.dirty.setdefault(workload, since)
                    continue
                await self._flush_one(workload, since)

        await asyncio.gather(
            *(worker() for _ in range(min(self.settings.write_concurrency, len(due))))
        )

    async def _flush_one(self, workload: ObjectRef, since: float) -> None:
        try:
            await self._process(workload, since)
        except ApiFailure as error:
            # retried later (not every batch): a namespace being deleted, a rejected object or
            # an API server in trouble must not turn into a write loop
            self.dirty.setdefault(workload, since)
            self.blocked[workload] = time.monotonic() + RETRY_SECONDS
            logger.warning("incident of %s not written (retrying in %.0fs): %s",
                           workload, RETRY_SECONDS, error)  # fmt: skip
        else:
            self.blocked.pop(workload, None)

    def _signals(self, workload: ObjectRef, now: datetime) -> list[Signal]:
        found = self.board.signals_of(workload)
        kept = self.external.get(workload)
        if kept:
            for ident, (signal, received) in list(kept.items()):
                if now - received > self.settings.window:
                    del kept[ident]
                else:
                    found.append(signal)
            if not kept:
                del self.external[workload]
        return found

    def _personas(self) -> list[PersonaTarget]:
        return [PersonaTarget(e.name, e.namespace, e.selector)
                for _, e in self.view.personas.items() if e.selector is not None]  # fmt: skip

    async def _process(self, workload: ObjectRef, since: float) -> None:
        now = self.clock()
        drafts = correlate(self._signals(workload, now), now=now, cluster=self.settings.cluster,
                           personas=self._personas(), window=self.settings.window)  # fmt: skip
        for draft in drafts:
            history = [
                self.incidents[k] for k in sorted(self.by_fingerprint.get(draft.fingerprint, ()))
            ]
            desired = record(draft, history, now=now, namespace=self.namespace)
            if desired is None:
                continue
            desired = with_suspects(desired, self._suspects(draft, desired))
            key = _key(desired)
            current = self.incidents.get(key)
            try:
                written = (await self.writer.create(desired) if current is None
                           else await self.writer.update(current, desired))  # fmt: skip
            except ApiFailure as error:
                if error.code != 409:
                    raise
                fresh = await self.writer.read(key[1], key[0])  # someone else wrote: reread, redo
                if fresh is not None:
                    self._remember(fresh)
                self.dirty.setdefault(workload, since)
                continue
            self._remember(written)
            self.written_at[key] = time.monotonic()
            self.latencies.append(time.monotonic() - since)
            await self._notify(current, written)

    def _suspects(
        self, draft: IncidentDraft, incident: IncidentMemory
    ) -> list[ContributingSignal | None]:
        workload = draft.workload
        first = incident.spec.detection.first_seen
        found: list[ContributingSignal | None] = [
            rollout_suspect(
                workload,
                self.board.replica_sets(workload.namespace),
                first_seen=first,
                window=self.settings.rollout_window,
            )
        ]
        persona = draft.persona
        entry = self.view.personas.get((persona.namespace or "", persona.name)) if persona else None
        if entry is not None and entry.spec is not None and entry.spec.dependencies:
            others = [self._open_incident(k) for keys in self.open.values() for k in keys
                      if k != _key(incident)]  # fmt: skip
            found.append(dependency_suspect(workload.namespace,
                                            [d.name for d in entry.spec.dependencies],
                                            [o for o in others if o is not None]))  # fmt: skip
        return found

    def _open_incident(self, key: Key) -> OpenIncident | None:
        incident = self.incidents.get(key)
        if incident is None:
            return None
        workload = incident.spec.workload
        persona = incident.spec.persona_ref
        return OpenIncident(name=key[1], namespace=key[0],
                            workload=workload.name if workload else None,
                            persona=persona.name if persona else None)  # fmt: skip

    # -- lifecycle --------------------------------------------------------------------------

    async def review(self) -> None:
        """Move open incidents on: Investigating, or Resolved after the stabilisation window."""
        now = self.clock()
        for workload in sorted(self.open):
            if workload in self.dirty:
                continue  # news not recorded yet
            signals = self._signals(workload, now)
            recent = now - self.settings.stabilization
            failing = any(s.ongoing or (s.at is not None and s.at > recent) for s in signals)
            for key in sorted(self.open.get(workload, ())):
                incident = self.incidents.get(key)
                if incident is None:
                    continue
                status = incident.status or IncidentMemoryStatus()
                last = status.last_occurrence or incident.spec.detection.last_seen
                healthy = healthy_since(self.board.ready_of(workload), last_signal=last)
                moved = advance(incident, now=now, failing=failing, healthy=healthy,
                                stabilization=self.settings.stabilization,
                                investigate_after=self.settings.investigate_after)  # fmt: skip
                if moved is None:
                    continue
                try:
                    written = await self.writer.update(incident, moved)
                except ApiFailure as error:
                    logger.warning("incident %s/%s not moved on: %s", key[0], key[1], error)
                    if error.code == 409 and (fresh := await self.writer.read(key[1], key[0])):
                        self._remember(fresh)
                    continue
                self._remember(written)
                self.written_at[key] = time.monotonic()
                logger.info("incident %s/%s is %s", key[0], key[1],
                            (written.status or IncidentMemoryStatus()).phase.value)  # fmt: skip
                await self._notify(incident, written)

    async def sweep(self) -> None:
        """Delete resolved incidents dorgu manages that are older than their retention."""
        now = self.clock()
        for key in sorted(self.incidents):
            incident = self.incidents.get(key)
            if incident is None or not expired(incident, now=now, default=self.settings.retention):
                continue
            if (incident.metadata.labels or {}).get(MANAGED_BY) != "dorgu":
                continue  # not ours (an upstream operator's, or hand-made): left alone
            try:
                await self.writer.delete(incident)
            except ApiFailure as error:
                logger.warning("expired incident %s/%s not deleted: %s", key[0], key[1], error)
                continue
            self._forget(key)
            self.written_at.pop(key, None)

    # -- listeners --------------------------------------------------------------------------

    def add_listener(self, listener: ChangeListener) -> None:
        self.listeners.append(listener)

    async def attach(self, listener: ChangeListener) -> None:
        """``add_listener`` for a listener that arrives after the pipeline started: when the
        pipeline already replayed (without it), the replay is run again, for it alone."""
        self.listeners.append(listener)
        if self._active:  # its own replay ran with no listener; no await since
            others, self.listeners = self.listeners, [listener]
            try:
                await self.replay()
            finally:
                self.listeners = others

    async def persist_status(
        self, incident: IncidentMemory, *, fields: Sequence[str]
    ) -> IncidentMemory | None:
        """Write the ``fields`` of ``incident.status`` (Python names, e.g. ``conditions``) onto
        the newest copy the tracker knows, keeping everything else: for a listener's own later
        writes (the notifier's retries), which must not roll back the phase or the counts.
        One retry after a 409; ``None`` when the incident is gone."""
        key = _key(incident)
        source = incident.status or IncidentMemoryStatus()
        for attempt in range(2):
            current = self.incidents.get(key)
            if current is None:
                return None
            status = (current.status or IncidentMemoryStatus()).model_copy(
                update={name: getattr(source, name) for name in fields}
            )
            try:
                written = await self.writer.write_status(
                    current, current.model_copy(update={"status": status})
                )
            except ApiFailure as error:
                if error.code != 409 or attempt:
                    raise
                fresh = await self.writer.read(key[1], key[0])
                if fresh is None:
                    self._forget(key)
                    return None
                self._remember(fresh)
                continue
            self._remember(written)
            return written
        return None

    async def _notify(self, previous: IncidentMemory | None, written: IncidentMemory) -> None:
        if not self.listeners:
            return
        async with self._listening:  # listeners see one incident at a time, in write order
            await self._call_listeners(previous, written)

    async def _call_listeners(
        self, previous: IncidentMemory | None, written: IncidentMemory
    ) -> None:
        current = written
        for listener in list(self.listeners):
            try:
                result = await asyncio.wait_for(listener(previous, current),
                                                timeout=self.settings.listener_timeout)  # fmt: skip
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("incident listener %r failed on %s", listener,
                                 current.metadata.name)  # fmt: skip
                continue
            if result is None:
                continue
            try:
                current = await self.writer.write_status(current, result)
            except ApiFailure as error:
                logger.warning("status of incident %s from a listener not written: %s",
                               current.metadata.name, error)  # fmt: skip
                continue
            self._remember(current)

    # -- metrics ----------------------------------------------------------------------------

    def _writes(self) -> dict[str, float]:
        return {verb: float(count) for verb, count in self.writer.writes.items()}

    def _phases(self) -> dict[str, float]:
        counts = {phase.value: 0.0 for phase in IncidentPhase}
        for incident in self.incidents.values():
            counts[(incident.status or IncidentMemoryStatus()).phase.value] += 1
        return counts

    def latency(self) -> dict[str, float]:
        if not self.latencies:
            return {}
        ordered = sorted(self.latencies)
        return {"0.5": statistics.median(ordered),
                "0.99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
                "max": ordered[-1]}  # fmt: skip
