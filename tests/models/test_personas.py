"""The persona models: wire names, defaults, reading old Go-dorgu objects, writing."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dorgu.models.cluster_personas import ClusterPersona, ClusterPersonaStatus
from dorgu.models.config import ResourceProfile
from dorgu.models.personas import ApplicationPersona, ApplicationPersonaSpec, dump_wire
from dorgu.models.personas_base import LabelSelector, SelectorRequirement, wire_name
from dorgu.models.personas_policies import ValidationMode, effective_mode
from dorgu.models.personas_spec import Bound, Health, PersonaPort, PersonaResources, Scaling
from dorgu.models.personas_status import ApplicationPersonaStatus, ValidationStatus

FIXTURES = Path(__file__).resolve().parents[1] / "crds" / "fixtures"


def _fixture(name: str) -> dict[str, object]:
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _spec(**extra: object) -> ApplicationPersonaSpec:
    return ApplicationPersonaSpec.model_validate({"name": "orders", "type": "api", **extra})


def test_wire_names_follow_the_go_spelling():
    assert wire_name("min_replicas") == "minReplicas"
    assert wire_name("target_cpu") == "targetCPU"
    assert wire_name("argo_cd") == "argoCD"
    assert wire_name("allowed_external_cidrs") == "allowedExternalCIDRs"
    assert wire_name("max_pvcs_per_namespace") == "maxPVCsPerNamespace"
    assert wire_name("oncall") == "oncall"
    assert wire_name("tls_enabled") == "tlsEnabled"


def test_spec_needs_name_and_type():
    with pytest.raises(ValidationError):
        ApplicationPersonaSpec.model_validate({"name": "orders"})
    with pytest.raises(ValidationError):
        ApplicationPersonaSpec.model_validate({"type": "api"})
    with pytest.raises(ValidationError):
        _spec(type="batch")


def test_compatible_defaults_apply_inside_present_sections():
    spec = _spec(
        scaling={},
        health={},
        dependencies=[{"name": "db"}],
        networking={"ports": [{"port": 80}]},
        policies={"security": {}, "deployment": {}, "maintenance": {}},
    )
    assert spec.tier.value == "standard"
    assert spec.scaling is not None and spec.scaling.behavior.value == "balanced"
    assert spec.health is not None and spec.health.startup_grace_period == "30s"
    assert spec.dependencies[0].required is True
    assert spec.networking is not None and spec.networking.ports[0].protocol == "TCP"
    policies = spec.policies
    assert policies is not None and policies.security is not None
    assert policies.security.run_as_non_root is True
    assert policies.security.read_only_root_filesystem is True
    assert policies.security.allow_privilege_escalation is False
    assert policies.deployment is not None
    assert policies.deployment.strategy.value == "RollingUpdate"
    assert policies.deployment.max_unavailable == "25%"
    assert policies.maintenance is not None and policies.maintenance.auto_restart is False


def test_left_out_sections_stay_unset():
    spec = _spec()
    assert spec.policies is None and spec.scaling is None and spec.health is None
    assert dump_wire(spec) == {"name": "orders", "type": "api", "tier": "standard"}


def test_python_and_wire_names_are_both_accepted():
    assert Scaling(min_replicas=1, target_cpu=50) == Scaling.model_validate(
        {"minReplicas": 1, "targetCPU": 50}
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"minReplicas": -1}, "minReplicas"),
        ({"maxReplicas": 0}, "maxReplicas"),
        ({"targetCPU": 101}, "targetCPU"),
        ({"targetMemory": 0}, "targetMemory"),
        ({"minReplicas": 5, "maxReplicas": 2}, "greater than maxReplicas"),
        ({"behavior": "wild"}, "behavior"),
    ],
)
def test_scaling_limits_are_enforced(data, message):
    with pytest.raises(ValidationError, match=message):
        Scaling.model_validate(data)


def test_old_cli_profiles_are_mapped_to_the_enum():
    assert PersonaResources.model_validate({"profile": "api"}).profile is ResourceProfile.STANDARD
    worker = PersonaResources.model_validate({"profile": "worker"})
    assert worker.profile is ResourceProfile.COMPUTE_HEAVY
    assert PersonaResources.model_validate({"profile": "web"}).profile is ResourceProfile.MINIMAL
    with pytest.raises(ValidationError):
        PersonaResources.model_validate({"profile": "huge"})


def test_empty_strings_and_nulls_mean_not_set():
    resources = PersonaResources.model_validate(
        {"requests": {"cpu": "", "memory": "128Mi"}, "limits": None}
    )
    assert resources.requests is not None and resources.requests.cpu is None
    assert resources.limits is None
    assert _spec(tier=None).tier.value == "standard"


def test_quantities_are_checked_and_numbers_become_text():
    resources = PersonaResources.model_validate({"requests": {"cpu": 0.5, "memory": "1Gi"}})
    assert resources.requests is not None and resources.requests.cpu == "0.5"
    with pytest.raises(ValidationError, match="quantity"):
        PersonaResources.model_validate({"limits": {"memory": "lots"}})


def test_bounds_need_min_not_above_max():
    assert Bound(min="100m", max="2").max == "2"
    with pytest.raises(ValidationError, match="greater than max"):
        Bound(min="2", max="500m")


def test_health_grace_period_reads_bare_seconds():
    assert Health.model_validate({"startupGracePeriod": 45}).startup_grace_period == "45s"


def test_ports_need_a_valid_number():
    with pytest.raises(ValidationError):
        PersonaPort(port=70000)


def test_rollout_counts_take_integers_or_percentages():
    spec = _spec(policies={"deployment": {"maxSurge": 1, "maxUnavailable": "0%"}})
    assert spec.policies is not None and spec.policies.deployment is not None
    assert spec.policies.deployment.max_surge == 1
    with pytest.raises(ValidationError):
        _spec(policies={"deployment": {"maxSurge": "a lot"}})


def test_target_selector_defaults_to_the_name_label():
    assert _spec().target_selector().match_labels == {"app.kubernetes.io/name": "orders"}
    chosen = _spec(selector={"matchLabels": {"tier": "backend"}})
    assert chosen.target_selector().match_labels == {"tier": "backend"}


def test_label_selector_matches_like_kubernetes():
    selector = LabelSelector(
        match_labels={"app": "orders"},
        match_expressions=[
            SelectorRequirement(key="env", operator="In", values=["prod", "staging"]),
            SelectorRequirement(key="canary", operator="DoesNotExist"),
            SelectorRequirement(key="zone", operator="NotIn", values=["a"]),
        ],
    )
    assert selector.matches({"app": "orders", "env": "prod"})
    assert not selector.matches({"app": "orders", "env": "dev"})
    assert not selector.matches({"app": "orders", "env": "prod", "canary": "1"})
    assert not selector.matches({"app": "orders", "env": "prod", "zone": "a"})
    assert LabelSelector().matches({})


def test_validation_mode_falls_back_to_namespace_then_audit():
    assert effective_mode(None) is ValidationMode.AUDIT
    assert effective_mode(None, ValidationMode.WARN) is ValidationMode.WARN
    assert effective_mode(ValidationMode.ENFORCE, ValidationMode.WARN) is ValidationMode.ENFORCE
    assert _spec().validation is None


def test_validation_passed_is_written_even_when_false():
    status = ApplicationPersonaStatus(validation=ValidationStatus(passed=False))
    assert dump_wire(status) == {"validation": {"passed": False}}


def test_timestamps_are_written_as_rfc3339_seconds_in_utc():
    when = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    status = ApplicationPersonaStatus(last_updated=when)
    assert dump_wire(status) == {"lastUpdated": "2025-01-02T03:04:05Z"}
    with pytest.raises(ValidationError):
        ApplicationPersonaStatus.model_validate({"lastUpdated": "2025-01-02T03:04:05"})


def test_old_go_persona_is_read_with_every_field():
    persona = ApplicationPersona.model_validate(_fixture("go-dorgu-persona.yaml"))
    spec, status = persona.spec, persona.status
    assert spec.name == "order-service" and spec.tier.value == "critical"
    assert spec.resources is not None and spec.resources.profile is ResourceProfile.STANDARD
    assert spec.resources.limits is not None and spec.resources.limits.cpu is None
    assert spec.policies is not None and spec.policies.security is not None
    assert spec.policies.security.run_as_user == 10001
    assert spec.ownership is not None and spec.ownership.oncall == "#payments-oncall"
    assert status is not None and status.validation is not None
    assert status.validation.passed is False  # omitted by Go when false
    assert len(status.validation.issues) == 2
    assert status.learned is not None
    assert [p.confidence for p in status.learned.patterns] == [0.8, 0.92]
    assert status.argo_cd is not None and status.argo_cd.sync_status is not None
    assert [c.type for c in status.conditions] == ["Ready", "Validated"]
    assert status.deployments is not None and status.deployments.history[0].triggered_by
    assert persona.metadata.uid == "4f6c1a2e-0d9b-4c43-9a7e-2b1f0c3d4e5f"


def test_old_go_persona_is_written_back_normalised():
    data = dump_wire(ApplicationPersona.model_validate(_fixture("go-dorgu-persona.yaml")))
    spec, status = data["spec"], data["status"]
    assert isinstance(spec, dict) and isinstance(status, dict)
    assert spec["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "512Mi"},
        "profile": "standard",
    }
    assert "imageRunsAsRoot" not in str(spec)
    assert status["learned"]["patterns"][0]["confidence"] == 0.8  # type: ignore[index]
    assert status["validation"]["passed"] is False  # type: ignore[index]


def test_persona_round_trips_through_the_wire_form():
    persona = ApplicationPersona.model_validate(_fixture("go-dorgu-persona.yaml"))
    assert ApplicationPersona.model_validate(dump_wire(persona)) == persona


def test_metadata_set_by_the_server_is_kept():
    data = _fixture("go-dorgu-persona.yaml")
    metadata = data["metadata"]
    assert isinstance(metadata, dict)
    metadata["finalizers"] = ["dorgu.io/cleanup"]
    written = dump_wire(ApplicationPersona.model_validate(data))["metadata"]
    assert isinstance(written, dict)
    assert written["finalizers"] == ["dorgu.io/cleanup"]
    assert written["resourceVersion"] == "48213"


def test_confidence_must_be_a_probability():
    base = {"learned": {"patterns": [{"type": "t", "description": "d", "confidence": "1.5"}]}}
    with pytest.raises(ValidationError):
        ApplicationPersonaStatus.model_validate(base)


def test_condition_needs_reason_and_transition_time():
    with pytest.raises(ValidationError):
        ApplicationPersonaStatus.model_validate(
            {"conditions": [{"type": "Ready", "status": "True"}]}
        )


def test_old_go_cluster_persona_is_read():
    persona = ClusterPersona.model_validate(_fixture("go-dorgu-cluster-persona.yaml"))
    assert persona.spec.environment.value == "production"
    policies = persona.spec.policies
    assert policies is not None and policies.networking is not None
    assert policies.networking.allowed_external_cidrs == ["10.0.0.0/8"]
    status = persona.status
    assert status is not None and status.nodes[0].ready is True
    assert status.resource_summary is not None and status.resource_summary.total_pods == 110
    assert status.node_count is None  # new field; the operator fills it
    assert ClusterPersona.model_validate(dump_wire(persona)) == persona


def test_cluster_persona_defaults_are_the_go_ones():
    persona = ClusterPersona.model_validate(
        {"metadata": {"name": "c"}, "spec": {"name": "c", "policies": {"security": {}}}}
    )
    assert persona.spec.environment.value == "development"
    security = persona.spec.policies.security  # type: ignore[union-attr]
    assert security is not None
    assert security.enforce_non_root and security.disallow_privileged
    assert not security.enforce_read_only_root
    assert security.pod_security_standard.value == "baseline"
    assert persona.api_version == "dorgu.io/v1" and persona.kind == "ClusterPersona"


def test_cluster_status_counts_nodes_and_personas_per_namespace():
    status = ClusterPersonaStatus.model_validate(
        {"nodeCount": 3, "namespaces": {"total": 4, "personaCounts": {"shop": 2}}}
    )
    assert dump_wire(status) == {
        "nodeCount": 3,
        "namespaces": {"total": 4, "personaCounts": {"shop": 2}},
    }
