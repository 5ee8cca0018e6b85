"""Web servers and proxies run from stock images, and services built on stock databases."""

from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    Port,
    SecurityHints,
)

from .builders import dig, find, generate, kinds, settings

GATEWAY = Component(
    name="gateway",
    kind=ComponentKind.IMAGE,
    image="nginx:1.27",
    framework="nginx",
    type=AppType.WEB,
    ports=(Port(number=8080, published=80),),
    dependencies=(
        Dependency(
            name="api", type=DependencyType.SERVICE, component="api", via="proxy", port=8000
        ),
    ),
)
API = Component(name="api", type=AppType.API, ports=(Port(number=8000),))


def test_an_image_only_proxy_with_a_published_port_is_the_public_entry():
    config = settings(ingress={"enabled": True, "host": "shop.example.com"})
    result = generate(GATEWAY, API, config=config)
    ingresses = [r for r in result.resources if r.kind == "Ingress"]
    assert [r.component for r in ingresses] == ["gateway"]
    service = find(result, "Service", "gateway")
    assert dig(service, "spec", "ports", 0, "name") == "http"
    assert dig(service, "spec", "ports", 0, "port") == 8080
    assert "HorizontalPodAutoscaler" not in [
        r.kind for r in result.resources if r.component == "gateway"
    ]


def test_an_image_only_service_without_a_type_is_never_public():
    plain = GATEWAY.model_copy(update={"type": None, "framework": None})
    config = settings(ingress={"enabled": True, "host": "shop.example.com"})
    assert "Ingress" not in kinds(generate(plain, API, config=config))


def test_a_database_built_on_a_stock_image_is_not_scaled_like_an_app():
    db = Component(
        name="db",
        base_image="mysql:8.4",
        framework="mysql",
        ports=(Port(number=3306),),
        security=SecurityHints(uid=999, gid=999, runs_as_root=False),
    )
    result = generate(db, API, backing={"db": "mysql"})
    assert not [
        r for r in result.resources if r.kind == "HorizontalPodAutoscaler" and r.component == "db"
    ]
    deployment = find(result, "Deployment", "shop-db")
    assert dig(deployment, "spec", "replicas") == 1
    assert dig(deployment, "spec", "template", "spec", "securityContext", "runAsUser") == 999


def test_the_persona_names_a_product_dependency_with_its_health_endpoint_never_a_command():
    from dorgu.generation.personas import build_persona
    from dorgu.models.app import AppModel, Endpoint, EndpointKind, HealthCheck

    zipkin = Component(
        name="tracing",
        kind=ComponentKind.BACKING,
        image="openzipkin/zipkin:3",
        framework="zipkin",
        ports=(Port(number=9411),),
        endpoints=(Endpoint(kind=EndpointKind.HEALTH, path="/health", port=9411),),
    )
    db = Component(
        name="db",
        kind=ComponentKind.BACKING,
        image="mysql:8",
        ports=(Port(number=3306),),
        healthcheck=HealthCheck(test=("mysqladmin", "ping", "-psecret-value")),
    )
    app = API.model_copy(
        update={
            "dependencies": (
                Dependency(
                    name="tracing", type=DependencyType.EXTERNAL, kind="zipkin", component="tracing"
                ),
                Dependency(name="db", type=DependencyType.DATABASE, kind="mysql", component="db"),
            )
        }
    )
    model = AppModel(name="shop", root=".", components=[app, zipkin, db])
    persona = build_persona(model, app, settings=settings())
    checks = {d.name: (d.kind, d.health_check) for d in persona.spec.dependencies}
    assert checks == {"tracing": ("zipkin", "GET /health on port 9411"), "db": ("mysql", None)}
