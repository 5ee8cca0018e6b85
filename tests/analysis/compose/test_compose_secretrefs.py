"""Compose services keep secret values only in their Secret: healthchecks, commands,
entrypoints, labels and plain variables that repeat one refer to its variable instead."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.compose import parse_compose

SECRET_TEXTS = ("hunter2-Pass", "Tok3n-abcdef", "pw-in-url-99")


def _project(compose: str, dotenv: str = "", **texts: str):  # type: ignore[no-untyped-def]
    files = {".env": dotenv} if dotenv else {}
    files.update(texts)
    return parse_compose([("compose.yml", compose)], texts=files, environment={})


def _no_values(project: object) -> None:
    text = repr(project)
    for value in SECRET_TEXTS:
        assert value not in text


def test_a_literal_password_in_a_healthcheck_and_command_becomes_a_reference() -> None:
    project = _project("""
services:
  cache:
    image: redis:7
    command: redis-server --requirepass hunter2-Pass
    environment: {REDIS_PASSWORD: hunter2-Pass}
    healthcheck: {test: redis-cli -a hunter2-Pass ping}
""")
    cache = project.service("cache")
    assert cache.command == ("redis-server", "--requirepass", "$(REDIS_PASSWORD)")
    assert cache.healthcheck is not None
    assert cache.healthcheck.test == ("/bin/sh", "-c", 'redis-cli -a "${REDIS_PASSWORD}" ping')
    [note] = [d for d in project.diagnostics if d.code == "compose.secret-reference"]
    assert "REDIS_PASSWORD" in note.message and note.location is not None
    _no_values(project)


def test_another_services_secret_is_added_to_the_service_that_repeats_it() -> None:
    project = _project(
        """
services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: "${DB_PASSWORD}"}
  migrate:
    image: flyway/flyway:10
    command: ["-password=hunter2-Pass", "migrate"]
""",
        "DB_PASSWORD=hunter2-Pass\n",
    )
    migrate = project.service("migrate")
    assert migrate.command == ("-password=$(POSTGRES_PASSWORD)", "migrate")
    [added] = [v for v in migrate.env if v.name == "POSTGRES_PASSWORD"]
    assert added.secret and added.value is None
    assert any(d.code == "compose.secret-added" for d in project.diagnostics)
    _no_values(project)


def test_a_project_secret_only_in_dotenv_is_referenced_with_its_location() -> None:
    project = _project(
        "services:\n  app:\n    image: app\n    entrypoint: [app, --token, Tok3n-abcdef]\n",
        "LEVEL=info\nAPI_TOKEN=Tok3n-abcdef\n",
    )
    app = project.service("app")
    assert app.entrypoint == ("app", "--token", "$(API_TOKEN)")
    [token] = app.env
    assert token.name == "API_TOKEN" and token.secret
    assert token.location is not None and (token.location.file, token.location.line) == (".env", 2)


def test_a_password_inside_a_credential_url_is_protected_where_it_is_repeated() -> None:
    project = _project("""
services:
  worker:
    image: worker
    environment:
      REDIS_URL: redis://:pw-in-url-99@redis:6379/0
      QUEUE_OPTS: --redis-pass=pw-in-url-99 --concurrency=4
      LOG_LEVEL: info
    command: [worker, --pass, pw-in-url-99]
""")
    worker = project.service("worker")
    assert worker.command == ("worker", "--pass", "$(REDIS_URL_PASSWORD)")
    env = {v.name: v for v in worker.env}
    assert env["QUEUE_OPTS"].secret and env["QUEUE_OPTS"].value is None
    assert env["LOG_LEVEL"].value == "info"
    assert env["REDIS_URL_PASSWORD"].secret
    _no_values(project)


def test_labels_lose_secret_values() -> None:
    project = _project("""
services:
  proxy:
    image: traefik:v3.1
    environment: {ADMIN_TOKEN: Tok3n-abcdef}
    labels: [traefik.http.middlewares.a.basicauth.users=admin:Tok3n-abcdef]
""")
    assert dict(project.service("proxy").labels) == {
        "traefik.http.middlewares.a.basicauth.users": "admin:$(ADMIN_TOKEN)"
    }


def test_runtime_references_in_scripts_are_kept_and_backed_by_the_secret() -> None:
    project = _project("""
