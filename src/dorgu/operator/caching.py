"""In-memory caches kept by list+watch, one per resource kind: what the webhook reads on its
hot path (no API calls there) and what the reconciler uses for related objects.

A ``Store`` holds transformed objects by namespace and name; ``run_informer`` fills it (list,
then watch from the list's resourceVersion; a 410 or a broken stream relists; a 404 means the
API is not installed: the store is marked missing and retried slowly).  Every replica runs its
informers, whether or not kopf peering made it the active reconciler.

Must not call the rule engine or write to the cluster.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from dorgu.operator.api import Api, ApiFailure, JsonObject, Kind

T = TypeVar("T")
Key = tuple[str, str]
"""``(namespace, name)``; namespace '' for cluster-scoped objects."""
Listener = Callable[[str, Key, object], None]

logger = logging.getLogger(__name__)
MISSING_API_RETRY_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 30.0
YIELD_EVERY = 16


def key_of(obj: JsonObject) -> Key:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


class Store(Generic[T]):
    """Objects of one kind, by namespace then name.  Reads are plain dict lookups."""

    def __init__(self, name: str, transform: Callable[[JsonObject], T]) -> None:
        self.name = name
        self.transform = transform
        self.by_namespace: dict[str, dict[str, T]] = {}
        self.synced = asyncio.Event()
        self.missing = False
        self.listeners: list[Listener] = []

    def __len__(self) -> int:
        return sum(len(items) for items in self.by_namespace.values())

    def get(self, key: Key) -> T | None:
        return self.by_namespace.get(key[0], {}).get(key[1])

    def in_namespace(self, namespace: str) -> Iterator[T]:
        return iter(self.by_namespace.get(namespace, {}).values())

    def items(self) -> Iterator[tuple[Key, T]]:
        for namespace, items in self.by_namespace.items():
            for name, value in items.items():
                yield (namespace, name), value

    def put(self, obj: JsonObject) -> None:
        key = key_of(obj)
        value = self.transform(obj)
        self.by_namespace.setdefault(key[0], {})[key[1]] = value
        self._notify("PUT", key, value)

    def remove(self, obj: JsonObject) -> None:
        key = key_of(obj)
        items = self.by_namespace.get(key[0], {})
        value = items.pop(key[1], None)
        if not items:
            self.by_namespace.pop(key[0], None)
        self._notify("DELETE", key, value)

    def replace(self, objects: list[JsonObject]) -> None:
        """A fresh listing: drop what is gone, keep the rest."""
        old = {key for key, _ in self.items()}
        fresh: dict[str, dict[str, T]] = {}
        for obj in objects:
            key = key_of(obj)
            fresh.setdefault(key[0], {})[key[1]] = self.transform(obj)
        self.by_namespace = fresh
        for key, value in self.items():
            self._notify("PUT", key, value)
        for key in old - {key for key, _ in self.items()}:
            self._notify("DELETE", key, None)

    def _notify(self, action: str, key: Key, value: object) -> None:
        for listener in self.listeners:
            try:
                listener(action, key, value)
            except Exception:  # a listener must never break the cache
                logger.exception("cache listener of %s failed", self.name)


async def run_informer(api: Api, kind: Kind, store: Store[T]) -> None:
    """Keep ``store`` in sync with the cluster until cancelled; never raises otherwise."""
    backoff = 0.5
    while True:
        try:
            listing = await api.list(kind)
            store.replace(listing.items)
            store.missing = False
            store.synced.set()
            backoff = 0.5
            version = listing.resource_version
            while True:
                count = 0
                async for action, obj in api.watch(kind, resource_version=version):
                    count += 1
                    if count % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # a burst of events must not starve the webhook
                    meta = obj.get("metadata")
                    version = (
                        str(meta.get("resourceVersion") or version)
                        if isinstance(meta, dict)
                        else version
                    )
                    if action in ("ADDED", "MODIFIED"):
                        store.put(obj)
                    elif action == "DELETED":
                        store.remove(obj)
        except asyncio.CancelledError:
            raise
        except ApiFailure as error:
            if error.code in (403, 404):
                if not store.missing:
                    logger.warning(
                        "%s unavailable (%s); the webhook treats it as empty; retrying every %.0fs",
                        store.name, error, MISSING_API_RETRY_SECONDS,
                    )  # fmt: skip
                store.missing = True
                store.replace([])
                store.synced.set()
                await asyncio.sleep(MISSING_API_RETRY_SECONDS)
                continue
            if error.code != 410:
                logger.info(
                    "watch of %s broke (%s); relisting in %.1fs", store.name, error, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        except Exception:
            logger.exception("informer of %s failed; relisting in %.1fs", store.name, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
