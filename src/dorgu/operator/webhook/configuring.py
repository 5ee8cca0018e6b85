"""The ValidatingWebhookConfiguration the operator manages: ``validate-deployment.dorgu.io``
for apps/v1 Deployments, CREATE and UPDATE only (the scale subresource is not matched),
``sideEffects: None``, ``admissionReviewVersions: [v1]``, ``timeoutSeconds`` <= 5,
``failurePolicy`` Ignore unless configured, and a namespaceSelector that skips kube-system,
kube-node-lease and the operator's own namespace (optionally only namespaces labelled
``dorgu.io/validate=true``, the old opt-in).

``webhook_configuration`` is pure; ``apply_webhook_configuration`` writes it with server-side
apply (field manager ``dorgu-operator``).  With ``ca_bundle=None`` (cert-manager mode) the
manifest has no caBundle, so the operator does not own that field and cert-manager's cainjector
keeps it; ``ca_bundle_owned_by`` finds a caBundle the operator still owns from a self-managed
run, which it re-applies unchanged until cainjector takes it over (never blanking it).
Must not touch other webhook configurations.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.options import WEBHOOK_PATH, FailurePolicy

WEBHOOK_NAME = "validate-deployment.dorgu.io"
OPT_IN_LABEL = "dorgu.io/validate"
EXCLUDED_NAMESPACES = ("kube-system", "kube-node-lease")


def webhook_configuration(
    *,
    name: str,
    ca_bundle: bytes | None,
    operator_namespace: str,
    url: str | None = None,
    service: str | None = None,
    failure_policy: FailurePolicy = "Ignore",
    timeout_seconds: int = 5,
    opt_in: bool = False,
    annotations: Mapping[str, str] | None = None,
) -> JsonObject:
    """The configuration; ``ca_bundle`` None leaves caBundle out (someone else owns it)."""
    if (url is None) == (service is None):
        raise ValueError("exactly one of url and service")
    client: dict[str, object] = {}
    if ca_bundle is not None:
        client["caBundle"] = base64.b64encode(ca_bundle).decode()
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
    metadata: dict[str, object] = {
        "name": name,
        "labels": {"app.kubernetes.io/managed-by": "dorgu-operator"},
    }
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": metadata,
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


def _mentions(tree: object, field: str) -> bool:
    if isinstance(tree, dict):
        return any(k == field or _mentions(v, field) for k, v in tree.items())
    return False


def _owns_ca_bundle(metadata: object, manager: str) -> bool:
    entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
    return any(
        isinstance(entry, dict)
        and entry.get("manager") == manager
        and entry.get("operation") == "Apply"
        and _mentions(entry.get("fieldsV1"), "f:caBundle")
        for entry in (entries if isinstance(entries, list) else ())
    )


def ca_bundle_owned_by(existing: JsonObject | None, manager: str) -> bytes | None:
    """The caBundle of our webhook in ``existing`` when ``manager`` owns it by apply (left over
    from a self-managed run), else None."""
    if not existing or not _owns_ca_bundle(existing.get("metadata"), manager):
        return None
    hooks = existing.get("webhooks")
    for hook in hooks if isinstance(hooks, list) else ():
        if not isinstance(hook, dict) or hook.get("name") != WEBHOOK_NAME:
            continue
        client = hook.get("clientConfig")
        if not isinstance(client, dict):
            return None
        try:
            return base64.b64decode(str(client.get("caBundle") or ""), validate=True) or None
        except (binascii.Error, ValueError):
            return None
    return None


async def read_webhook_configuration(api: Api, name: str) -> JsonObject | None:
    """The configuration as stored, or None when there is none."""
    try:
        return await api.get(kinds.WEBHOOK_CONFIGURATIONS, name)
    except ApiFailure as error:
        if error.code == 404:
            return None
        raise
