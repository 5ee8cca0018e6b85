"""Per-service keys: build, environment, env_file, volumes, healthcheck, deploy, commands, ..."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose import ComposeProject, ServiceRef, parse_compose
from dorgu.errors import ParseError, UnsafePathError
from dorgu.models.app import Build, Volume, VolumeKind


def _parse(text: str, **kwargs: object) -> ComposeProject:
    return parse_compose([("compose.yml", text)], **kwargs)  # type: ignore[arg-type]


def test_build_as_string_is_a_root_relative_context() -> None:
    project = _parse("services:\n  web:\n    build: ./services/web\n")
    assert project.service("web").build == Build(context="services/web")


def test_build_mapping_with_dockerfile_args_and_target() -> None:
    compose = """
services:
  web:
    build:
      context: web
      dockerfile: docker/Dockerfile
      target: prod
      args:
        PYTHON: "3.12"
        FROM_ENV:
"""
    build = _parse(compose, environment={"FROM_ENV": "x"}).service("web").build
    assert build == Build(
        context="web",
        dockerfile="web/docker/Dockerfile",
        target="prod",
        args=(("PYTHON", "3.12"), ("FROM_ENV", "x")),
    )


def test_build_args_list_and_secret_args_are_dropped() -> None:
    compose = """
services:
  web:
    build:
      context: .
      args: ["VERSION=1", "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789"]
"""
    project = _parse(compose)
    assert project.service("web").build == Build(context=".", args=(("VERSION", "1"),))
    assert any(d.code == "compose.secret-build-arg" for d in project.diagnostics)


def test_build_context_outside_root_is_refused() -> None:
    with pytest.raises(UnsafePathError, match=r"compose.yml:3"):
        _parse("services:\n  web:\n    build: ../elsewhere\n")


def test_build_context_in_subdirectory_compose_file_resolves_against_it() -> None:
    project = parse_compose([("deploy/compose.yml", "services:\n  web:\n    build: ../app\n")])
    assert project.service("web").build == Build(context="app")


def test_environment_list_and_mapping_forms() -> None:
    compose = """
services:
  a:
    image: x
    environment: ["ONE=1", "EMPTY=", "FROM_SHELL", "MISSING"]
  b:
    image: x
    environment:
      NUM: 5
      FLAG: true
      NULL_VALUE:
"""
    project = _parse(compose, environment={"FROM_SHELL": "shell"})
    a = {v.name: v.value for v in project.service("a").env}
    assert a == {"ONE": "1", "EMPTY": "", "FROM_SHELL": "shell", "MISSING": None}
    b = {v.name: v.value for v in project.service("b").env}
    assert b == {"NUM": "5", "FLAG": "true", "NULL_VALUE": None}


def test_secret_looking_values_are_never_stored() -> None:
    compose = """
services:
  web:
    image: x
    environment:
      DATABASE_URL: postgres://u:hunter2@db:5432/app
      STRIPE_SECRET_KEY: sk_live_123
      PLAIN: hello
"""
    env = {v.name: v for v in _parse(compose).service("web").env}
    assert env["DATABASE_URL"].secret
    assert env["DATABASE_URL"].value is None
    assert env["STRIPE_SECRET_KEY"].secret
    assert env["STRIPE_SECRET_KEY"].value is None
    assert not env["PLAIN"].secret
    assert env["PLAIN"].value == "hello"
    assert "hunter2" not in repr(_parse(compose))


def test_env_file_values_come_first_and_environment_overrides() -> None:
    compose = """
services:
  web:
    image: x
    env_file:
      - .env.common
      - path: ./.env.local
        required: false
    environment:
      LEVEL: debug
"""
    texts = {".env.common": "LEVEL=info\nAPI_TOKEN=abc\nREGION=eu\n"}
    project = _parse(compose, texts=texts)
    env = {v.name: v for v in project.service("web").env}
    assert env["LEVEL"].value == "debug"
    assert env["LEVEL"].from_file is None
    assert env["REGION"].value == "eu"
    assert env["REGION"].from_file == ".env.common"
    assert env["API_TOKEN"].secret
    assert env["API_TOKEN"].value is None
    assert str(env["REGION"].location) == ".env.common:3"
    assert any(d.code == "compose.env-file-missing" for d in project.diagnostics)


def test_missing_required_env_file_names_the_reference() -> None:
    compose = "services:\n  web:\n    image: x\n    env_file: config/web.env\n"
    with pytest.raises(ParseError) as caught:
        _parse(compose)
    assert caught.value.file == "compose.yml"
    assert caught.value.line == 4
    assert "config/web.env" in str(caught.value)


def test_env_file_outside_root_is_refused() -> None:
    with pytest.raises(UnsafePathError):
        _parse("services:\n  web:\n    image: x\n    env_file: ../../etc/passwd\n")


def test_volume_short_and_long_syntax() -> None:
    compose = """
