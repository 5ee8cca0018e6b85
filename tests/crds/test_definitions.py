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


def test_incident_memory_names_columns_and_bounds():
    from dorgu.crds import incident_memory_crd

    crd = incident_memory_crd()
    spec = crd["spec"]
    assert isinstance(spec, dict)
    assert spec["scope"] == "Namespaced"
    assert spec["names"]["shortNames"] == ["im"]  # type: ignore[index]
    assert _version(crd)["subresources"] == {"status": {}}
    columns = _columns(crd)
    default_view = [n for n, c in columns.items() if not c.get("priority")]
    assert default_view == ["Category", "Severity", "Phase", "Signal", "Age"]
    assert columns["Signal"]["jsonPath"] == ".spec.detection.signal"
    schema = crd_schema(crd)["properties"]
    im_spec = schema["spec"]["properties"]  # type: ignore[index]
    assert schema["spec"]["required"] == ["category", "detection"]  # type: ignore[index]
    assert im_spec["category"]["enum"] == [
        "resource",
        "scaling",
        "health",
        "security",
        "deployment",
        "dependency",
        "node",
        "controlplane",
    ]
    assert im_spec["severity"]["enum"] == ["info", "warning", "critical"]
    assert im_spec["attribution"]["default"] == "unattributed"
    assert im_spec["personaRef"]["properties"]["kind"]["enum"] == [
        "ApplicationPersona",
        "ClusterPersona",
    ]
    detection = im_spec["detection"]["properties"]
    assert detection["affectedResources"]["maxItems"] == 20
    assert detection["evidence"]["maxItems"] == 10
    assert detection["evidence"]["items"]["properties"]["message"]["maxLength"] == 512
    confidence = im_spec["rootCause"]["properties"]["confidence"]
    assert (confidence["type"], confidence["minimum"], confidence["maximum"]) == ("number", 0, 1)
    assert im_spec["resolution"]["properties"]["outcome"]["enum"] == [
        "resolved",
        "partial",
        "failed",
        "rollback",
        "acknowledged",
    ]
    status = schema["status"]["properties"]  # type: ignore[index]
    assert status["phase"]["enum"] == ["Detected", "Investigating", "Resolved", "Recurring"]
    assert status["recentOccurrences"]["maxItems"] == 20
    assert status["conditions"]["x-kubernetes-list-type"] == "map"


def test_upstream_incident_with_string_confidence_is_read():
    from dorgu.models.incidents import IncidentMemory

    upstream = {
        "apiVersion": "dorgu.io/v1",
        "kind": "IncidentMemory",
        "metadata": {"name": "im-abc", "namespace": "shop"},
        "spec": {
            "personaRef": {"kind": "ApplicationPersona", "name": "orders", "namespace": "shop"},
            "attribution": "persona",
            "category": "resource",
            "severity": "critical",
            "detection": {
                "signal": "OOMKilled",
                "source": "kubernetes",
                "firstSeen": "2026-01-05T10:00:00Z",
                "lastSeen": "2026-01-05T10:02:00Z",
                "affectedResources": [{"kind": "Pod", "name": "orders-1", "role": "pod"}],
            },
            "rootCause": {
                "summary": "memory limit too low",
                "provider": "rules",
                "confidence": "0.8",
                "contributing": [{"signal": "CrashLoopBackOff"}],
            },
            "resolution": {"action": "raised limit", "outcome": "resolved", "duration": "12m"},
        },
        "status": {
            "phase": "Resolved",
            "occurrenceCount": 2,
            "lastOccurrence": "2026-01-05T10:02:00Z",
        },
    }
    incident = IncidentMemory.model_validate(upstream)
    assert incident.spec.root_cause is not None and incident.spec.root_cause.confidence == 0.8
    assert incident.status is not None and incident.status.occurrence_count == 2
    assert incident.spec.fingerprint is None  # upstream objects have none; still valid
