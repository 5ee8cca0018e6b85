"""The admission policies' parameters (``--admission policy|both``): one small
``PersonaPolicy`` per ApplicationPersona (same namespace and name, owned by the persona, see
``dorgu.models.persona_params``), so the API server hands each CEL evaluation a few hundred
bytes instead of the whole persona with its status.  ``ParamKeeper.run`` syncs as soon as the
persona cache changes (a persona edit reaches its PersonaPolicy in one watch event plus one
write, no polling delay).

``param_changes`` is pure: what to apply and delete so the cluster's objects match the cached
personas.  ``ParamKeeper.sync`` (the active replica, when a persona changed) writes only what
differs from what it last wrote or listed: a status write on a persona (the reconciler's) costs
nothing.  It lists the objects at its first sync, when it becomes active and every
``RELIST_SECONDS`` (an object deleted or edited by hand comes back).  A persona's deletion
deletes its object (the garbage collector would too, through the owner reference).

Must not write anything but ``personapolicies.dorgu.io`` objects labelled as the operator's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from dorgu.models.persona_params import MANAGED_BY, param_spec, persona_param
from dorgu.operator.api import Api, ApiFailure, JsonObject, Kind
from dorgu.operator.caching import Key
from dorgu.operator.watching import ClusterView, PersonaEntry

logger = logging.getLogger(__name__)

PERSONA_POLICIES = Kind("dorgu.io", "v1", "personapolicies")
SELECTOR = ",".join(f"{k}={v}" for k, v in MANAGED_BY.items())
RELIST_SECONDS = 300.0
Seen = tuple[str, str]
"""(owner uid, parameter spec as sorted JSON): what an object holds."""


def _canonical(spec: object) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def observed(obj: JsonObject) -> tuple[Key, Seen]:
    """An existing object's key and content."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    owners = meta.get("ownerReferences")
    uid = ""
    if isinstance(owners, list) and owners and isinstance(owners[0], dict):
        uid = str(owners[0].get("uid") or "")
    spec = obj.get("spec")
    key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
    return key, (uid, _canonical(param_spec(spec if isinstance(spec, dict) else {})))


def param_changes(
    personas: Iterable[PersonaEntry], current: Mapping[Key, Seen]
) -> tuple[list[JsonObject], list[Key]]:
    """(objects to apply, keys to delete), sorted, for ``current`` to match ``personas``.  A
    persona whose spec the models reject gets none: the webhook ignores it too."""
    wanted = {p.key: p for p in personas if p.spec is not None}
    writes: list[JsonObject] = [
        dict(persona_param(namespace=p.namespace, name=p.name, uid=p.uid or None,
                      spec=json.loads(p.param)))
        for key, p in sorted(wanted.items()) if current.get(key) != (p.uid, p.param)
    ]  # fmt: skip
    deletes = sorted(key for key in current if key not in wanted)
    return writes, deletes


class ParamKeeper:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        is_active: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api, self.view, self.is_active, self.clock = api, view, is_active, clock
        self.dirty = True
        self.current: dict[Key, Seen] | None = None
        """What the cluster holds, as last listed and written; None: list first."""
        self.listed_at = 0.0
        self.was_active = False
        self.wake = asyncio.Event()
        view.personas.listeners.append(self._changed)

    def _changed(self, _action: str, _key: object, _value: object) -> None:
        self.dirty = True
        self.wake.set()

    async def run(self, *, interval: float = 0.5) -> None:
        """``sync`` as soon as a persona changes (no polling delay between the persona's
        watch event and its PersonaPolicy write), and at least every ``interval`` seconds
        (becoming active, relists, retries)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=interval)
            self.wake.clear()
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("syncing the PersonaPolicy parameters failed: %s", error)

    async def _list(self) -> dict[Key, Seen]:
        listing = await self.api.list(PERSONA_POLICIES, label_selector=SELECTOR)
        self.listed_at = self.clock()
        return dict(observed(obj) for obj in listing.items)

    async def sync(self) -> None:
        active = self.is_active()
        if active and not self.was_active:
            self.current = None  # another replica may have written meanwhile
        self.was_active = active
        if not active:
            return
        if self.current is not None and self.clock() - self.listed_at >= RELIST_SECONDS:
            self.current = None
        if not self.dirty and self.current is not None:
            return
        self.dirty = False
        try:
            current = self.current if self.current is not None else await self._list()
        except ApiFailure as error:
            self.dirty = True
            logger.warning("could not list %s: %s", PERSONA_POLICIES.plural, error)
            return
        self.current = current
        writes, deletes = param_changes((p for _, p in self.view.personas.items()), current)
        for manifest in writes:
            await self._apply(manifest, current)
        for namespace, name in deletes:
            try:
                await self.api.delete(PERSONA_POLICIES, name, namespace=namespace)
            except ApiFailure as error:
                if error.code != 404:
                    self.dirty = True
                    logger.warning("could not delete the PersonaPolicy %s/%s: %s",
                                   namespace, name, error)  # fmt: skip
                    continue
            current.pop((namespace, name), None)

    async def _apply(self, manifest: JsonObject, current: dict[Key, Seen]) -> None:
        key, seen = observed(manifest)
        try:
            await self.api.patch(PERSONA_POLICIES, key[1], manifest, namespace=key[0],
                                 patch="apply", force=True)  # fmt: skip
        except ApiFailure as error:
            self.dirty = True  # retried at the next sync
            logger.warning("could not write the PersonaPolicy %s/%s: %s", *key, error)
            return
        current[key] = seen