services:
  web:
    image: x
    volumes:
      - data:/data
      - ./src:/app:ro
      - /abs/host:/x
      - /anonymous
      - type: bind
        source: ./conf
        target: /etc/conf
        read_only: true
      - type: tmpfs
        target: /cache
      - type: volume
        source: named
        target: /named
    tmpfs: /run
volumes:
  data:
  named:
"""
    volumes = _parse(compose).service("web").volumes
    assert volumes == (
        Volume(target="/data", kind=VolumeKind.NAMED, source="data"),
        Volume(target="/app", kind=VolumeKind.BIND, source="src", read_only=True),
        Volume(target="/x", kind=VolumeKind.BIND, source="/abs/host"),
        Volume(target="/anonymous", kind=VolumeKind.ANONYMOUS),
        Volume(target="/etc/conf", kind=VolumeKind.BIND, source="conf", read_only=True),
        Volume(target="/cache", kind=VolumeKind.TMPFS),
        Volume(target="/named", kind=VolumeKind.NAMED, source="named"),
        Volume(target="/run", kind=VolumeKind.TMPFS),
    )


def test_bind_outside_root_and_undefined_named_volume_are_diagnostics() -> None:
    compose = "services:\n  web:\n    image: x\n    volumes: ['../shared:/shared', 'nope:/n']\n"
    codes = {d.code for d in _parse(compose).diagnostics}
    assert {"compose.bind-outside-root", "compose.undefined-reference"} <= codes


def test_secrets_and_configs_short_and_long() -> None:
    compose = """
services:
  web:
    image: x
    secrets:
      - db_password
      - source: api_key
        target: api.key
    configs:
      - source: nginx
        target: /etc/nginx/nginx.conf
      - plain
secrets:
  db_password:
    file: ./secrets/db.txt
  api_key:
    environment: API_KEY
configs:
  nginx:
    file: ./nginx.conf
  plain:
    external: true
"""
    project = _parse(compose)
    web = project.service("web")
    assert [(r.source, r.target) for r in web.secrets] == [
        ("db_password", "/run/secrets/db_password"),
        ("api_key", "/run/secrets/api.key"),
    ]
    assert [(r.source, r.target) for r in web.configs] == [
        ("nginx", "/etc/nginx/nginx.conf"),
        ("plain", "/plain"),
    ]
    assert isinstance(web.secrets[0], ServiceRef)
    secrets = {s.name: s for s in project.secrets}
    assert secrets["db_password"].file == "secrets/db.txt"
    assert secrets["api_key"].environment == "API_KEY"
    assert {c.name: c.external for c in project.configs} == {"nginx": False, "plain": True}


def test_healthcheck_forms() -> None:
    compose = """
services:
  exec:
    image: x
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]
      interval: 1m30s
      timeout: 10s
      start_period: 5s
      retries: 5
  shell:
    image: x
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app"]
  string:
    image: x
    healthcheck:
      test: curl -f http://localhost/ || exit 1
  none:
    image: x
    healthcheck:
      test: ["NONE"]
  disabled:
    image: x
    healthcheck:
      disable: true
"""
    project = _parse(compose)
    exec_check = project.service("exec").healthcheck
    assert exec_check is not None
    assert exec_check.test == ("wget", "-qO-", "http://127.0.0.1:8080/health")
    assert (exec_check.interval_seconds, exec_check.timeout_seconds) == (90.0, 10.0)
    assert (exec_check.start_period_seconds, exec_check.retries) == (5.0, 5)
    assert (exec_check.http_path, exec_check.http_port) == ("/health", 8080)
    shell = project.service("shell").healthcheck
    assert shell is not None
    assert shell.test == ("/bin/sh", "-c", "pg_isready -U app")
    string = project.service("string").healthcheck
    assert string is not None
    assert string.test[:2] == ("/bin/sh", "-c")
    assert (string.http_path, string.http_port) == ("/", 80)
    for name in ("none", "disabled"):
        check = project.service(name).healthcheck
        assert check is not None
        assert check.disabled
        assert check.test == ()


def test_depends_on_list_and_mapping() -> None:
    compose = """
