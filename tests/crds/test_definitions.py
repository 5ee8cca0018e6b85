"""The generated CRDs: committed YAML in sync with the models, names, scope, printer columns."""

from pathlib import Path

import pytest
import yaml

from dorgu.crds import application_persona_crd, cluster_persona_crd, crd_files, crd_schema

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "crds"


@pytest.mark.parametrize("name", sorted(crd_files()))
def test_committed_crd_matches_the_models(name):
    committed = DEPLOY / name
    assert committed.is_file(), f"{committed} is missing; run scripts/generate-crds"
    assert committed.read_text(encoding="utf-8") == crd_files()[name], (
        f"{committed} is out of date with the persona models; run scripts/generate-crds"
    )


def test_nothing_stale_is_left_in_deploy_crds():
    assert sorted(p.name for p in DEPLOY.glob("*.yaml")) == sorted(crd_files())


def test_rendered_yaml_is_the_crd_object():
    text = crd_files()["applicationpersonas.dorgu.io.yaml"]
    assert text.startswith("# Generated")
    assert yaml.safe_load(text) == application_persona_crd()
    assert crd_files() == crd_files()  # deterministic


def test_application_persona_names_and_scope():
    spec = application_persona_crd()["spec"]
    assert isinstance(spec, dict)
    assert spec["group"] == "dorgu.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"] == {
        "kind": "ApplicationPersona",
        "listKind": "ApplicationPersonaList",
        "plural": "applicationpersonas",
        "singular": "applicationpersona",
        "shortNames": ["persona", "ap"],
        "categories": ["dorgu"],
    }


def test_cluster_persona_names_and_scope():
    spec = cluster_persona_crd()["spec"]
    assert isinstance(spec, dict)
    assert spec["scope"] == "Cluster"
    assert spec["names"]["shortNames"] == ["cp"]  # type: ignore[index]
    assert spec["names"]["categories"] == ["dorgu"]  # type: ignore[index]


def _version(crd: dict[str, object]) -> dict[str, object]:
    spec = crd["spec"]
    assert isinstance(spec, dict)
    (version,) = spec["versions"]
    assert isinstance(version, dict)
    return version


def _columns(crd: dict[str, object]) -> dict[str, dict[str, object]]:
    columns = _version(crd)["additionalPrinterColumns"]
    assert isinstance(columns, list)
    return {c["name"]: c for c in columns}


def test_application_persona_has_status_subresource_and_columns():
    crd = application_persona_crd()
    version = _version(crd)
    assert version["name"] == "v1" and version["served"] and version["storage"]
    assert version["subresources"] == {"status": {}}
    columns = _columns(crd)
    default_view = [n for n, c in columns.items() if not c.get("priority")]
    assert default_view == ["Type", "Tier", "Phase", "Health", "Age"]
    assert columns["Type"]["jsonPath"] == ".spec.type"
    assert columns["Health"]["jsonPath"] == ".status.health.status"
    assert columns["Mode"]["jsonPath"] == ".status.validation.mode"


def test_cluster_persona_nodes_column_is_the_node_count():
    crd = cluster_persona_crd()
    assert _version(crd)["subresources"] == {"status": {}}
    nodes = _columns(crd)["Nodes"]
    assert nodes["jsonPath"] == ".status.nodeCount"
    assert nodes["type"] == "integer"
    assert "Platform" in _columns(crd)


def test_spec_is_required_and_metadata_left_to_the_api_server():
    schema = crd_schema(application_persona_crd())
    assert schema["required"] == ["spec"]
    assert schema["properties"]["metadata"] == {"type": "object"}  # type: ignore[index]
    spec = schema["properties"]["spec"]  # type: ignore[index]
    assert spec["required"] == ["name", "type"]


def test_compat_enums_and_defaults_are_in_the_schema():
    spec = crd_schema(application_persona_crd())["properties"]["spec"]["properties"]  # type: ignore[index]
    assert spec["type"]["enum"] == ["api", "web", "worker", "cron", "daemon"]
    assert spec["tier"]["default"] == "standard"
    assert spec["resources"]["properties"]["profile"]["enum"] == [
        "minimal",
        "standard",
        "compute-heavy",
        "memory-heavy",
    ]
    scaling = spec["scaling"]["properties"]
    assert scaling["minReplicas"]["minimum"] == 0
    assert scaling["maxReplicas"]["minimum"] == 1
    assert (scaling["targetMemory"]["minimum"], scaling["targetMemory"]["maximum"]) == (1, 100)
    assert scaling["behavior"]["default"] == "balanced"
    assert spec["health"]["properties"]["startupGracePeriod"]["default"] == "30s"
    dependency = spec["dependencies"]["items"]
    assert dependency["required"] == ["name"]
    assert dependency["properties"]["required"]["default"] is True
    port = spec["networking"]["properties"]["ports"]["items"]
    assert port["properties"]["protocol"]["default"] == "TCP"
    security = spec["policies"]["properties"]["security"]["properties"]
    assert security["runAsNonRoot"]["default"] is True
    assert security["readOnlyRootFilesystem"]["default"] is True
    assert security["allowPrivilegeEscalation"]["default"] is False
    deployment = spec["policies"]["properties"]["deployment"]["properties"]
    assert deployment["strategy"]["default"] == "RollingUpdate"
    assert deployment["maxUnavailable"]["default"] == "25%"
    assert (
        spec["policies"]["properties"]["maintenance"]["properties"]["autoRestart"]["default"]
        is False
    )
    mode = spec["validation"]["properties"]["mode"]
    assert mode["enum"] == ["off", "audit", "warn", "enforce"]
    assert "default" not in mode  # unset: the namespace default applies


def test_status_conditions_are_a_list_map_and_passed_has_a_default():
    status = crd_schema(application_persona_crd())["properties"]["status"]["properties"]  # type: ignore[index]
    conditions = status["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert set(conditions["items"]["required"]) >= {"type", "status", "reason"}
    assert status["validation"]["properties"]["passed"]["default"] is False
    assert (
        status["learned"]["properties"]["patterns"]["items"]["properties"]["confidence"]["type"]
        == "number"
    )
