"""Events in order, a bounded history to resume from, and the fan-out to watchers.

Each event has an id ``<epoch>-<sequence>``: the epoch is unique per operator process, the
sequence grows by one per event.  A watcher that reconnects with the id of the last event it
got receives exactly what followed it, when that is still in the history (``capacity``
events) and the operator did not restart; otherwise it is told to start over and gets a fresh
snapshot (never a silent gap).  A watcher that cannot keep up (its queue is full) is dropped
with a reason, never slowing the others.

Must not do I/O.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

Event = dict[str, object]


@dataclass(eq=False)
class Watcher:
    user: str
    namespace: str | None
    """None: every namespace."""
    name: str | None
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(256))
    dropped: str | None = None

    def wants(self, event: Event) -> bool:
        return (self.namespace is None or event.get("namespace") == self.namespace) and (
            self.name is None or event.get("persona") == self.name
        )


class Hub:
    def __init__(
        self,
        *,
        capacity: int = 10_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        epoch: str | None = None,
    ) -> None:
        self.epoch = epoch or uuid.uuid4().hex[:12]
        self.sequence = 0
        self.history: deque[Event] = deque(maxlen=capacity)
        self.watchers: set[Watcher] = set()
        self.clock = clock
        self.published = 0
        self.dropped = 0

    def publish(self, *, namespace: str, persona: str, type: str, data: object) -> Event:
        self.sequence += 1
        event: Event = {
            "id": f"{self.epoch}-{self.sequence}",
            "type": type,
            "namespace": namespace,
            "persona": persona,
            "at": self.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "data": data,
        }
        self.history.append(event)
        self.published += 1
        for watcher in list(self.watchers):
            if watcher.dropped is None and watcher.wants(event):
                self._offer(watcher, event)
        return event

    def _offer(self, watcher: Watcher, event: Event) -> None:
        try:
            watcher.queue.put_nowait(event)
        except asyncio.QueueFull:
            watcher.dropped = (f"slow consumer: more than {watcher.queue.maxsize} events "
                               "waiting; reconnect with your last id to resume")  # fmt: skip
            self.dropped += 1
            self.watchers.discard(watcher)
            while not watcher.queue.empty():
                watcher.queue.get_nowait()
            watcher.queue.put_nowait(None)

    def after(self, token: str | None) -> list[Event] | None:
        """The events after ``token``, or None when they cannot all be given (another epoch,
        or older than the history): the watcher must start over from a snapshot."""
        if not token:
            return None
        epoch, _, number = token.rpartition("-")
        if epoch != self.epoch or not number.isdigit():
            return None
        seq = int(number)
        if seq > self.sequence:
            return None
        oldest = self.sequence - len(self.history) + 1
        if seq + 1 < oldest:
            return None
        return [e for e in self.history if int(str(e["id"]).rpartition("-")[2]) > seq]

    def attach(self, watcher: Watcher, backlog: list[Event]) -> None:
        """Start delivering to ``watcher``, after ``backlog`` (replayed or a snapshot)."""
        for event in backlog:
            if watcher.wants(event):
                self._offer(watcher, event)
        if watcher.dropped is None:
            self.watchers.add(watcher)

    def detach(self, watcher: Watcher) -> None:
        self.watchers.discard(watcher)

    def count(self, user: str) -> int:
        return sum(1 for w in self.watchers if w.user == user)
