"""Compose services as application-model components with dependencies and evidence."""

from __future__ import annotations

from dorgu.analysis.compose import compose_components, parse_compose
from dorgu.models.app import Component, ComponentKind, DependencyType
from dorgu.models.evidence import Evidence

COMPOSE = """
services:
  web:
    build: ./web
    ports: ["8000:8000"]
    environment:
      DATABASE_URL: postgres://shop:${DB_PASSWORD}@db:5432/shop
      REDIS_HOST: cache
    depends_on: [db]
  worker:
    build: ./web
    command: celery -A shop worker
    environment:
      - CELERY_BROKER_URL=amqp://guest:guest@queue:5672//
    links: ["search:es"]
  db:
    image: postgres:16-alpine
  cache:
    image: redis:7
    ports: ["6379:6379"]
  queue:
    image: rabbitmq:3-management
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.13.0
  proxy:
    image: nginx:1.27
    expose: ["80"]
    depends_on: [web]
"""


def _components() -> tuple[dict[str, Component], list[Evidence]]:
    project = parse_compose([("compose.yml", COMPOSE)], texts={".env": "DB_PASSWORD=pw\n"})
    components, evidence = compose_components(project)
    return {c.name: c for c in components}, evidence


def test_kinds_follow_build_catalog_and_image() -> None:
    components, _ = _components()
    kinds = {name: c.kind for name, c in components.items()}
    assert kinds == {
        "web": ComponentKind.APP,
        "worker": ComponentKind.APP,
        "db": ComponentKind.BACKING,
        "cache": ComponentKind.BACKING,
        "queue": ComponentKind.BACKING,
        "search": ComponentKind.BACKING,
        "proxy": ComponentKind.IMAGE,
    }
    assert components["web"].path == "web"


def test_dependencies_from_depends_on_and_environment_hostnames() -> None:
    components, _ = _components()
    web = {d.name: d for d in components["web"].dependencies}
    assert (web["db"].type, web["db"].kind, web["db"].via) == (
        DependencyType.DATABASE,
        "postgres",
        "depends_on",
    )
    assert (web["cache"].type, web["cache"].kind, web["cache"].via) == (
        DependencyType.CACHE,
        "redis",
        "environment",
    )
    assert all(d.component == d.name for d in web.values())
    assert components["web"].depends_on == ("db",)


def test_dependencies_from_urls_and_links() -> None:
    components, _ = _components()
    worker = {d.name: (d.type, d.kind, d.via) for d in components["worker"].dependencies}
    assert worker == {
        "queue": (DependencyType.QUEUE, "rabbitmq", "environment"),
        "search": (DependencyType.DATABASE, "elasticsearch", "links"),
    }


def test_dependency_on_a_non_backing_service_is_a_service_dependency() -> None:
    components, _ = _components()
    (dependency,) = components["proxy"].dependencies
    assert (dependency.name, dependency.type, dependency.kind) == (
        "web",
        DependencyType.SERVICE,
        None,
    )


def test_ports_from_ports_expose_and_catalog_defaults() -> None:
    components, _ = _components()
    assert [(p.number, p.published) for p in components["web"].ports] == [(8000, 8000)]
    assert [p.number for p in components["proxy"].ports] == [80]
    assert [p.number for p in components["db"].ports] == [5432]
    assert [p.number for p in components["cache"].ports] == [6379]
    assert [p.number for p in components["worker"].ports] == []


def test_secret_env_values_do_not_reach_components_or_evidence() -> None:
    components, evidence = _components()
    env = {v.name: v for v in components["web"].env}
    assert env["DATABASE_URL"].secret
    assert env["DATABASE_URL"].value is None
    assert env["REDIS_HOST"].value == "cache"
    dump = repr(components) + repr(evidence)
    assert "shop:pw" not in dump
    assert "guest:guest" not in dump


def test_evidence_points_at_compose_lines() -> None:
    _, evidence = _components()
    by_field = {e.field: e for e in evidence}
    ports = by_field["components.web.ports"]
    assert (ports.rule, str(ports.location)) == ("compose.ports", "compose.yml:5")
    db_dep = by_field["components.web.dependencies.db"]
    assert (db_dep.rule, str(db_dep.location)) == ("compose.depends_on", "compose.yml:9")
    cache_dep = by_field["components.web.dependencies.cache"]
    assert (cache_dep.rule, str(cache_dep.location)) == (
        "compose.environment-reference",
        "compose.yml:8",
    )
    default_port = by_field["components.db.ports"]
    assert default_port.rule == "catalog.default-port"
    assert default_port.confidence < 1.0
    assert by_field["components.worker.command"].value == "celery -A shop worker"


def test_resources_replicas_and_security_reach_the_component() -> None:
    compose = """
services:
  api:
    build: .
    user: "0"
    read_only: true
    cap_drop: [ALL]
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 512M}
"""
    (api,), evidence = compose_components(parse_compose([("compose.yml", compose)]))
    assert api.replicas == 2
    assert (api.resources.cpu_limit, api.resources.memory_limit) == ("500m", "512Mi")
    assert (api.security.uid, api.security.runs_as_root, api.security.read_only) == (0, True, True)
    assert api.security.cap_drop == ("ALL",)
    fields = {e.field for e in evidence}
    assert {
        "components.api.resources",
        "components.api.replicas",
        "components.api.security",
    } <= fields


def test_inactive_services_are_not_components() -> None:
    compose = "services:\n  web: {image: x}\n  tools: {image: y, profiles: [tools]}\n"
    components, _ = compose_components(parse_compose([("compose.yml", compose)]))
    assert [c.name for c in components] == ["web"]


def test_container_name_counts_as_a_hostname() -> None:
    compose = """
services:
  app:
    build: .
    environment: {MONGO_URL: "mongodb://mongo-main:27017/app"}
  mongo:
    image: mongo:7
    container_name: mongo-main
"""
    (app, _mongo), _ = compose_components(parse_compose([("compose.yml", compose)]))
    (dependency,) = app.dependencies
    assert (dependency.name, dependency.kind) == ("mongo", "mongodb")
