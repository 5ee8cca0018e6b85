"""Merging several compose files in -f order."""

from __future__ import annotations

from dorgu.analysis.compose import ComposeProject, parse_compose
from dorgu.models.app import VolumeKind

BASE = """
name: shop
services:
  web:
    image: shop/web:1
    command: ["gunicorn", "app"]
    ports:
      - "8000:8000"
    expose: ["9000"]
    dns: [1.1.1.1]
    environment:
      LEVEL: info
      REGION: eu
    labels:
      team: web
    volumes:
      - ./src:/app
      - cache:/cache
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/"]
      interval: 30s
    deploy:
      resources:
        limits:
          cpus: "1"
          memory: 1g
  db:
    image: postgres:15
volumes:
  cache:
"""

OVERRIDE = """
services:
  web:
    image: shop/web:dev
    command: ["flask", "run", "--debug"]
    ports:
      - "8000:8000"
      - "5678:5678"
    expose: ["9000", "9001"]
    dns: [1.1.1.1, 8.8.8.8]
    environment:
      - LEVEL=debug
    labels:
      - tier=frontend
    volumes:
      - ./src:/app:ro
    healthcheck:
      test: ["CMD", "true"]
    deploy:
      resources:
        limits:
          memory: 2g
  mailhog:
    image: mailhog/mailhog
volumes:
  cache:
    driver: local
"""


def _project() -> ComposeProject:
    return parse_compose([("compose.yml", BASE), ("compose.override.yml", OVERRIDE)])


def test_scalars_are_overridden_by_later_files() -> None:
    assert _project().service("web").image == "shop/web:dev"


def test_command_and_healthcheck_test_are_replaced_not_appended() -> None:
    web = _project().service("web")
    assert web.command == ("flask", "run", "--debug")
    assert web.healthcheck is not None
    assert web.healthcheck.test == ("true",)
    assert web.healthcheck.interval_seconds == 30.0


def test_ports_merge_by_unique_key_and_expose_dns_deduplicate() -> None:
    web = _project().service("web")
    assert [(p.published, p.target) for p in web.ports] == [(8000, 8000), (5678, 5678)]
    assert [p.target for p in web.expose] == [9000, 9001]
    assert _project().service("web").locations["dns"].file == "compose.yml"


def test_environment_and_labels_merge_by_key_across_list_and_mapping_forms() -> None:
    web = _project().service("web")
    assert {v.name: v.value for v in web.env} == {"LEVEL": "debug", "REGION": "eu"}
    assert dict(web.labels) == {"team": "web", "tier": "frontend"}


def test_volumes_merge_by_target() -> None:
    volumes = {v.target: v for v in _project().service("web").volumes}
    assert volumes["/app"].read_only is True
    assert volumes["/cache"].kind is VolumeKind.NAMED
    assert len(volumes) == 2


def test_deploy_resources_deep_merge() -> None:
    resources = _project().service("web").resources
    assert (resources.cpu_limit, resources.memory_limit) == ("1", "2Gi")


def test_new_services_and_top_level_definitions_are_added_and_merged() -> None:
    project = _project()
    assert [s.name for s in project.services] == ["web", "db", "mailhog"]
    assert project.name == "shop"
    (cache,) = project.volumes
    assert (cache.name, cache.driver) == ("cache", "local")


def test_service_location_stays_at_its_first_definition() -> None:
    web = _project().service("web")
    assert web.location is not None
    assert web.location.file == "compose.yml"
    env = {v.name: v for v in web.env}
    assert env["LEVEL"].location is not None
    assert env["LEVEL"].location.file == "compose.override.yml"


def test_override_paths_resolve_against_the_project_directory() -> None:
    base = "services:\n  web:\n    build: ./web\n"
    override = "services:\n  web:\n    env_file: ./web.env\n"
    project = parse_compose(
        [("app/compose.yml", base), ("app/overrides/dev.yml", override)],
        texts={"app/web.env": "A=1\n"},
    )
    web = project.service("web")
    assert web.build is not None
    assert web.build.context == "app/web"
    assert web.env_files == ("app/web.env",)
