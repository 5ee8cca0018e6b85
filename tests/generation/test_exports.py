"""Opt-in exports: Backstage catalog-info.yaml and Score score.yaml, from the persona."""

import yaml

from dorgu.generation.exports import (
    build_backstage_entity,
    build_score_workload,
    render_backstage_catalog,
    render_score,
)
from dorgu.generation.personas import build_persona
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    EnvVar,
    Port,
)
from dorgu.models.config import EffectiveSettings

SECRET = "hunter2-NEVER-SHOWN"
API = Component(
    name="orders",
    type=AppType.API,
    language="Java",
    framework="spring-boot",
    description="Takes orders.",
    ports=(Port(number=8080),),
    endpoints=(
        Endpoint(kind=EndpointKind.LIVENESS, path="/live"),
        Endpoint(kind=EndpointKind.READINESS, path="/ready"),
    ),
    env=(EnvVar(name="MODE", value=SECRET),),
    dependencies=(
        Dependency(name="db", type=DependencyType.DATABASE, kind="PostgreSQL"),
        Dependency(name="cache", type=DependencyType.CACHE, kind="redis"),
        Dependency(name="payments", type=DependencyType.SERVICE),
        Dependency(name="mail", type=DependencyType.EXTERNAL, kind="smtp"),
    ),
)


def _persona(component=API, **settings):
    data = {"app": {"name": "orders"}, **settings}
    model = AppModel(name="orders", root=".", components=[component])
    return build_persona(model, component, settings=EffectiveSettings.model_validate(data))


def test_backstage_component_finds_the_workloads():
    entity = build_backstage_entity(_persona(namespace="shop"))
    assert entity["apiVersion"] == "backstage.io/v1alpha1" and entity["kind"] == "Component"
    metadata = entity["metadata"]
    assert metadata["name"] == "orders"  # type: ignore[index]
    assert metadata["description"] == "Takes orders."  # type: ignore[index]
    annotations = metadata["annotations"]  # type: ignore[index]
    assert annotations["backstage.io/kubernetes-id"] == "orders"
    assert annotations["backstage.io/kubernetes-namespace"] == "shop"
    assert annotations["backstage.io/kubernetes-label-selector"] == (
        "app.kubernetes.io/instance=orders,app.kubernetes.io/name=orders"
    )
    assert metadata["tags"] == ["java", "spring-boot"]  # type: ignore[index]


def test_backstage_spec_type_owner_and_dependencies():
    spec = build_backstage_entity(_persona(app={"name": "orders", "team": "payments"}))["spec"]
    assert spec == {
        "type": "service",
        "lifecycle": "production",
        "owner": "payments",
        "dependsOn": ["resource:cache", "resource:db", "component:mail", "component:payments"],
    }


def test_backstage_website_unowned_and_lifecycle():
    web = API.model_copy(update={"type": AppType.WEB, "dependencies": ()})
    entity = build_backstage_entity(_persona(web), lifecycle="experimental")
    assert entity["spec"] == {"type": "website", "lifecycle": "experimental", "owner": "unknown"}


def test_backstage_source_location_from_a_github_repository():
    persona = _persona(app={"name": "orders", "repository": "https://github.com/acme/orders.git"})
    annotations = build_backstage_entity(persona)["metadata"]["annotations"]  # type: ignore[index]
    assert annotations["github.com/project-slug"] == "acme/orders"
    assert annotations["backstage.io/source-location"] == "url:https://github.com/acme/orders/"


def test_score_workload_has_container_service_and_resources():
    workload = build_score_workload(_persona())
    assert workload["apiVersion"] == "score.dev/v1b1"
    assert workload["metadata"] == {"name": "orders"}
    container = workload["containers"]["orders"]  # type: ignore[index]
    assert container["image"].startswith("orders:")
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "768Mi"}
    assert container["livenessProbe"] == {"httpGet": {"path": "/live", "port": 8080}}
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 8080}}
    assert workload["service"] == {
        "ports": {"http": {"port": 8080, "protocol": "TCP", "targetPort": 8080}}
    }
    assert workload["resources"] == {
        "cache": {"type": "redis"},
        "db": {"type": "postgres"},
        "mail": {"type": "smtp"},
        "payments": {"type": "service"},
    }


def test_score_route_only_with_a_known_host():
    assert "route" not in build_score_workload(_persona(ingress={"enabled": True}))["resources"]  # type: ignore[operator]
    with_host = _persona(ingress={"enabled": True, "host": "orders.example.com"})
    route = build_score_workload(with_host)["resources"]["route"]  # type: ignore[index]
    assert route == {
        "type": "route",
        "params": {"host": "orders.example.com", "path": "/", "port": 8080},
    }


def test_score_worker_without_ports_or_dependencies():
    worker = Component(name="jobs", type=AppType.WORKER)
    workload = build_score_workload(_persona(worker))
    assert set(workload) == {"apiVersion", "metadata", "containers"}


def test_rendered_exports_are_yaml_without_environment_values():
    persona = _persona()
    catalog, score = render_backstage_catalog(persona), render_score(persona)
    assert yaml.safe_load(catalog) == build_backstage_entity(persona)
    assert yaml.safe_load(score) == build_score_workload(persona)
    assert catalog.startswith("apiVersion: backstage.io/v1alpha1\nkind: Component\n")
    assert SECRET not in catalog + score
    assert render_score(persona) == score
