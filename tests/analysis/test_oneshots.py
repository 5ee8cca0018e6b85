"""Compose services that run once (migrations, seeders) are marked for Jobs, with evidence."""

from __future__ import annotations

from dorgu.analysis.analyzing import AnalysisOptions, analyze_tree
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppModel, AppType, ComponentKind, DependencyType

DOCKERFILE = 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n'


def _analyze(compose: str, *, profiles: tuple[str, ...] = ()) -> AppModel:
    texts = {"compose.yaml": compose, "app/Dockerfile": DOCKERFILE}
    tree = SourceTree(paths=tuple(sorted(texts)), texts=texts)
    return analyze_tree(tree, name="t", root=".", options=AnalysisOptions(profiles=profiles))


def _rules(model: AppModel, name: str) -> list[str]:
    return [e.rule for e in model.evidence if e.field == f"components.{name}.run_once"]


def test_a_service_others_wait_to_complete_runs_once_with_the_waiting_line_as_evidence():
    model = _analyze(
        "services:\n"
        "  web:\n    build: ./app\n    depends_on:\n"
        "      setup:\n        condition: service_completed_successfully\n"
        "  setup:\n    build: ./app\n"
    )
    setup = model.component("setup")
    assert setup.run_once is True and setup.type is AppType.WORKER
    assert _rules(model, "setup") == ["compose.run-once.awaited"]
    where = next(e for e in model.evidence if e.field == "components.setup.run_once")
    assert where.location is not None and where.location.line == 5
    assert model.component("web").run_once is None
    notes = [d for d in model.diagnostics if d.code == "analysis.run-once-dependency"]
    assert len(notes) == 1 and "web" in notes[0].message


def test_a_migration_command_with_restart_no_runs_once_and_replaces_the_type_guess():
    model = _analyze(
        "services:\n  migrate:\n    build: ./app\n    restart: 'no'\n"
        "    command: [python, manage.py, migrate, --noinput]\n"
    )
    migrate = model.component("migrate")
    assert migrate.run_once is True
    types = [e for e in model.evidence if e.field == "components.migrate.type"]
    assert [e.value for e in types] == ["worker"]
    assert types[0].confidence == 0.85


def test_one_shot_tools_are_recognised_in_every_ecosystem():
    commands = [
        "alembic upgrade head",
        "npx prisma migrate deploy",
        "bundle exec rake db:migrate",
        "php artisan migrate --force",
        "flyway -url=jdbc:postgresql://db/app migrate",
        "npm run db:seed",
        "mix ecto.migrate",
        "sh -c 'goose -dir /m postgres up'",
    ]
    for command in commands:
        model = _analyze(f"services:\n  step:\n    build: ./app\n    command: {command}\n")
        assert model.component("step").run_once is True, command


def test_a_long_running_service_never_runs_once_even_with_a_step_like_name():
    model = _analyze(
        "services:\n"
        "  migrate:\n    build: ./app\n    restart: unless-stopped\n    command: alembic upgrade head\n"
        "  init:\n    image: busybox\n    restart: always\n"
        "  web:\n    build: ./app\n    command: gunicorn app:app\n    ports: ['8000:8000']\n"
    )
    assert all(c.run_once is None for c in model.components)


def test_a_step_name_alone_counts_only_without_ports():
    model = _analyze(
        "services:\n  seed:\n    build: ./app\n"
        "  init-ui:\n    build: ./app\n    ports: ['3000:3000']\n"
    )
    assert model.component("seed").run_once is True
    assert model.component("init-ui").run_once is None


def test_a_seeder_running_a_database_image_is_a_step_not_a_database():
    model = _analyze(
        "services:\n"
        "  db:\n    image: postgres:16\n"
        "  seed:\n    image: postgres:16\n    command: psql -h db -f /seed/data.sql\n"
        "    depends_on: [db]\n"
        "  api:\n    build: ./app\n    depends_on:\n"
        "      seed: {condition: service_completed_successfully}\n      db: {condition: service_started}\n"
    )
    seed = model.component("seed")
    assert seed.run_once is True and seed.kind is ComponentKind.IMAGE
    kinds = [e.value for e in model.evidence if e.field == "components.seed.kind"]
    assert kinds == ["image"]
    by_name = {d.name: d for d in model.component("api").dependencies}
    assert by_name["seed"].type is DependencyType.SERVICE and by_name["seed"].kind is None
    assert by_name["db"].type is DependencyType.DATABASE
    assert model.component("db").run_once is None


def test_a_run_once_service_behind_a_profile_stays_out_unless_the_profile_is_given():
    compose = (
        "services:\n  web:\n    build: ./app\n"
        "  seed:\n    build: ./app\n    profiles: [dev]\n    command: npm run seed\n"
    )
    assert [c.name for c in _analyze(compose).components] == ["web"]
    enabled = _analyze(compose, profiles=("dev",))
    assert enabled.component("seed").run_once is True


def test_an_explicit_restart_no_with_a_step_script_runs_once_but_not_without_it():
    step = "    command: python scripts/load_data.py\n"
    once = _analyze(f"services:\n  loader:\n    build: ./app\n    restart: 'no'\n{step}")
    assert once.component("loader").run_once is True
    running = _analyze(f"services:\n  loader:\n    build: ./app\n{step}")
    assert running.component("loader").run_once is None
    server = _analyze(
        "services:\n  api:\n    build: ./app\n    restart: 'no'\n    command: python serve.py\n"
    )
    assert server.component("api").run_once is None
