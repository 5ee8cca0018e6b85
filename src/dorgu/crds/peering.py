"""kopf's ``ClusterKopfPeering`` CRD, through which operator replicas elect one active
reconciler.  ``dorgu cluster init`` applies it (so a locally run operator has peering) and the
Helm chart ships the same object (a test keeps them equal).  Pure data.
"""

from __future__ import annotations

from dorgu.models.personas_base import JsonValue

PEERING_CRD: dict[str, JsonValue] = {
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
