"""The ValidatingWebhookConfiguration the operator manages: ``validate-deployment.dorgu.io``
for apps/v1 Deployments, CREATE and UPDATE only (the scale subresource is not matched),
``sideEffects: None``, ``admissionReviewVersions: [v1]``, ``timeoutSeconds`` <= 5,
``failurePolicy`` Ignore unless configured, and a namespaceSelector that skips kube-system,
kube-node-lease and the operator's own namespace (optionally only namespaces labelled
``dorgu.io/validate=true``, the old opt-in).

``webhook_configuration`` is pure; ``apply_webhook_configuration`` writes it with server-side
apply (field manager ``dorgu-operator``).  Must not touch other webhook configurations.
"""

from __future__ import annotations

import base64

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, JsonObject
from dorgu.operator.options import WEBHOOK_PATH, FailurePolicy

WEBHOOK_NAME = "validate-deployment.dorgu.io"
OPT_IN_LABEL = "dorgu.io/validate"
EXCLUDED_NAMESPACES = ("kube-system", "kube-node-lease")


def webhook_configuration(
    *,
    name: str,
    ca_bundle: bytes,
    operator_namespace: str,
    url: str | None = None,
    service: str | None = None,
    failure_policy: FailurePolicy = "Ignore",
    timeout_seconds: int = 5,
    opt_in: bool = False,
) -> JsonObject:
    if (url is None) == (service is None):
        raise ValueError("exactly one of url and service")
    client: dict[str, object] = {"caBundle": base64.b64encode(ca_bundle).decode()}
    if url is not None:
        client["url"] = url
    else:
        client["service"] = {
            "namespace": operator_namespace,
            "name": service,
            "path": WEBHOOK_PATH,
            "port": 443,
        }
    excluded = sorted({*EXCLUDED_NAMESPACES, operator_namespace})
    selector: dict[str, object] = {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": excluded}
        ]
    }
    if opt_in:
        selector["matchLabels"] = {OPT_IN_LABEL: "true"}
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "dorgu-operator"}},
        "webhooks": [
            {
                "name": WEBHOOK_NAME,
                "clientConfig": client,
                "rules": [
                    {
                        "apiGroups": ["apps"],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["deployments"],
                        "scope": "Namespaced",
                    }
                ],
                "namespaceSelector": selector,
                "failurePolicy": failure_policy,
                "matchPolicy": "Equivalent",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                "timeoutSeconds": max(1, min(5, timeout_seconds)),
            }
        ],
    }


async def apply_webhook_configuration(api: Api, manifest: JsonObject) -> None:
    metadata = manifest["metadata"]
    assert isinstance(metadata, dict)
    await api.patch(
        kinds.WEBHOOK_CONFIGURATIONS, str(metadata["name"]), manifest, patch="apply", force=True
    )
