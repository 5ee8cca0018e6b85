"""A realistic multi-file project end to end: base + override + extends + profiles + .env."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose import ComposeProject, compose_components, parse_compose
from dorgu.errors import ParseError
from dorgu.models.app import ComponentKind, DependencyType, Protocol, VolumeKind

BASE = """
name: ${PROJECT:-shop}
x-python: &python
  restart: unless-stopped
  env_file: [.env.app]
services:
  web:
    <<: *python
    extends:
      file: docker/common.yml
      service: python-app
    image: registry.example.com/shop/web:${TAG:?TAG must be set}
    ports:
      - target: 8000
        published: "${WEB_PORT:-8080}"
        protocol: tcp
        app_protocol: http
        name: http
    volumes:
      - type: volume
        source: media
        target: /srv/media
      - type: bind
        source: ./web/static
        target: /srv/static
        read_only: true
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
    deploy:
      replicas: ${WEB_REPLICAS:-2}
      resources:
        limits: {cpus: "1.5", memory: 768M}
        reservations: {cpus: "0.25", memory: 256M}
  worker:
    <<: *python
    extends:
      file: docker/common.yml
      service: python-app
    command: celery -A shop worker -l ${LOG_LEVEL:-info}
    environment:
      CELERY_BROKER_URL: amqp://${RABBIT_USER}:${RABBIT_PASS}@rabbitmq:5672/
    depends_on: [rabbitmq, db]
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: shop
      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}
    volumes: [pgdata:/var/lib/postgresql/data]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 10s
      retries: 5
  cache:
    image: redis:7-alpine
    command: ["redis-server", "--appendonly", "yes"]
  rabbitmq:
    image: rabbitmq:3.13-management
    expose: ["5672"]
  flower:
    image: mher/flower
    profiles: [monitoring]
    depends_on: [rabbitmq]
volumes:
  media:
  pgdata:
"""

COMMON = """
services:
  python-app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: runtime
    environment:
      DATABASE_URL: postgres://shop:${DB_PASSWORD}@db:5432/shop
      REDIS_URL: redis://cache:6379/0
      DJANGO_SETTINGS_MODULE: shop.settings
    user: "10001"
    read_only: true
"""

OVERRIDE = """
services:
  web:
    command: ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    environment:
      DEBUG: "1"
    ports:
      - "5678:5678"
  mailpit:
    image: axllent/mailpit
    ports: ["8025:8025"]
"""

DOTENV = """
# local development
TAG=dev
DB_PASSWORD='pa$$word'
RABBIT_USER=guest
RABBIT_PASS=guest
"""

TEXTS = {
    ".env": DOTENV,
    ".env.app": "SECRET_KEY=django-insecure-123\nALLOWED_HOSTS=*\n",
    "docker/common.yml": COMMON,
}


def _project(
    *, environment: dict[str, str] | None = None, profiles: tuple[str, ...] = ()
) -> ComposeProject:
    files = [("compose.yaml", BASE), ("compose.override.yaml", OVERRIDE)]
    return parse_compose(files, texts=TEXTS, environment=environment, profiles=profiles)


def test_project_services_and_name() -> None:
    project = _project()
    assert project.name == "shop"
    assert [s.name for s in project.services] == [
        "web",
        "worker",
        "db",
        "cache",
        "rabbitmq",
        "mailpit",
    ]
    assert project.inactive == ("flower",)
    assert [v.name for v in project.volumes] == ["media", "pgdata"]


def test_web_combines_anchor_extends_override_and_env() -> None:
    web = _project(environment={"TAG": "1.4.2"}).service("web")
    assert web.image == "registry.example.com/shop/web:1.4.2"
    assert web.build is not None
    assert (web.build.context, web.build.dockerfile, web.build.target) == (
        ".",
        "docker/Dockerfile",
        "runtime",
    )
    assert web.restart == "unless-stopped"
    assert web.command == ("python", "manage.py", "runserver", "0.0.0.0:8000")
    assert [(p.target, p.published, p.name, p.app_protocol) for p in web.ports] == [
        (8000, 8080, "http", "http"),
        (5678, 5678, None, None),
    ]
    env = {v.name: v for v in web.env}
    assert env["SECRET_KEY"].secret
    assert env["SECRET_KEY"].from_file == ".env.app"
    assert env["DATABASE_URL"].secret
    assert env["DATABASE_URL"].value is None
    assert env["DEBUG"].value == "1"
    assert (web.user, web.read_only, web.replicas) == ("10001", True, 2)
    assert (web.resources.cpu_limit, web.resources.memory_limit) == ("1500m", "768Mi")
    assert (web.resources.cpu_request, web.resources.memory_request) == ("250m", "256Mi")
    kinds = [(v.kind, v.source, v.read_only) for v in web.volumes]
    assert kinds == [(VolumeKind.NAMED, "media", False), (VolumeKind.BIND, "web/static", True)]


def test_worker_interpolates_from_dotenv_and_splits_command() -> None:
    worker = _project(environment={"LOG_LEVEL": "debug"}).service("worker")
    assert worker.command == ("celery", "-A", "shop", "worker", "-l", "debug")
    assert {r.service for r in worker.references} == {"db", "cache", "rabbitmq"}


def test_components_and_dependencies() -> None:
    components, evidence = compose_components(_project())
    by_name = {c.name: c for c in components}
    assert by_name["web"].kind is ComponentKind.APP
    assert by_name["mailpit"].kind is ComponentKind.BACKING
    assert {d.name: d.type for d in by_name["web"].dependencies} == {
        "db": DependencyType.DATABASE,
        "cache": DependencyType.CACHE,
    }
    assert {d.name: d.type for d in by_name["worker"].dependencies} == {
        "db": DependencyType.DATABASE,
        "cache": DependencyType.CACHE,
        "rabbitmq": DependencyType.QUEUE,
    }
    assert [(p.number, p.protocol) for p in by_name["rabbitmq"].ports] == [(5672, Protocol.TCP)]
    assert [p.number for p in by_name["cache"].ports] == [6379]
    assert all(e.location is not None for e in evidence)
    assert "pa$word" not in repr(components) + repr(evidence)


def test_monitoring_profile_activates_flower() -> None:
    project = _project(profiles=("monitoring",))
    assert "flower" in [s.name for s in project.services]


def test_required_variable_missing_from_dotenv_is_a_parse_error() -> None:
    texts = dict(TEXTS, **{".env": "TAG=dev\n"})
    files = [("compose.yaml", BASE)]
    with pytest.raises(ParseError) as caught:
        parse_compose(files, texts=texts)
    assert "set DB_PASSWORD in .env" in str(caught.value)
    assert (caught.value.file, caught.value.line) == ("compose.yaml", 48)
