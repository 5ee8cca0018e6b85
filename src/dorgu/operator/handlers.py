"""kopf handler registration, on an explicit registry (no module-level decorators).

kopf runs the peering (which replica is active), the login, and an ``on.event`` handler for
ClusterPersonas (a spec change asks for a discovery).  Persona, workload and HPA changes reach
the reconciler through dorgu's own informer caches (``watching.Triggers``) instead of kopf
handlers: the reconciler reads those caches, and a trigger from a second, independent watch
could arrive before the cache has the change it announces.  ``on.event`` handlers store no
progress, add no finalizers and patch nothing, so kopf never writes our objects.

Must not do API calls or evaluate rules in a handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf

from dorgu.operator.connecting import Connection
from dorgu.operator.discovering import Discoverer


def _needs_discovery(body: Mapping[str, Any]) -> bool:
    meta = body.get("metadata") or {}
    status = body.get("status") or {}
    return not isinstance(status, dict) or meta.get("generation") != status.get(
        "observedGeneration"
    )


def build_registry(*, discoverer: Discoverer, connection: Connection) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    async def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(**connection.kopf_fields())  # type: ignore[arg-type]

    @kopf.on.event("dorgu.io", "v1", "clusterpersonas", registry=registry)
    async def cluster_persona_changed(type: str | None, body: Mapping[str, Any], **_: Any) -> None:
        if type != "DELETED" and _needs_discovery(body):
            discoverer.request()

    return registry


def build_settings(
    *,
    standalone: bool,
    peering: str,
    mandatory: bool,
    priority: int,
    lifetime: int,
) -> kopf.OperatorSettings:
    """kopf settings: peering (cluster-wide, ``ClusterKopfPeering``), posting off (we post our
    own Events on transitions), bounded watch timeouts, and no persistence needs."""
    settings = kopf.OperatorSettings()
    settings.posting.enabled = False
    settings.peering.standalone = standalone
    settings.peering.name = peering
    settings.peering.mandatory = mandatory
    settings.peering.clusterwide = True
    settings.peering.priority = priority
    settings.peering.lifetime = lifetime
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.watching.connect_timeout = 10
    settings.networking.request_timeout = 30
    settings.batching.worker_limit = 64
    return settings
