"""Audit records: what the webhook admitted, written into the persona's status off the hot
path.  The webhook only ``submit``s (a bounded queue; a full queue drops and counts); a
background task merges the workload's result into ``status.validation`` with the same
builders the reconciler uses, so when the reconciler later sees the stored workload the
content is equal and nothing is written twice.

Must not run on the request path, block, or lose updates (writes are conditional on the
persona's resourceVersion and retried).
"""

from __future__ import annotations

import asyncio
import logging

from dorgu.models.personas_policies import effective_mode
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.eventing import EventPoster, Subject
from dorgu.operator.metrics import Metrics
from dorgu.operator.reconciling import RetryLater, parse_status, write_status
from dorgu.operator.statuses import (
    build_status,
    content_of,
    merge_target,
    target_validation,
    transitions,
)
from dorgu.operator.watching import ClusterView, persona_entry
from dorgu.operator.webhook.handling import AuditRecord

logger = logging.getLogger(__name__)
QUEUE_SIZE = 1000
ATTEMPTS = 5


class AuditRecorder:
    def __init__(
        self, *, api: Api, view: ClusterView, metrics: Metrics, events: EventPoster
    ) -> None:
        self.api, self.view, self.metrics, self.events = api, view, metrics, events
        self.queue: asyncio.Queue[AuditRecord] = asyncio.Queue(QUEUE_SIZE)

    def submit(self, record: AuditRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.metrics.audit_dropped.inc()

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            latest = {(r.persona, r.kind, r.name): r for r in batch}  # the newest per workload
            for record in latest.values():
                try:
                    await self.apply(record)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    logger.warning("audit record for %s/%s not written: %s", *record.persona, error)

    async def apply(self, record: AuditRecord) -> bool:
        """Merge ``record`` into the persona's status; whether a write happened."""
        namespace, name = record.persona
        for _ in range(ATTEMPTS):
            try:
                obj = await self.api.get(kinds.PERSONAS, name, namespace=namespace)
            except ApiFailure as error:
                if error.code == 404:
                    return False
                raise
            entry = persona_entry(obj)
            if entry.spec is None:
                return False
            old = parse_status(obj)
            target = target_validation(kind=record.kind, name=record.name, generation=record.generation,
                                       findings=record.findings, now=record.at)  # fmt: skip
            targets = merge_target(old.validation.targets if old and old.validation else [], target)
            mode = effective_mode(
                entry.spec.validation.mode if entry.spec.validation else None,
                self.view.namespace_mode(namespace),
            )
            status = build_status(old=old, generation=entry.generation, targets=targets, mode=mode,
                                  now=record.at, rollout=None)  # fmt: skip
            if content_of(status) == content_of(old):
                return False
            try:
                await write_status(self.api, record.persona, obj, status)
            except RetryLater:
                continue
            self.metrics.status_writes.inc(kind="audit")
            meta = obj.get("metadata")
            uid = meta.get("uid") if isinstance(meta, dict) else None
            subject = Subject("ApplicationPersona", name, namespace, uid=str(uid) if uid else None)
            for type_, reason, message in transitions(old, status):
                await self.events.post(subject, type=type_, reason=reason, message=message)
            return True
        return False
