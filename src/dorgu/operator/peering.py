"""kopf peering: the ``ClusterKopfPeering`` CRD and object through which replicas elect one
active reconciler (the highest priority alive; kopf pauses the others, and pauses *all* on a
tie, so each replica takes a random priority unless told otherwise).

``PEERING_CRD`` is what an install must apply (the Helm chart ships it); ``ensure_peering``
creates the peering object when missing (without it every replica would run).
Must not apply CRDs itself.
"""

from __future__ import annotations

import logging

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject

logger = logging.getLogger(__name__)

PEERING_CRD: JsonObject = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "clusterkopfpeerings.kopf.dev"},
    "spec": {
        "group": "kopf.dev",
        "scope": "Cluster",
        "names": {
            "plural": "clusterkopfpeerings",
            "singular": "clusterkopfpeering",
            "kind": "ClusterKopfPeering",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                },
            }
        ],
    },
}


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
            logger.warning("the ClusterKopfPeering CRD is not installed: peering is unavailable")
            return False
        raise
    return True
