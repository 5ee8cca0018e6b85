"""Offline validation and defaulting against a CRD schema, and old Go-dorgu objects against
our CRDs."""

from pathlib import Path

import yaml

from dorgu.crds import (
    application_persona_crd,
    apply_defaults,
    cluster_persona_crd,
    crd_schema,
    validate_instance,
)
from dorgu.models.cluster_personas import ClusterPersona
from dorgu.models.personas import ApplicationPersona, dump_wire

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AP = crd_schema(application_persona_crd())
CP = crd_schema(cluster_persona_crd())


def _fixture(name):
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def _persona(**spec):
    return {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": "orders", "labels": {"a": "b"}},
        "spec": {"name": "orders", "type": "api", **spec},
    }


def test_minimal_persona_is_valid():
    assert validate_instance(_persona(), AP, strict=True) == []


def test_errors_name_the_field():
    errors = validate_instance(
        _persona(type="batch", scaling={"minReplicas": -1}, networking={"ports": [{}]}), AP
    )
    paths = {e.path for e in errors}
    assert {".spec.type", ".spec.scaling.minReplicas", ".spec.networking.ports[0].port"} <= paths


def test_strict_mode_reports_pruned_fields_and_nulls():
    data = _persona(technical={"lang": "go"}, version=None)
    assert validate_instance(data, AP) == []
    strict = {str(e) for e in validate_instance(data, AP, strict=True)}
    assert ".spec.technical.lang: unknown field (it would be dropped)" in strict
    assert any(s.startswith(".spec.version: null") for s in strict)


def test_quantities_accept_strings_and_integers_only():
    assert validate_instance(_persona(resources={"requests": {"cpu": 1}}), AP) == []
    assert validate_instance(_persona(resources={"requests": {"cpu": "250m"}}), AP) == []
    assert validate_instance(_persona(resources={"requests": {"cpu": "x"}}), AP)
    assert validate_instance(_persona(resources={"requests": {"cpu": 0.5}}), AP)


def test_old_cli_empty_quantities_stay_valid_but_new_bounds_are_strict():
    assert validate_instance(_persona(resources={"limits": {"cpu": ""}}), AP) == []
    assert validate_instance(_persona(resources={"bounds": {"cpu": {"max": ""}}}), AP)


def test_condition_list_map_rejects_duplicate_types():
    condition = {
        "type": "Ready",
        "status": "True",
        "reason": "Ok",
        "message": "",
        "lastTransitionTime": "2025-01-01T00:00:00Z",
    }
    data = {**_persona(), "status": {"conditions": [condition, condition]}}
    assert any("duplicate" in e.message for e in validate_instance(data, AP))


def test_defaults_are_applied_like_the_api_server():
    data = _persona(scaling={}, policies={"security": {"runAsNonRoot": None}})
    defaulted = apply_defaults(data, AP)
    spec = defaulted["spec"]
    assert spec["tier"] == "standard"
    assert spec["scaling"] == {"behavior": "balanced"}
    assert spec["policies"]["security"] == {
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
    }
    assert "health" not in spec  # absent sections stay absent
    assert data["spec"]["scaling"] == {}  # the input is not changed


def test_server_defaults_and_model_defaults_agree():
    data = _persona(
        scaling={},
        health={},
        dependencies=[{"name": "db"}],
        networking={"ports": [{"port": 80}], "ingress": {}},
        policies={"security": {}, "deployment": {}, "maintenance": {}},
        api={"routes": [{"method": "GET", "path": "/x", "params": [{"name": "q"}]}]},
    )
    by_server = ApplicationPersona.model_validate(apply_defaults(data, AP))
    by_model = ApplicationPersona.model_validate(data)
    assert by_server == by_model
    assert apply_defaults(dump_wire(by_model), AP) == dump_wire(by_model)


def test_old_go_persona_validates_once_read_by_the_models():
    persona = ApplicationPersona.model_validate(_fixture("go-dorgu-persona.yaml"))
    assert validate_instance(dump_wire(persona), AP, strict=True) == []


def test_old_go_persona_as_stored_differs_only_where_documented():
    raw = _fixture("go-dorgu-persona.yaml")
    errors = {e.path for e in validate_instance(raw, AP, strict=True)}
    assert errors == {
        ".spec.resources.profile",  # "api": only ever in CLI files, the Go CRD rejected it
        ".spec.policies.security.imageRunsAsRoot",  # pruned by the Go CRD as by ours
        ".status.learned.patterns[0].confidence",  # strings: rewritten as numbers by the operator
        ".status.learned.patterns[1].confidence",
    }


def test_old_go_cluster_persona_validates():
    raw = _fixture("go-dorgu-cluster-persona.yaml")
    assert validate_instance(raw, CP, strict=True) == []
    persona = ClusterPersona.model_validate(raw)
    assert validate_instance(dump_wire(persona), CP, strict=True) == []


def test_datetime_format_is_checked():
    data = {**_persona(), "status": {"lastUpdated": "yesterday"}}
    assert [e.path for e in validate_instance(data, AP)] == [".status.lastUpdated"]
