"""The schema bundle exported as standalone strict JSON Schemas (what kubeconform reads)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from dorgu.devcluster import versions
from dorgu.rules.schemas import export_crd, export_schemas, kubeconform_file_name
from dorgu.rules.schemas.bundles import SchemaBundle
from dorgu.services.schemas import load_schema_bundle

GOLDEN = Path(__file__).resolve().parents[1] / "generation" / "golden" / "compose-shop"


def test_file_names_follow_kubeconforms_group_version_kind_split() -> None:
    assert kubeconform_file_name("apps/v1", "Deployment") == "apps_v1_deployment.json"
    assert kubeconform_file_name("v1", "Service") == "v1_v1_service.json"
    assert kubeconform_file_name("networking.k8s.io/v1", "Ingress") == (
        "networking.k8s.io_v1_ingress.json"
    )


def test_refs_nullable_and_closed_objects_are_converted() -> None:
    bundle = SchemaBundle(
        kubernetes_version="1.37",
        definitions={
            "Root": {
                "type": "object",
                "properties": {
                    "spec": {"$ref": "Spec"},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                             "properties": {"a": {"type": "string"}}},
                },
            },
            "Spec": {"type": "object", "properties": {"n": {"type": "integer", "nullable": True}}},
        },
        kinds={"example.io/v1/Thing": "Root"},
    )  # fmt: skip
    [(name, schema)] = export_schemas(bundle).items()
    assert name == "example.io_v1_thing.json"
    assert schema["properties"]["spec"] == {"$ref": "#/definitions/Spec"}  # type: ignore[index]
    assert schema["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["free"]  # type: ignore[index]
    spec = schema["definitions"]["Spec"]  # type: ignore[index]
    assert spec["properties"]["n"]["type"] == ["integer", "null"]
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid({"spec": {"n": None}, "free": {"x": 1}})
    assert not validator.is_valid({"spec": {"n": 1, "typo": 2}})


def test_a_generated_deployment_validates_and_a_typo_does_not() -> None:
    schemas = export_schemas(load_schema_bundle(versions.KUBERNETES))
    validator = jsonschema.Draft4Validator(schemas["apps_v1_deployment.json"])
    deployment = yaml.safe_load((GOLDEN / "api" / "deployment.yaml").read_text())
    assert list(validator.iter_errors(deployment)) == []
    deployment["spec"]["template"]["spec"]["containers"][0]["portz"] = []
    assert not validator.is_valid(deployment)


def test_a_crd_gets_the_fields_every_object_has() -> None:
    crd = {
        "spec": {
            "group": "kopf.dev",
            "names": {"kind": "ClusterKopfPeering"},
            "versions": [
                {"name": "v1", "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}
            ],
        }
    }  # fmt: skip
    schema = export_crd(crd)["kopf.dev_v1_clusterkopfpeering.json"]
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid({"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering",
                               "metadata": {"name": "x"}, "status": {}})  # fmt: skip
    assert not validator.is_valid({"apiVersion": "kopf.dev/v1", "spec": {}})
    assert export_crd({"spec": "broken"}) == {}
