"""The ``PersonaPolicy`` resource (``personapolicies.dorgu.io``, namespaced): the small
parameter object of the admission policies, one per ApplicationPersona, with the persona's
name and namespace and only the spec fields the policies' CEL reads.

Why not the persona itself: the API server hands the whole parameter object (status included)
to every evaluation, and a persona's status (validation targets with per-check results) makes
each admission hundreds of milliseconds slower.  Why a typed CRD rather than a ConfigMap: the
CEL keeps reading ``params.spec.<field>`` with the persona's own types (integers, booleans,
label selectors, int-or-string quantities) and messages, and the operator's RBAC names one
dorgu resource instead of every ConfigMap of the cluster.

``param_spec`` picks the fields from a persona's wire spec; ``persona_param`` builds the whole
object (owned by the persona, so the garbage collector deletes it with the persona).

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.models.personas import APPLICATION_PERSONA_KIND
from dorgu.models.personas_base import API_VERSION, JsonValue

PERSONA_POLICY_KIND = "PersonaPolicy"
PERSONA_POLICY_PLURAL = "personapolicies"
PARAM_FIELDS = ("name", "tier", "selector", "scaling", "resources", "policies", "validation")
"""The spec fields the policies read (``policies``: only ``policies.security``)."""
PARAM_POLICIES = ("security",)
MANAGED_BY = {"app.kubernetes.io/managed-by": "dorgu-operator"}


def param_spec(spec: Mapping[str, object]) -> dict[str, JsonValue]:
    """The fields of a persona's wire ``spec`` the policies read, as given."""
    picked: dict[str, JsonValue] = {}
    for key in PARAM_FIELDS:
        value = spec.get(key)
        if value is None:
            continue
        if key == "policies" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k in PARAM_POLICIES and v is not None}
            if not value:
                continue
        picked[key] = value  # type: ignore[assignment]
    return picked


def persona_param(
    *, namespace: str, name: str, uid: str | None, spec: Mapping[str, object]
) -> dict[str, JsonValue]:
    """The ``PersonaPolicy`` of persona ``namespace/name`` (same name), owned by it when its
    ``uid`` is known."""
    metadata: dict[str, JsonValue] = {
        "name": name,
        "namespace": namespace,
        "labels": dict(MANAGED_BY),
    }
    if uid:
        metadata["ownerReferences"] = [{
            "apiVersion": API_VERSION, "kind": APPLICATION_PERSONA_KIND, "name": name,
            "uid": uid, "blockOwnerDeletion": False, "controller": True,
        }]  # fmt: skip
    return {
        "apiVersion": API_VERSION,
        "kind": PERSONA_POLICY_KIND,
        "metadata": metadata,
        "spec": param_spec(spec),
    }