services:
  web:
    image: x
    depends_on:
      db:
        condition: service_healthy
        restart: true
      cache:
        condition: service_started
        required: false
  worker:
    image: x
    depends_on: [db]
  db:
    image: postgres
  cache:
    image: redis
"""
    project = _parse(compose)
    web = {d.name: d for d in project.service("web").depends_on}
    assert (web["db"].condition, web["db"].restart, web["db"].required) == (
        "service_healthy",
        True,
        True,
    )
    assert web["cache"].required is False
    (worker_dep,) = project.service("worker").depends_on
    assert (worker_dep.name, worker_dep.condition) == ("db", "service_started")


def test_depends_on_undefined_service_is_a_diagnostic() -> None:
    compose = "services:\n  web:\n    image: x\n    depends_on: [ghost]\n"
    project = _parse(compose)
    assert [d.code for d in project.diagnostics] == ["compose.unknown-dependency"]


def test_deploy_resources_and_replicas() -> None:
    compose = """
services:
  web:
    image: x
    deploy:
      replicas: 3
      resources:
        limits:
          cpus: "0.5"
          memory: 512M
        reservations:
          cpus: 0.25
          memory: 1g
"""
    web = _parse(compose).service("web")
    assert web.replicas == 3
    resources = web.resources
    assert (resources.cpu_limit, resources.memory_limit) == ("500m", "512Mi")
    assert (resources.cpu_request, resources.memory_request) == ("250m", "1Gi")


def test_legacy_resource_keys_apply_when_deploy_is_silent() -> None:
    compose = "services:\n  web:\n    image: x\n    cpus: 1.5\n    mem_limit: 256m\n"
    resources = _parse(compose).service("web").resources
    assert (resources.cpu_limit, resources.memory_limit) == ("1500m", "256Mi")


def test_invalid_resource_is_a_diagnostic() -> None:
    compose = """
services:
  web:
    image: x
    deploy:
      resources:
        limits:
          memory: lots
"""
    project = _parse(compose)
    assert project.service("web").resources.memory_limit is None
    (diagnostic,) = project.diagnostics
    assert diagnostic.code == "compose.invalid-value"
    assert str(diagnostic.location) == "compose.yml:8"


def test_command_and_entrypoint_string_and_list() -> None:
    compose = """
services:
  web:
    image: x
    command: gunicorn "app:create_app()" --bind 0.0.0.0:8000
    entrypoint: ["/docker-entrypoint.sh", "--verbose"]
"""
    web = _parse(compose).service("web")
    assert web.command == ("gunicorn", "app:create_app()", "--bind", "0.0.0.0:8000")
    assert web.entrypoint == ("/docker-entrypoint.sh", "--verbose")


def test_labels_with_dotted_and_slashed_keys() -> None:
    compose = """
services:
  a:
    image: x
    labels:
      prometheus.io/scrape: "true"
      prometheus.io/port: 9090
      traefik.http.routers.a.rule: Host(`a.local`)
  b:
    image: x
    labels: ["com.example.team=payments", "flag"]
"""
    project = _parse(compose)
    assert dict(project.service("a").labels) == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
        "traefik.http.routers.a.rule": "Host(`a.local`)",
    }
    assert dict(project.service("b").labels) == {"com.example.team": "payments", "flag": ""}


def test_security_and_misc_scalars() -> None:
    compose = """
services:
  web:
    image: x
    user: "1000:1000"
    read_only: true
    privileged: false
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    working_dir: /app
    stop_signal: SIGINT
    network_mode: host
    container_name: shop-web
    hostname: web.internal
"""
    web = _parse(compose).service("web")
    assert (web.user, web.read_only, web.privileged) == ("1000:1000", True, False)
    assert (web.cap_add, web.cap_drop) == (("NET_BIND_SERVICE",), ("ALL",))
    assert (web.working_dir, web.stop_signal, web.network_mode) == ("/app", "SIGINT", "host")
    assert (web.container_name, web.hostname) == ("shop-web", "web.internal")


def test_wrongly_typed_value_is_a_diagnostic_and_the_rest_is_kept() -> None:
    compose = "services:\n  web:\n    image: [a, b]\n    user: app\n    read_only: maybe\n"
    project = _parse(compose)
    web = project.service("web")
    assert (web.image, web.user, web.read_only) == (None, "app", None)
    assert [d.code for d in project.diagnostics] == ["compose.invalid-value"] * 2
