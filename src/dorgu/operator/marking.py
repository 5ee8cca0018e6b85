"""The autoscaled marker the admission policies read (``--admission policy|both``): CEL
cannot see HPAs, so the active replica annotates each Deployment a persona selects and an
HPA scales with ``dorgu.io/autoscaled-by: <hpa name>`` (and removes the annotation when no HPA
scales it any more).  The policies skip their HPA-sensitive rules on marked Deployments; with
``--admission both`` the webhook judges those against the HPA.

``marker_changes`` is pure; ``MarkerKeeper.sync`` writes the changes (merge patches of one
annotation) when the caches changed.  A patch the admission chain denies (a Deployment that
already breaks an error rule) is logged and retried at the next change.

Must not write anything but that one annotation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.watching import CachedWorkload, ClusterView
from dorgu.rules.cel import AUTOSCALED_ANNOTATION
from dorgu.rules.objects import as_map, as_text

logger = logging.getLogger(__name__)
Change = tuple[str, str, str | None]
"""(namespace, Deployment name, new marker value; None: remove)."""


def scaled_deployments(hpas: Iterable[Mapping[str, object]]) -> dict[tuple[str, str], str]:
    """(namespace, Deployment) -> the name of the first HPA (by name) that scales it."""
    found: dict[tuple[str, str], str] = {}
    for hpa in sorted(hpas, key=lambda h: str(as_map(h.get("metadata")).get("name"))):
        metadata = as_map(hpa.get("metadata"))
        ref = as_map(as_map(hpa.get("spec")).get("scaleTargetRef"))
        name, target = as_text(metadata.get("name")), as_text(ref.get("name"))
        if ref.get("kind") == "Deployment" and name and target:
            found.setdefault((str(metadata.get("namespace") or ""), target), name)
    return found


def marker_changes(
    deployments: Iterable[CachedWorkload],
    hpas: Iterable[Mapping[str, object]],
    *,
    selected: Callable[[CachedWorkload], bool],
) -> list[Change]:
    """The marker writes that bring ``deployments`` in step with ``hpas``: marked exactly when
    a persona selects them and an HPA scales them."""
    scaled = scaled_deployments(hpas)
    changes: list[Change] = []
    for workload in deployments:
        current = dict(workload.annotations).get(AUTOSCALED_ANNOTATION)
        wanted = scaled.get((workload.namespace, workload.name)) if selected(workload) else None
        if wanted != current:
            changes.append((workload.namespace, workload.name, wanted))
    return sorted(changes, key=lambda c: (c[0], c[1]))


class MarkerKeeper:
    def __init__(self, *, api: Api, view: ClusterView, is_active: Callable[[], bool]) -> None:
        self.api, self.view, self.is_active = api, view, is_active
        self.dirty = True
        for store in (view.deployments, view.autoscalers, view.personas):
            store.listeners.append(self._changed)

    def _changed(self, _action: str, _key: object, _value: object) -> None:
        self.dirty = True

    def _selected(self, workload: CachedWorkload) -> bool:
        return any(
            p.selects(workload.labels) for p in self.view.personas.in_namespace(workload.namespace)
        )

    async def sync(self) -> None:
        if not self.dirty or not self.is_active():
            return
        self.dirty = False
        view = self.view
        changes = marker_changes(
            (w for _, w in view.deployments.items()),
            (h for _, h in view.autoscalers.items()),
            selected=self._selected,
        )
        for namespace, name, value in changes:
            body = {"metadata": {"annotations": {AUTOSCALED_ANNOTATION: value}}}
            try:
                await self.api.patch(kinds.DEPLOYMENTS, name, body, namespace=namespace)
            except ApiFailure as error:
                if error.code != 404:
                    logger.warning("could not %s the autoscaled marker on %s/%s: %s",
                                   "set" if value else "remove", namespace, name, error)  # fmt: skip
            else:
                logger.info("%s/%s: %s %s", namespace, name, AUTOSCALED_ANNOTATION,
                            value if value else "removed")  # fmt: skip
