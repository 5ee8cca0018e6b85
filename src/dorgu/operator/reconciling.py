"""Persona reconciliation: find every workload the persona selects, evaluate each with the
shared rule engine, and write the status through the status subresource when (and only when)
its content changed; Events on transitions only.

``Reconciler`` is a work queue: ``enqueue`` coalesces (a persona queued twice runs once; one
enqueued while running runs again after; one persona starts at most once per
``min_interval``, so a burst of Deployment creates costs a few reconciles, not one each),
failures retry with exponential backoff, and a persona is re-queued when an exemption on one of
its workloads expires.  Workloads come from the informer caches (no LIST per reconcile) and
each workload's evaluation is reused until the workload, the persona or the namespace's related
objects change (or an exemption expires).  Only the active replica reconciles (``is_active``);
a standby drops what it is given and is handed every persona when it becomes active.  Status
writes carry the persona's resourceVersion (a JSON-patch ``test``), so concurrent writers
never lose updates.

Must not run rules on the webhook's hot path, patch workloads, or write unchanged status
(no hot loops: status writes do not change ``metadata.generation``, and triggers ignore them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from dorgu.models.personas_policies import effective_mode
from dorgu.models.personas_status import ApplicationPersonaStatus, TargetValidation
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.caching import Key
from dorgu.operator.eventing import EventPoster, Subject
from dorgu.operator.metrics import Metrics
from dorgu.operator.statuses import (
    Rollout,
    RolloutState,
    build_status,
    content_of,
    target_validation,
    transitions,
)
from dorgu.operator.watching import CachedWorkload, ClusterView, PersonaEntry, persona_entry
from dorgu.rules import as_workload, evaluate_target, target_for
from dorgu.rules.exemptions import read_exemptions
from dorgu.rules.objects import Manifest, as_text
from dorgu.rules.registry import is_known

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_BACKOFF = 60.0
REUSE_FOR = timedelta(minutes=5)
"""The longest an evaluation is reused, whatever else holds (time-dependent rules stay fresh)."""
WorkloadKey = tuple[str, str, str]  # kind, namespace, name


@dataclass(frozen=True)
class Evaluation:
    """One workload's result and what it depended on."""

    fingerprint: tuple[object, ...]
    result: TargetValidation
    expires: datetime | None
    """The earliest active exemption's expiry."""
    valid_until: datetime


def _learned_mark(entry: PersonaEntry) -> object:
    learned = entry.learned
    return (learned.last_updated, learned.stale) if learned is not None else None


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_status(obj: Mapping[str, object]) -> ApplicationPersonaStatus | None:
    raw = obj.get("status")
    if not isinstance(raw, dict):
        return None
    try:
        return ApplicationPersonaStatus.model_validate(raw)
    except ValidationError:
        return None  # rewritten from scratch


