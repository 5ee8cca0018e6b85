"""Persona rules: bounds, replica range (on the HPA when there is one), health probes,
security policy, dependencies and ports."""

from dorgu.models.evidence import Severity

from .builders import app, deployment, first, hits, hpa, pdb, persona, run, service

C0 = "spec.template.spec.containers[0]"


def test_without_a_persona_no_persona_rule_runs():
    assert not [f for f in run(app()) if (f.rule_id or "").startswith("persona.")]


def test_a_persona_selects_workloads_by_the_name_label_only():
    other = persona(scaling={"minReplicas": 5})
    other = type(other)(other.spec.model_copy(update={"name": "billing"}))
    assert hits(app(), "persona.replica-range", personas=(other,)) == []


def test_memory_limit_above_the_persona_bound_is_an_error_naming_the_bound():
    objects = app()
    first(objects[0])["resources"]["limits"]["memory"] = "2Gi"
    bounds = persona(resources={"bounds": {"memory": {"min": "64Mi", "max": "1Gi"}}})
    [finding] = hits(objects, "persona.resource-bounds", personas=(bounds,))
    assert finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.resources.limits.memory"
    assert "2Gi" in finding.message and "1Gi" in finding.message
    assert "resources.bounds.memory.max" in finding.message


def test_request_below_the_persona_minimum_is_reported():
    bounds = persona(resources={"bounds": {"cpu": {"min": "250m"}}})
    [finding] = hits(app(), "persona.resource-bounds", personas=(bounds,))
    assert finding.field == f"{C0}.resources.requests.cpu"
    assert "below" in finding.message


def test_without_bounds_the_persona_limits_are_the_ceiling():
    limits = persona(resources={"limits": {"cpu": "250m", "memory": "1Gi"}})
    [finding] = hits(app(), "persona.resource-bounds", personas=(limits,))
    assert finding.field == f"{C0}.resources.limits.cpu"
    assert "resources.limits.cpu" in finding.message
    within = persona(resources={"limits": {"cpu": "1", "memory": "1Gi"}})
    assert hits(app(), "persona.resource-bounds", personas=(within,)) == []


def test_replicas_outside_the_persona_range_are_a_warning():
    scaling = persona(scaling={"minReplicas": 4, "maxReplicas": 8})
    [finding] = hits(app(), "persona.replica-range", personas=(scaling,))
    assert finding.severity is Severity.WARNING
    assert finding.field == "spec.replicas"
    assert "4..8" in finding.message


def test_with_an_hpa_the_hpa_range_is_checked_not_spec_replicas():
    scaling = persona(scaling={"minReplicas": 2, "maxReplicas": 5})
    objects = [deployment(replicas=None), hpa(low=2, high=5), pdb(), service()]
    assert hits(objects, "persona.replica-range", personas=(scaling,)) == []
    objects = [deployment(replicas=None), hpa(low=1, high=10), pdb(), service()]
    found = hits(objects, "persona.replica-range", personas=(scaling,))
    assert {f.field for f in found} == {"spec.minReplicas", "spec.maxReplicas"}
    assert all(
        f.resource is not None and f.resource.kind == "HorizontalPodAutoscaler" for f in found
    )


def test_spec_replicas_momentarily_outside_the_range_is_fine_when_an_hpa_scales():
    scaling = persona(scaling={"minReplicas": 2, "maxReplicas": 5})
    objects = [deployment(replicas=9), hpa(low=2, high=5), pdb()]
    assert hits(objects, "persona.replica-range", personas=(scaling,)) == []


def test_probe_paths_must_match_the_persona_health_paths():
    health = persona(health={"livenessPath": "/healthz", "readinessPath": "/ready"})
    [finding] = hits(app(), "persona.health-probes", personas=(health,))
    assert finding.field == f"{C0}.readinessProbe"
    assert "/readyz" in finding.message and "/ready" in finding.message
    assert finding.suggestion == "set readinessProbe.httpGet.path to /ready"


def test_probe_port_must_match_the_persona_health_port_through_named_ports():
    good = persona(health={"livenessPath": "/healthz", "port": 8080})
    assert hits(app(), "persona.health-probes", personas=(good,)) == []
    bad = persona(health={"livenessPath": "/healthz", "port": 9000})
    [finding] = hits(app(), "persona.health-probes", personas=(bad,))
    assert "9000" in finding.message


def test_a_tcp_probe_cannot_satisfy_a_persona_path():
    objects = app()
    first(objects[0])["livenessProbe"] = {"tcpSocket": {"port": "http"}}
    health = persona(health={"livenessPath": "/healthz"})
    [finding] = hits(objects, "persona.health-probes", personas=(health,))
    assert "tcpSocket" in finding.message


def test_security_context_must_meet_the_persona_policy():
    objects = app()
    first(objects[0])["securityContext"]["readOnlyRootFilesystem"] = False
    policy = persona(policies={"security": {"runAsUser": 10001}})
    [finding] = hits(objects, "persona.security-context", personas=(policy,))
    assert finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.securityContext.readOnlyRootFilesystem"
    assert "policies.security.readOnlyRootFilesystem: true" in finding.message
    other_uid = persona(policies={"security": {"runAsUser": 2000}})
    fields = {f.field for f in hits(app(), "persona.security-context", personas=(other_uid,))}
    assert fields == {f"{C0}.securityContext.runAsUser"}


def test_a_persona_allowing_writable_root_accepts_it():
    objects = app()
    first(objects[0])["securityContext"]["readOnlyRootFilesystem"] = False
    policy = persona(policies={"security": {"readOnlyRootFilesystem": False}})
    assert hits(objects, "persona.security-context", personas=(policy,)) == []


def test_required_dependencies_without_a_service_are_info():
    deps = persona(
        dependencies=[
            {"name": "postgres", "type": "database"},
            {"name": "stripe", "external": True},
            {"name": "cache", "required": False},
        ]
    )
    [finding] = hits(app(), "persona.dependency-ready", personas=(deps,))
    assert finding.severity is Severity.INFO
    assert "postgres (database)" in finding.message
    objects = [*app(), service(name="shop-postgres")]
    assert hits(objects, "persona.dependency-ready", personas=(deps,)) == []


def test_persona_ports_must_be_declared_by_the_container():
    ports = persona(networking={"ports": [{"port": 8080}, {"port": 9090, "purpose": "metrics"}]})
    [finding] = hits(app(), "persona.ports", personas=(ports,))
    assert "9090" in finding.message
    assert finding.field == f"{C0}.ports"


def test_sidecars_are_not_held_to_the_app_bounds():
    objects = app()
    from .builders import container, pod

    sidecar = container(name="istio-proxy")
    sidecar["resources"]["limits"]["memory"] = "4Gi"
    pod(objects[0])["containers"].insert(0, sidecar)
    bounds = persona(resources={"bounds": {"memory": {"max": "1Gi"}}})
    assert hits(objects, "persona.resource-bounds", personas=(bounds,)) == []
