"""Merge rules for LLM suggestions: user wins, confident rules win, no invented paths,
every change recorded as LLM evidence."""

from dorgu.analysis.enriching import (
    MAX_LLM_CONFIDENCE,
    ComponentEnhancement,
    DependencyRole,
    LlmEnhancement,
    ProbeGuess,
    ProfileGuess,
    TextGuess,
    TypeGuess,
    merge_enhancement,
)
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    HealthCheck,
    Port,
    Route,
)
from dorgu.models.evidence import Evidence, Source


def tip(**fields):
    base = {
        "name": "api", "type": None, "description": None, "dependencies": [], "probes": [],
        "resource_profile": None, "api_summary": None, "risks": [],
    }  # fmt: skip
    return LlmEnhancement(summary=None, components=[ComponentEnhancement(**{**base, **fields})])


def model(*, type_evidence=None, endpoints=(), deps=(), type_=AppType.WORKER):
    component = Component(
        name="api",
        type=type_,
        ports=(Port(number=8000),),
        routes=(
            Route(method="GET", path="/orders"),
            Route(method="GET", path="/healthz"),
            Route(method="POST", path="/jobs"),
        ),
        endpoints=tuple(endpoints),
        dependencies=tuple(deps),
        healthcheck=HealthCheck(http_path="/ping", http_port=8000),
    )
    evidence = [type_evidence] if type_evidence else []
    return AppModel(name="shop", root=".", components=[component], evidence=evidence)


def weak_type():
    return Evidence(
        field="components.api.type", value="worker", rule="analysis.type", confidence=0.6
    )


def guess(value, confidence=0.9, reason="because"):
    return TypeGuess(value=value, confidence=confidence, reason=reason)


def test_weak_rule_type_is_replaced_and_recorded_as_llm_evidence():
    result = merge_enhancement(
        model(type_evidence=weak_type()), tip(type=guess(AppType.API, 0.95, "serves REST routes"))
    )
    assert result.model.components[0].type is AppType.API
    (change,) = result.changes
    assert (change.field, change.old, change.old_source, change.new) == (
        "components.api.type",
        "worker",
        "rule",
        "api",
    )
    assert change.confidence == MAX_LLM_CONFIDENCE  # capped below the rule threshold
    assert change.reason == "serves REST routes"
    llm = [e for e in result.model.evidence if e.source is Source.LLM]
    assert llm[0].field == "components.api.type" and llm[0].detail == "serves REST routes"


def test_confident_rule_type_is_kept():
    strong = Evidence(
        field="components.api.type", value="worker", rule="node.worker", confidence=0.8
    )
    result = merge_enhancement(model(type_evidence=strong), tip(type=guess(AppType.API)))
    assert result.model.components[0].type is AppType.WORKER
    assert result.changes == []
    assert "node.worker is confident" in result.notes[0].message


def test_user_stated_type_always_wins():
    user = Evidence(
        field="components.api.type",
        value="worker",
        rule="config.app.type",
        source=Source.USER,
        confidence=1.0,
    )
    result = merge_enhancement(model(type_evidence=user), tip(type=guess(AppType.API, 1.0)))
    assert result.model.components[0].type is AppType.WORKER
    assert "stated by the user" in result.notes[0].message


def test_value_without_evidence_is_protected_but_a_missing_one_is_filled():
    assert (
        merge_enhancement(model(), tip(type=guess(AppType.API))).model.components[0].type
        is AppType.WORKER
    )
    filled = merge_enhancement(model(type_=None), tip(type=guess(AppType.API)))
    assert filled.model.components[0].type is AppType.API
    assert filled.changes[0].old is None


def test_probe_on_a_known_route_is_accepted():
    probe = ProbeGuess(
        kind="readiness", path="/healthz", port=8000, confidence=0.8, reason="health route"
    )
    result = merge_enhancement(model(), tip(probes=[probe]))
    endpoints = result.model.components[0].endpoints
    assert [(e.kind, e.path, e.port) for e in endpoints] == [
        (EndpointKind.READINESS, "/healthz", 8000)
    ]
    assert result.changes[0].field == "components.api.endpoints.readiness"


