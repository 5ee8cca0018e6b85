"""kopf peering: the ``ClusterKopfPeering`` CRD and object through which replicas elect one
active reconciler (the highest priority alive; kopf pauses the others, and pauses *all* on a
tie, so each replica takes a random priority unless told otherwise).

``PEERING_CRD`` (defined in ``dorgu.crds.peering``) is what an install must apply (the Helm
chart ships it, ``dorgu cluster init`` applies it); ``ensure_peering``
creates the peering object when missing (without it every replica would run).
kopf writes each replica's keep-alive into the object; ``Leadership`` reads kopf's verdict
back from the cached object, because the reconciler is fed by dorgu's own informers rather
than by kopf handlers (so it must know itself whether kopf made this replica the active one).
Must not apply CRDs itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dorgu.crds.peering import PEERING_CRD
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject

logger = logging.getLogger(__name__)

__all__ = ["PEERING_CRD", "Leadership", "ensure_peering", "is_leader"]


async def ensure_peering(api: Api, name: str) -> bool:
    """Create the ClusterKopfPeering ``name`` if missing; False when the CRD is not installed."""
    body: JsonObject = {
        "apiVersion": "kopf.dev/v1",
        "kind": "ClusterKopfPeering",
        "metadata": {"name": name},
    }
    try:
        await api.create(kinds.PEERINGS, body)
    except ApiFailure as error:
        if error.code == 409:
            return True
        if error.code == 404:
            logger.warning(
                "the ClusterKopfPeering CRD is not installed: peering is unavailable "
                "(run dorgu cluster init, or pass --standalone)"
            )
            return False
        raise
    return True


def _alive_rival(info: object, *, priority: int, now: datetime) -> bool:
    """Whether one peer entry of the peering status outranks (or ties) ``priority`` and is
    within its lifetime."""
    if not isinstance(info, dict):
        return False
    try:
        seen = datetime.fromisoformat(str(info.get("lastseen")))
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=UTC)
        alive = seen + timedelta(seconds=int(info.get("lifetime", 60))) > now
        return alive and int(info.get("priority", 0)) >= priority
    except (TypeError, ValueError):
        return False


def is_leader(
    peering: JsonObject | None, *, identity: str, priority: int, mandatory: bool, now: datetime
) -> bool:
    """kopf's election, read from the cached peering object: active when this replica has
    announced itself and no other live peer has an equal or higher priority.  No peering
    object: active unless peering is mandatory (kopf then runs freely too)."""
    if peering is None:
        return not mandatory
    status = peering.get("status")
    peers = status if isinstance(status, dict) else {}
    if identity not in peers:
        return False  # kopf has not announced us yet: we cannot know who else is there
    return not any(
        _alive_rival(info, priority=priority, now=now)
        for ident, info in peers.items()
        if ident != identity
    )


class Leadership:
    """Whether this replica is the active reconciler, re-evaluated on a short tick from the
    peering object the informer keeps (no API call); ``on_gain`` runs when it becomes active
    (the reconciler then queues every persona)."""

    def __init__(
        self,
        *,
        standalone: bool,
        identity: str,
        priority: int,
        mandatory: bool,
        peering: Callable[[], JsonObject | None],
        on_gain: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self.standalone, self.identity, self.priority = standalone, identity, priority
        self.mandatory, self.peering, self.on_gain, self.clock = mandatory, peering, on_gain, clock
        self.active = False

    def check(self) -> bool:
        """Re-evaluate; whether this replica is active now."""
        now_active = self.standalone or is_leader(
            self.peering(), identity=self.identity, priority=self.priority,
            mandatory=self.mandatory, now=self.clock(),
        )  # fmt: skip
        if now_active != self.active:
            self.active = now_active
            logger.info("this replica is %s", "the active reconciler" if now_active else "standby")
            if now_active:
                self.on_gain()
        return now_active

    async def run(self, interval: float = 1.0) -> None:
        while True:
            self.check()
            await asyncio.sleep(interval)

    async def is_active(self) -> bool:
        return self.active
