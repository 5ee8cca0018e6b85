"""The generated ApplicationPersona: consistent with the manifests beside it, compatible with
the CRD schema, deterministic."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorgu.crds import application_persona_crd, apply_defaults, crd_schema, validate_instance
from dorgu.generation.personas import build_persona, build_persona_resources
from dorgu.generation.planning import plan_app
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    Port,
    Protocol,
    ResourceHints,
    Route,
    RouteParam,
    SecurityHints,
)
from dorgu.models.personas import ApplicationPersona, dump_wire
from dorgu.models.personas_api import MAX_ROUTES

from .builders import container, find, generate, request
from .builders import settings as make_settings

SCHEMA = crd_schema(application_persona_crd())

SPRING = Component(
    name="orders",
    type=AppType.API,
    language="java",
    language_version="17",
    framework="spring-boot",
    build_tool="maven",
    ports=(Port(number=8080), Port(number=9090, purpose="metrics")),
    endpoints=(
        Endpoint(kind=EndpointKind.LIVENESS, path="/actuator/health/liveness"),
        Endpoint(kind=EndpointKind.READINESS, path="/actuator/health/readiness"),
        Endpoint(kind=EndpointKind.METRICS, path="/actuator/prometheus", port=9090),
    ),
    routes=(
        Route(method="GET", path="/orders/{id}", params=(RouteParam(name="id"),)),
        Route(method="POST", path="/orders", summary="Create an order", operation_id="create"),
    ),
    dependencies=(
        Dependency(name="postgres", type=DependencyType.DATABASE, kind="postgres"),
        Dependency(name="payments", type=DependencyType.SERVICE, required=False, external=True),
    ),
    security=SecurityHints(user="app", uid=1000, runs_as_root=False),
)


def _persona(*components, config=None, **kwargs):
    req = request(*components, config=config, **kwargs)
    app = plan_app(req)
    resources = []
    for plan in app.components:
        made, _ = build_persona_resources(plan, app)
        resources.extend(made)
    return resources, req


def _spec(component=SPRING, **kwargs):
    resources, _ = _persona(component, **kwargs)
    (resource,) = resources
    return ApplicationPersona.model_validate(resource.manifest).spec


def test_persona_is_an_application_persona_resource():
    resources, _ = _persona(SPRING, config=make_settings(namespace="shop"))
    (resource,) = resources
    manifest = resource.manifest
    assert manifest["apiVersion"] == "dorgu.io/v1"
    assert manifest["kind"] == "ApplicationPersona"
    assert manifest["metadata"]["name"] == "shop"  # type: ignore[index]
    assert manifest["metadata"]["namespace"] == "shop"  # type: ignore[index]
    assert resource.component == "orders"
    assert "status" not in manifest


def test_identity_and_technical_profile():
    spec = _spec()
    assert (spec.name, spec.type, spec.tier.value) == ("shop", AppType.API, "standard")
    assert spec.technical is not None
    assert (spec.technical.language, spec.technical.framework) == ("java", "spring-boot")
    assert spec.technical.language_version == "17" and spec.technical.build_tool == "maven"
    assert spec.version and spec.technical.image and spec.technical.image.endswith(spec.version)


def test_selector_and_labels_match_the_workload():
    result = generate(SPRING)
    deployment = find(result, "Deployment")
    spec = _spec()
    assert spec.selector is not None
    assert spec.selector.match_labels == deployment["spec"]["selector"]["matchLabels"]  # type: ignore[index]
    labels = deployment["spec"]["template"]["metadata"]["labels"]  # type: ignore[index]
    assert spec.target_selector().matches(labels)


def test_resources_match_the_container():
    spec = _spec()
    limits = container(find(generate(SPRING), "Deployment"))["resources"]
    assert spec.resources is not None and spec.resources.profile is not None
    assert spec.resources.profile.value == "memory-heavy"  # JVM
    assert dump_wire(spec.resources)["requests"] == limits["requests"]  # type: ignore[index]
    assert dump_wire(spec.resources)["limits"] == limits["limits"]  # type: ignore[index]
    assert spec.resources.bounds is None


def test_scaling_matches_the_autoscaler():
    config = make_settings(scaling={"min_replicas": 3, "max_replicas": 9, "behavior": "aggressive"})
    spec = _spec(config=config)
    hpa = find(generate(SPRING, config=config), "HorizontalPodAutoscaler")["spec"]
    assert spec.scaling is not None
    assert spec.scaling.min_replicas == hpa["minReplicas"]  # type: ignore[index]
    assert spec.scaling.max_replicas == hpa["maxReplicas"]  # type: ignore[index]
    assert spec.scaling.target_cpu == 70
    assert spec.scaling.behavior.value == "aggressive"


def test_targets_above_the_compatible_range_are_left_out():
    spec = _spec(config=make_settings(scaling={"target_cpu": 150, "target_memory": 80}))
    assert spec.scaling is not None
    assert spec.scaling.target_cpu is None and spec.scaling.target_memory == 80


def test_health_matches_the_probes():
    spec = _spec()
    probes = container(find(generate(SPRING), "Deployment"))
    assert spec.health is not None
    assert spec.health.liveness_path == probes["livenessProbe"]["httpGet"]["path"]  # type: ignore[index]
    assert spec.health.readiness_path == "/actuator/health/readiness"
    assert spec.health.port == 8080
    startup = probes["startupProbe"]
    grace = startup["failureThreshold"] * startup["periodSeconds"]  # type: ignore[index]
    assert spec.health.startup_grace_period == f"{grace}s"


def test_no_health_section_without_ports_or_checks():
    worker = Component(name="jobs", type=AppType.WORKER, language="python")
    assert _spec(worker).health is None


def test_dependencies_carry_type_kind_and_externality():
    deps = {d.name: d for d in _spec().dependencies}
    assert deps["postgres"].type is DependencyType.DATABASE and deps["postgres"].kind == "postgres"
    assert deps["postgres"].required and deps["postgres"].external is None
    assert deps["payments"].external is True and deps["payments"].required is False


def test_ports_are_named_like_the_container_ports():
    spec = _spec()
    assert spec.networking is not None
    names = [(p.port, p.purpose) for p in spec.networking.ports]
    assert names == [(8080, "http"), (9090, "metrics")]
    ports = container(find(generate(SPRING), "Deployment"))["ports"]
    assert [p.name for p in spec.networking.ports] == [p["name"] for p in ports]  # type: ignore[index]
    assert spec.networking.ingress is None


def test_ingress_follows_the_settings():
    config = make_settings(
        ingress={"enabled": True, "host": "orders.example.com", "tls": True, "class_name": "nginx"}
    )
    spec = _spec(config=config)
    assert spec.networking is not None and spec.networking.ingress is not None
    ingress = spec.networking.ingress
    assert (ingress.host, ingress.paths, ingress.tls_enabled) == ("orders.example.com", ["/"], True)
    assert ingress.class_name == "nginx"
    rule = find(generate(SPRING, config=config), "Ingress")["spec"]["rules"][0]  # type: ignore[index]
    assert rule["host"] == ingress.host


def test_ownership_from_settings():
    config = make_settings(
        app={"team": "payments", "owner": "jane@example.com", "repository": "https://x/y"}
    )
    ownership = _spec(config=config).ownership
    assert ownership is not None
    assert (ownership.team, ownership.owner, ownership.repository) == (
        "payments",
        "jane@example.com",
        "https://x/y",
    )
    assert _spec().ownership is None


def test_security_policy_matches_the_hardening():
    config = make_settings(security={"read_only_root_filesystem": False})
    spec = _spec(config=config)
    pod = find(generate(SPRING, config=config), "Deployment")["spec"]["template"]["spec"]  # type: ignore[index]
    assert spec.policies is not None and spec.policies.security is not None
    security = spec.policies.security
    assert security.run_as_non_root is True and security.read_only_root_filesystem is False
    assert security.allow_privilege_escalation is False
    assert security.run_as_user == pod["securityContext"]["runAsUser"] == 1000
    assert spec.policies.deployment is not None


def test_api_surface_from_routes_sorted():
    spec = _spec()
    assert spec.api is not None
    routes = [(r.method, r.path) for r in spec.api.routes]
    assert routes == [("POST", "/orders"), ("GET", "/orders/{id}")]
    create = spec.api.routes[0]
    assert (create.summary, create.operation_id) == ("Create an order", "create")
    assert spec.api.routes[1].params[0].location.value == "path"


def test_api_surface_is_capped():
    routes = tuple(Route(method="GET", path=f"/r/{i:05d}") for i in range(MAX_ROUTES + 5))
    spec = _spec(SPRING.model_copy(update={"routes": routes}))
    assert spec.api is not None and spec.api.truncated is True
    assert len(spec.api.routes) == MAX_ROUTES


def test_validation_mode_and_tier_are_left_to_defaults():
    spec = _spec()
    assert spec.validation is None and spec.tier.value == "standard"


def test_image_only_services_get_no_persona():
    postgres = Component(
        name="postgres", kind=ComponentKind.BACKING, image="postgres:16", ports=(Port(number=5432),)
    )
    resources, _ = _persona(SPRING, postgres, backing={"postgres": "postgres"})
    assert [r.component for r in resources] == ["orders"]
    assert resources[0].manifest["spec"]["partOf"] == "shop"  # type: ignore[index]


def test_unknown_type_is_guessed_with_a_diagnostic():
    plain = Component(name="thing", ports=(Port(number=8000),))
    req = request(plain)
    app = plan_app(req)
    made, diagnostics = build_persona_resources(app.components[0], app)
    assert made[0].manifest["spec"]["type"] == "api"  # type: ignore[index]
    assert [d.code for d in diagnostics] == ["generate.persona-type-guessed"]
    quiet = Component(name="thing")
    assert _spec(quiet).type is AppType.WORKER


def test_build_persona_from_the_model_alone():
    model = AppModel(name="shop", root=".", components=[SPRING])
    persona = build_persona(model, SPRING, settings=make_settings(), namespace="prod")
    assert persona.metadata.namespace == "prod"
    assert persona.spec == _spec()


def test_build_persona_names_components_of_a_multi_component_app():
    worker = Component(name="worker", type=AppType.WORKER, language="go")
    model = AppModel(name="shop", root=".", components=[SPRING, worker])
    persona = build_persona(model, worker, settings=make_settings())
    assert persona.spec.name == "shop-worker" and persona.spec.part_of == "shop"
    chosen = build_persona(model, worker, settings=make_settings(), name="jobs")
    assert chosen.spec.name == "jobs"


def test_persona_is_deterministic():
    assert _persona(SPRING)[0] == _persona(SPRING)[0]


def test_generated_persona_validates_against_the_crd_strictly():
    (resource,), _ = _persona(SPRING, config=make_settings(app={"team": "t"}))
    assert validate_instance(resource.manifest, SCHEMA, strict=True) == []  # type: ignore[arg-type]


names = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
quantities = st.sampled_from([None, "100m", "1", "64Mi", "1Gi", "1536Mi"])
components = st.builds(
    Component,
    name=names,
    type=st.one_of(st.none(), st.sampled_from([AppType.API, AppType.WEB, AppType.WORKER])),
    language=st.one_of(st.none(), st.sampled_from(["java", "go", "python", "rust", "node"])),
    language_version=st.one_of(st.none(), st.sampled_from(["17", "3.12", "1.22"])),
    framework=st.one_of(st.none(), st.text(min_size=1, max_size=12)),
    description=st.one_of(st.none(), st.text(max_size=40)),
    ports=st.lists(
        st.builds(Port, number=st.integers(1, 65535), protocol=st.sampled_from(list(Protocol))),
        max_size=3,
    ).map(tuple),
    endpoints=st.lists(
        st.builds(
            Endpoint,
            kind=st.sampled_from(list(EndpointKind)),
            path=st.from_regex(r"/[a-z/]{0,12}", fullmatch=True),
            port=st.one_of(st.none(), st.integers(1, 65535)),
        ),
        max_size=3,
    ).map(tuple),
    routes=st.lists(
        st.builds(
            Route,
            method=st.sampled_from(["GET", "POST", "ANY", "delete"]),
            path=st.text(max_size=20),
            params=st.lists(
                st.builds(
                    RouteParam,
                    name=st.text(min_size=1, max_size=8),
                    location=st.sampled_from(["path", "query", "header", "matrix"]),
                    required=st.booleans(),
                ),
                max_size=2,
            ).map(tuple),
            summary=st.one_of(st.none(), st.text(max_size=20)),
        ),
        max_size=4,
    ).map(tuple),
    dependencies=st.lists(
        st.builds(
            Dependency,
            name=st.text(min_size=1, max_size=10),
            type=st.sampled_from(list(DependencyType)),
            required=st.booleans(),
            external=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    security=st.builds(
        SecurityHints,
        uid=st.one_of(st.none(), st.integers(0, 70000)),
        runs_as_root=st.one_of(st.none(), st.booleans()),
    ),
    resources=st.builds(
        ResourceHints,
        cpu_request=quantities,
        memory_request=quantities,
        cpu_limit=quantities,
        memory_limit=quantities,
    ),
    replicas=st.one_of(st.none(), st.integers(0, 5)),
)
scalings = st.fixed_dictionaries(
    {},
    optional={
        "min_replicas": st.integers(0, 4),
        "target_cpu": st.integers(1, 300),
        "target_memory": st.integers(1, 300),
        "behavior": st.sampled_from(["conservative", "balanced", "aggressive"]),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(component=components, scaling=scalings, ingress=st.booleans(), team=st.booleans())
def test_any_generated_persona_validates_against_its_own_crd(component, scaling, ingress, team):
    config = make_settings(
        scaling=scaling,
        ingress={"enabled": ingress, "host": "app.example.com"},
        app={"team": "payments"} if team else {},
    )
    model = AppModel(name="shop", root=".", components=[component])
    persona = build_persona(model, component, settings=config, namespace="ns")
    wire = dump_wire(persona)
    assert validate_instance(wire, SCHEMA, strict=True) == []  # type: ignore[arg-type]
    assert ApplicationPersona.model_validate(wire) == persona
    assert apply_defaults(wire, SCHEMA) == wire  # every default is already written