services:
  backup:
    image: mysql:8.4
    command: sh -c "mysqldump -uroot -p$$MYSQL_ROOT_PASSWORD --all-databases"
""")
    backup = project.service("backup")
    assert backup.command == ("sh", "-c", "mysqldump -uroot -p$MYSQL_ROOT_PASSWORD --all-databases")
    assert [(v.name, v.secret) for v in backup.env] == [("MYSQL_ROOT_PASSWORD", True)]


def test_hostile_secrets_give_diagnostics_not_crashes() -> None:
    huge = "x" * 200_000
    project = _project(
        """
services:
  app:
    image: app
    environment:
      LOOP_SECRET: ${LOOP_A}
      MISSING_TOKEN: ${NOT_SET}
      HUGE_KEY: ${HUGE_KEY}
      SHORT_PASSWORD: ab
    command: [app, --a, ab, --b, "${NOT_SET_EITHER}"]
""",
        f"LOOP_A=${{LOOP_B}}\nLOOP_B=${{LOOP_A}}\nHUGE_KEY={huge}\n",
    )
    app = project.service("app")
    assert app.command is not None and app.command[:3] == ("app", "--a", "ab")
    assert all(v.value is None for v in app.env if v.secret)
    assert huge not in repr(project)


def test_the_content_of_a_compose_secret_file_is_a_secret_value() -> None:
    compose = """
services:
  db:
    image: mariadb:11.4
    secrets: [db_root_password]
    healthcheck: {test: ["CMD-SHELL", "mariadb-admin ping -pFile-Secret-77"]}
secrets:
  db_root_password: {file: ./secrets/db_root_password.txt}
  empty: {file: ./secrets/empty.txt}
  missing: {file: ./secrets/missing.txt}
"""
    project = _project(
        compose,
        **{"secrets/db_root_password.txt": "File-Secret-77\n", "secrets/empty.txt": "\n"},
    )
    db = project.service("db")
    assert db.healthcheck is not None
    assert db.healthcheck.test[2] == 'mariadb-admin ping -p"${DB_ROOT_PASSWORD}"'
    [added] = [v for v in db.env if v.name == "DB_ROOT_PASSWORD"]
    assert added.secret and added.location is not None and added.location.file == "compose.yml"
    assert "File-Secret-77" not in repr(project)


def test_secret_files_are_recognised_by_name() -> None:
    from dorgu.analysis.secrets import is_secret_file_candidate

    for path in ("db_password.txt", "secrets/api", "config/app.token", "creds/aws_credentials"):
        assert is_secret_file_candidate(path), path
    for path in ("README.md", "src/app.py", "secret_santa.py", "config/app.yaml"):
        assert not is_secret_file_candidate(path), path


_VALUE = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.@!%+", min_size=3, max_size=20
).map(
    lambda s: f"Zq9{s}"  # never a word the rest of the project repr contains
)


@settings(max_examples=60, deadline=None)
@given(value=_VALUE, where=st.sampled_from(["dotenv", "inline", "url"]), quote=st.booleans())
def test_a_secret_value_never_survives_anywhere_in_the_project(
    value: str, where: str, quote: bool
) -> None:
    shown = f"'{value}'" if quote else value
    env = {
        "dotenv": "DB_PASSWORD: ${DB_PASSWORD}",
        "inline": f"DB_PASSWORD: {json.dumps(value)}",
        "url": f"DB_URL: {json.dumps(f'postgres://u:{value}@db/x')}",
    }[where]
    compose = f"""
services:
  db:
    image: postgres:16
    environment:
      {env}
      NOTE: {json.dumps(f"pass {value} here")}
    command: {json.dumps(["postgres", "-c", f"password={value}"])}
    healthcheck: {{test: {json.dumps(["CMD-SHELL", f"pg_isready -p {shown} && echo {value}"])}}}
    labels: [{json.dumps(f"x.auth={value}")}]
  other:
    image: app
    entrypoint: {json.dumps(["app", "--db-pass", value])}
"""
    project = _project(compose, f"DB_PASSWORD={json.dumps(value)}\n")
    assert value not in repr(project)