def rollout_of(workload: JsonObject, *, main: str | None) -> Rollout | None:
    """The rollout of a Deployment: its main container's image and whether it finished."""
    w = as_workload(workload)
    if w is None or w.kind != "Deployment" or not w.app_containers:
        return None
    containers = w.app_containers
    container = next((c for c in containers if c.name == main), containers[0])
    image = as_text(container.data.get("image")) or ""
    if not image:
        return None
    tail = image.rsplit("/", 1)[-1]
    version = tail.split("@", 1)[1][:19] if "@" in tail else tail.rpartition(":")[2] or "latest"
    if ":" not in tail and "@" not in tail:
        version = "latest"
    status = workload.get("status")
    status = status if isinstance(status, dict) else {}
    spec = workload.get("spec")
    wanted = spec.get("replicas", 1) if isinstance(spec, dict) else 1
    meta = workload.get("metadata")
    generation = meta.get("generation") if isinstance(meta, dict) else None
    for condition in status.get("conditions") or []:
        if (
            isinstance(condition, dict)
            and condition.get("type") == "Progressing"
            and condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            return Rollout(version, image, RolloutState.FAILED)
    done = (
        status.get("observedGeneration") == generation
        and status.get("updatedReplicas", 0) == wanted
        and status.get("availableReplicas", 0) == wanted
        and status.get("replicas", 0) == wanted
    )
    return Rollout(version, image, RolloutState.SUCCEEDED if done else RolloutState.PROGRESSING)


class RetryLater(Exception):
    """The persona changed under us; reconcile again."""


class Reconciler:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        metrics: Metrics,
        events: EventPoster,
        clock: Clock = utc_now,
        workers: int = 4,
        min_interval: float = 1.0,
        is_active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.api, self.view, self.metrics, self.events = api, view, metrics, events
        self.clock = clock
        self.workers = max(1, workers)
        self.min_interval = min_interval
        self.is_active = is_active
        self._started: dict[Key, float] = {}
        self._evaluations: dict[Key, dict[WorkloadKey, Evaluation]] = {}
        self._queue: asyncio.Queue[Key] = asyncio.Queue()
        self._queued: set[Key] = set()
        self._active: set[Key] = set()
        self._dirty: set[Key] = set()
        self._failures: dict[Key, int] = {}
        self._targets: dict[Key, set[WorkloadKey]] = {}
        self._owners: dict[WorkloadKey, set[Key]] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}

    # -- queue -------------------------------------------------------------------------
    def enqueue(self, key: Key) -> None:
        if not self.is_active():
            return  # a standby: every persona is queued when this replica becomes active
        if key in self._active:
            self._dirty.add(key)
        elif key not in self._queued:
            self._queued.add(key)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._queue.put_nowait(key)
                return
            wait = self._started.get(key, -1e9) + self.min_interval - loop.time()
            if wait > 0:
                loop.call_later(wait, self._queue.put_nowait, key)
            else:
                self._queue.put_nowait(key)

    def enqueue_all(self) -> None:
        for key, _ in self.view.personas.items():
            self.enqueue(key)

    def targeted_by(self, kind: str, namespace: str, name: str) -> Iterable[Key]:
        return tuple(self._owners.get((kind, namespace, name), ()))

    def evaluation_count(self) -> int:
        """How many workload evaluations are kept for reuse."""
        return sum(map(len, self._evaluations.values()))

    def idle(self) -> bool:
        return not self._queued and not self._active

    async def run(self) -> None:
        """Run the workers until cancelled."""
        workers = [
            asyncio.create_task(self._work(), name=f"reconciler-{i}") for i in range(self.workers)
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            for timer in self._timers.values():
                timer.cancel()

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            key = await self._queue.get()
            self._queued.discard(key)
            if not self.is_active():
                continue
            self._active.add(key)
            self._started[key] = loop.time()
            started = time.perf_counter()
            result = "error"
            try:
                result = await self.reconcile(key)
                self._failures.pop(key, None)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures = self._failures[key] = self._failures.get(key, 0) + 1
                delay = min(MAX_BACKOFF, 0.5 * 2 ** (failures - 1))
                if isinstance(error, RetryLater):
                    result, delay = "conflict", 0.05
                else:
                    self.metrics.reconcile_errors.inc()
                    logger.warning("reconcile of %s/%s failed (%s); retry in %.1fs",
                                   key[0], key[1], error, delay, exc_info=not isinstance(error, ApiFailure))  # fmt: skip
                loop.call_later(delay, self.enqueue, key)
            finally:
                self.metrics.reconcile_duration.observe(
                    time.perf_counter() - started, result=result
                )
                self._active.discard(key)
                if key in self._dirty:
                    self._dirty.discard(key)
                    self.enqueue(key)

    # -- one persona -------------------------------------------------------------------
    def forget(self, key: Key) -> None:
        for workload in self._targets.pop(key, set()):
            owners = self._owners.get(workload, set())
            owners.discard(key)
            if not owners:
                self._owners.pop(workload, None)
        timer = self._timers.pop(key, None)
        if timer:
            timer.cancel()

    def _drop(self, key: Key) -> None:
        """Forget everything about a persona that is gone."""
        self.forget(key)
        self._evaluations.pop(key, None)
        self._started.pop(key, None)

    def _remember(self, key: Key, workloads: set[WorkloadKey]) -> None:
        self.forget(key)
        self._targets[key] = workloads
        for workload in workloads:
            self._owners.setdefault(workload, set()).add(key)

    def _evaluate(
        self,
        entry: PersonaEntry,
        cached: CachedWorkload,
        *,
        now: datetime,
        related: list[Manifest],
        known: frozenset[str] | None,
        previous: Mapping[WorkloadKey, Evaluation],
    ) -> tuple[WorkloadKey, Evaluation] | None:
        """The workload's evaluation: the previous one while nothing it read changed."""
        ident = (cached.kind, entry.namespace, cached.name)
        fingerprint = (
            cached.uid,
            cached.generation,
            cached.labels,
            cached.annotations,
            entry.generation,
            self.view.related_version(entry.namespace),  # covers the known Services too
            _learned_mark(entry),
        )
        old = previous.get(ident)
        if old is not None and old.fingerprint == fingerprint and now < old.valid_until:
            return ident, old
        workload = as_workload(cached.manifest())
        if workload is None:
            return None
        target = target_for(workload, related=related, persona=entry.spec, known_services=known,
                            learned=entry.learned)  # fmt: skip
        result = target_validation(
            kind=workload.kind, name=workload.name, now=now,
            findings=evaluate_target(target, now=now), generation=cached.generation,
        )  # fmt: skip
        state = read_exemptions(workload, now=now, known=is_known)
        expires = state.expires if state.active else None
        valid_until = min(now + REUSE_FOR, expires or now + REUSE_FOR)
        return ident, Evaluation(fingerprint, result, expires, valid_until)

    async def reconcile(self, key: Key) -> str:
        """Validate one persona's workloads and write its status if it changed; the result
        label (written, unchanged, gone)."""
        namespace, name = key
        try:
            obj = await self.api.get(kinds.PERSONAS, name, namespace=namespace)
        except ApiFailure as error:
            if error.code == 404:
                self._drop(key)
                return "gone"
            raise
        entry = persona_entry(obj)
        await asyncio.sleep(0)  # between the heavier steps, let admission reviews in
        old = parse_status(obj)
        await asyncio.sleep(0)
        now = self.clock()
        mode = effective_mode(
            entry.spec.validation.mode if entry.spec and entry.spec.validation else None,
            self.view.namespace_mode(namespace),
        )
        if entry.spec is None:
            status = build_status(old=old, generation=entry.generation, targets=[], mode=mode,
                                  now=now, spec_error=entry.error)  # fmt: skip
            self._remember(key, set())
        else:
            workloads = self.view.workloads_for(entry)
            await asyncio.sleep(0)
            related = self.view.related(namespace)
            known = self.view.known_services(namespace)
            previous = self._evaluations.get(key, {})
            evaluations: dict[WorkloadKey, Evaluation] = {}
            for index, cached in enumerate(workloads, start=1):
                pair = self._evaluate(entry, cached, now=now, related=related, known=known,
                                      previous=previous)  # fmt: skip
                if pair is not None:
                    evaluations[pair[0]] = pair[1]
                if index % 200 == 0 or (pair is not None and pair[1] is not previous.get(pair[0])):
                    await asyncio.sleep(0)  # let admission reviews in after each evaluation
            self._evaluations[key] = evaluations
            await asyncio.sleep(0)
            targets = [e.result for e in evaluations.values()]
            expiries = [e.expires for e in evaluations.values() if e.expires is not None]
            self._remember(key, set(evaluations))
            self._schedule(key, min(expiries, default=None), now)
            deployments = [w for w in workloads if w.kind == "Deployment"]
            main = next((w for w in deployments if w.name == entry.spec.name), None)
            main = main or (deployments[0] if deployments else None)
            rollout = rollout_of(main.manifest(), main=entry.spec.name) if main else None
            status = build_status(old=old, generation=entry.generation, targets=targets,
                                  mode=mode, now=now, rollout=rollout)  # fmt: skip
            await asyncio.sleep(0)
        fresh = content_of(status)
        await asyncio.sleep(0)
        if fresh == content_of(old):
            return "unchanged"
        await write_status(self.api, key, obj, status)
        self.metrics.status_writes.inc(kind="persona")
        meta = obj.get("metadata")
        uid = meta.get("uid") if isinstance(meta, dict) else None
        subject = Subject("ApplicationPersona", name, namespace, uid=str(uid) if uid else None)
        for type_, reason, message in transitions(old, status):
            await self.events.post(subject, type=type_, reason=reason, message=message)
        return "written"

    def _schedule(self, key: Key, expiry: datetime | None, now: datetime) -> None:
        timer = self._timers.pop(key, None)
        if timer:
            timer.cancel()
        if expiry is not None:
            delay = max(0.0, (expiry - now).total_seconds()) + 1.0
            if delay < 7 * 24 * 3600:
                loop = asyncio.get_running_loop()
                self._timers[key] = loop.call_later(delay, self.enqueue, key)


async def write_status(
    api: Api, key: Key, obj: Mapping[str, object], status: ApplicationPersonaStatus
) -> None:
    """Replace the status if the persona is still at the resourceVersion it was read at;
    ``RetryLater`` when it moved on."""
    from dorgu.models.personas_base import dump_wire

    meta = obj.get("metadata")
    version = meta.get("resourceVersion") if isinstance(meta, dict) else None
    ops: list[dict[str, object]] = []
    if version:
        ops.append({"op": "test", "path": "/metadata/resourceVersion", "value": version})
    ops.append({"op": "add", "path": "/status", "value": dump_wire(status)})
    try:
        await api.patch(
            kinds.PERSONAS, key[1], ops, namespace=key[0], patch="json", subresource="status"
        )
    except ApiFailure as error:
        if (error.code in (409, 422) and "test" in error.message.lower()) or error.code == 409:
            raise RetryLater(str(error)) from error
        raise
