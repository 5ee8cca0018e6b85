"""The policies' parameter (``PersonaPolicy``): it carries every persona field the CEL reads
and nothing else, owned by its persona; its CRD schema is the persona's, cut to those fields."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from dorgu.crds import crd_schema, validate_instance
from dorgu.crds.definitions import persona_policy_crd
from dorgu.models.persona_params import PARAM_FIELDS, PARAM_POLICIES, param_spec, persona_param
from dorgu.rules.cel import policy_manifests

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SPEC = {
    "name": "shop",
    "type": "api",
    "tier": "critical",
    "version": "1.2.3",
    "technical": {"language": "python"},
    "resources": {"bounds": {"cpu": {"min": "100m", "max": "1"}}, "limits": {"memory": "1Gi"}},
    "scaling": {"minReplicas": 2, "maxReplicas": 5},
    "policies": {"security": {"runAsNonRoot": True, "runAsUser": 1000},
                 "deployment": {"strategy": "RollingUpdate"}},
    "selector": {"matchLabels": {"app": "shop"}},
    "validation": {"mode": "enforce"},
}  # fmt: skip


def _cel_text() -> str:
    return json.dumps(policy_manifests(name="p", now=NOW, operator_namespace="ops"))


def test_the_cel_reads_only_what_the_parameter_carries() -> None:
    text = _cel_text()
    read = set(re.findall(r"params\.([A-Za-z]+)\.([A-Za-z]+)", text))
    assert read, "the CEL reads no parameter at all"
    assert {top for top, _ in read} == {"metadata", "spec"}
    assert {field for top, field in read if top == "metadata"} == {"name"}
    assert {field for top, field in read if top == "spec"} <= set(PARAM_FIELDS)
    policies = set(re.findall(r"params\.spec\.policies\.([A-Za-z]+)", text))
    assert policies and policies <= set(PARAM_POLICIES)


def test_the_parameter_keeps_the_read_fields_as_given_and_drops_the_rest() -> None:
    picked = param_spec(SPEC)

    assert set(picked) == {"name", "tier", "resources", "scaling", "policies", "selector",
                           "validation"}  # fmt: skip
    assert picked["resources"] == SPEC["resources"]
    assert picked["policies"] == {"security": {"runAsNonRoot": True, "runAsUser": 1000}}
    assert param_spec({"name": "x", "policies": {"deployment": {}}}) == {"name": "x"}


def test_the_parameter_is_named_and_owned_like_its_persona() -> None:
    param = persona_param(namespace="shop", name="orders", uid="u-1", spec=SPEC)

    metadata = param["metadata"]
    assert isinstance(metadata, dict)
    assert (metadata["name"], metadata["namespace"]) == ("orders", "shop")
    assert metadata["ownerReferences"] == [{
        "apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona", "name": "orders",
        "uid": "u-1", "blockOwnerDeletion": False, "controller": True,
    }]  # fmt: skip
    assert (
        "ownerReferences"
        not in persona_param(namespace="a", name="b", uid=None, spec={})["metadata"]
    )  # type: ignore[operator]


def test_the_crd_accepts_the_parameter_and_types_its_fields() -> None:
    crd = persona_policy_crd()
    schema = crd_schema(crd)
    param = persona_param(namespace="shop", name="orders", uid="u-1", spec=SPEC)

    assert validate_instance(param, schema, strict=True) == []
    spec_schema = schema["properties"]["spec"]  # type: ignore[index]
    assert set(spec_schema["properties"]) == set(PARAM_FIELDS)  # type: ignore[index]
    scaling = spec_schema["properties"]["scaling"]["properties"]  # type: ignore[index]
    assert scaling["minReplicas"]["type"] == "integer"
    assert "subresources" not in crd["spec"]["versions"][0]  # type: ignore[index]