def test_healthcheck_path_counts_as_served():
    probe = ProbeGuess(
        kind="liveness", path="/ping", port=None, confidence=0.8, reason="healthcheck"
    )
    assert (
        merge_enhancement(model(), tip(probes=[probe])).model.components[0].endpoints[0].path
        == "/ping"
    )


def test_made_up_probe_paths_and_ports_and_post_routes_are_dropped():
    probes = [
        ProbeGuess(kind="liveness", path="/health/live", port=None, confidence=1, reason="usual"),
        ProbeGuess(kind="readiness", path="/healthz", port=9999, confidence=1, reason="x"),
        ProbeGuess(kind="startup", path="/jobs", port=None, confidence=1, reason="x"),
    ]
    result = merge_enhancement(model(), tip(probes=probes))
    assert result.model.components[0].endpoints == ()
    assert result.changes == []
    messages = " ".join(n.message for n in result.notes)
    assert "/health/live" in messages and "9999" in messages and "/jobs" in messages


def test_confident_rule_endpoint_is_not_replaced():
    existing = Endpoint(kind=EndpointKind.READINESS, path="/orders")
    strong = Evidence(
        field="components.api.endpoints.readiness",
        value="/orders",
        rule="python.route",
        confidence=0.85,
    )
    m = model(endpoints=[existing])
    m = m.model_copy(update={"evidence": [strong]})
    probe = ProbeGuess(kind="readiness", path="/healthz", port=None, confidence=1, reason="x")
    result = merge_enhancement(m, tip(probes=[probe]))
    assert result.model.components[0].endpoints == (existing,)


def test_dependency_roles_annotate_known_dependencies_only():
    dep = Dependency(name="cache", type=DependencyType.SERVICE, kind="redis")
    roles = [
        DependencyRole(
            name="redis", type=DependencyType.CACHE, role="session cache", confidence=0.8
        ),
        DependencyRole(
            name="stripe", type=DependencyType.EXTERNAL, role="payments", confidence=0.9
        ),
    ]
    weak = Evidence(
        field="components.api.dependencies.cache",
        value="service",
        rule="compose.guess",
        confidence=0.5,
    )
    m = model(deps=[dep]).model_copy(update={"evidence": [weak]})
    result = merge_enhancement(m, tip(dependencies=roles))
    (merged,) = result.model.components[0].dependencies
    assert merged.type is DependencyType.CACHE
    assert "stripe" in " ".join(n.message for n in result.notes)


def test_descriptions_profile_summary_and_risks():
    text = TextGuess(value="Order API for the shop.", confidence=0.6, reason="README")
    result = merge_enhancement(
        model(),
        tip(
            description=text,
            resource_profile=ProfileGuess(value="memory-heavy", confidence=0.5, reason="caches"),
            api_summary=TextGuess(value="CRUD over orders", confidence=0.6, reason="routes"),
            risks=["no readiness endpoint"],
        ),
    )
    component = result.model.components[0]
    assert component.description == "Order API for the shop."
    fields = {c.field for c in result.changes}
    assert {
        "components.api.description",
        "components.api.resources.profile",
        "components.api.api_summary",
    } <= fields
    assert any(d.code == "llm.risk" for d in result.model.diagnostics)


def test_user_description_is_kept_and_unknown_components_ignored():
    m = model()
    m = m.model_copy(
        update={"components": [m.components[0].model_copy(update={"description": "mine"})]}
    )
    enhancement = tip(description=TextGuess(value="theirs", confidence=1, reason="x"))
    enhancement = enhancement.model_copy(
        update={
            "components": [
                *enhancement.components,
                ComponentEnhancement(
                    name="ghost",
                    type=None,
                    description=None,
                    dependencies=[],
                    probes=[],
                    resource_profile=None,
                    api_summary=None,
                    risks=[],
                ),
            ]
        }
    )
    result = merge_enhancement(m, enhancement)
    assert result.model.components[0].description == "mine"
    assert [c.name for c in result.model.components] == ["api"]
    assert "ghost" in " ".join(n.message for n in result.notes)


def test_merge_does_not_mutate_its_input():
    m = model(type_evidence=weak_type())
    before = m.model_dump_json()
    merge_enhancement(m, tip(type=guess(AppType.API)))
    assert m.model_dump_json() == before
