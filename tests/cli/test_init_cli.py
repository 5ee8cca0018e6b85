import json
import shutil
import stat
from pathlib import Path

import pytest

from dorgu.models.app import AppModel, AppType, Component
from dorgu.models.config import AppConfig, GlobalConfig
from dorgu.settings.parsing import parse_config
from tests.cli.running import EXAMPLES, dorgu, isolate_environment


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate_environment(tmp_path, monkeypatch, "shop")


def read_app(path: Path) -> AppConfig:
    file = path / ".dorgu.yaml"
    return parse_config(file.read_text(), AppConfig, file=str(file)).config


def test_yes_writes_a_valid_file_with_a_schema_header_and_no_prompts(app):
    result = dorgu("init", "--yes", "--no-analyze")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote .dorgu.yaml\n"
    text = (app / ".dorgu.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=/")
    assert "version: 1\napp:\n  name: shop\n" in text
    assert read_app(app).app.name == "shop"


def test_flags_fill_every_field(app):
    result = dorgu(
        "init", "--yes", "--no-analyze", "--name", "Shop", "--team", "payments", "--owner", "alice",
        "--type", "worker", "--description", "Takes orders", "--namespace", "shop",
        "--registry", "ghcr.io/acme", "--environment", "production", "--repository", "https://x/y",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = read_app(app)
    assert (config.app.name, config.app.team, config.app.owner) == ("Shop", "payments", "alice")
    assert config.app.type is AppType.WORKER
    assert (config.namespace, config.environment, config.image.registry) == (
        "shop",
        "production",
        "ghcr.io/acme",
    )


def test_non_tty_stdin_means_no_prompts_even_without_yes(app):
    result = dorgu("init", "--no-analyze")
    assert result.exit_code == 0, result.output
    assert "App name" not in result.output


def test_interactive_prompts_use_defaults_and_answers(app):
    answers = (
        "\n".join(["", "bogus", "api", "The shop", "payments", "", "", "", "shop-ns", ""]) + "\n"
    )
    result = dorgu("init", "--interactive", "--no-analyze", input=answers)
    assert result.exit_code == 0, result.output
    assert "App name [shop]" in result.output
    assert "choose one of api" in result.output
    config = read_app(app)
    assert (config.app.name, config.app.type, config.app.description) == (
        "shop",
        AppType.API,
        "The shop",
    )
    assert (config.app.team, config.namespace, config.app.owner) == ("payments", "shop-ns", None)


def test_existing_files_are_never_overwritten_without_force(app):
    (app / ".dorgu.yaml").write_text("namespace: keep\n")
    result = dorgu("init", "--yes", "--no-analyze")
    assert result.exit_code == 5
    assert result.stderr == "error: .dorgu.yaml already exists (pass --force to overwrite it)\n"
    assert (app / ".dorgu.yaml").read_text() == "namespace: keep\n"
    result = dorgu("init", "--yes", "--no-analyze", "--force", "--team", "core")
    assert result.exit_code == 0
    assert read_app(app).app.team == "core"


def test_existing_file_is_refused_before_any_prompt(app):
    (app / ".dorgu.yaml").write_text("namespace: keep\n")
    result = dorgu("init", "--interactive", "--no-analyze", input="x\n" * 20)
    assert result.exit_code == 5
    assert "App name" not in result.output


def test_inherited_values_are_not_copied_into_the_app_file(app):
    (app.parent / "dorgu-workspace.yaml").write_text("namespace: org\nteam: core\n")
    assert dorgu("init", "--yes", "--no-analyze").exit_code == 0
    config = read_app(app)
    assert (config.namespace, config.app.team) == (None, None)
    assert dorgu("init", "--yes", "--no-analyze", "--force", "--namespace", "org").exit_code == 0
    assert read_app(app).namespace == "org"


def test_prefill_from_analysis_and_git_remote_without_credentials(app, monkeypatch):
    (app / ".git").mkdir()
    (app / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = https://ci:s3cret@github.com/acme/shop.git\n'
    )
    model = AppModel(
        name="shop-api",
        root=str(app),
        components=[Component(name="shop-api", type=AppType.WORKER, description="Queue consumer")],
    )
    monkeypatch.setattr("dorgu.services.analyzing.analyze_path", lambda path: model)
    assert dorgu("init", "--yes").exit_code == 0
    config = read_app(app)
    assert (config.app.name, config.app.type) == ("shop-api", AppType.WORKER)
    assert config.app.description == "Queue consumer"
    assert config.app.repository == "https://github.com/acme/shop.git"
    assert "s3cret" not in (app / ".dorgu.yaml").read_text()


def test_prefill_from_real_analysis_of_an_example(app):
    example = app / "fastapi"
    shutil.copytree(EXAMPLES / "python-fastapi", example)
    result = dorgu("init", "--yes", str(example))
    assert result.exit_code == 0, result.output
    config = read_app(example)
    assert (config.app.name, config.app.type) == ("fastapi", AppType.API)


def test_flags_beat_analysis(app, monkeypatch):
    model = AppModel(name="guessed", root=".", components=[Component(name="x", type=AppType.WEB)])
    monkeypatch.setattr("dorgu.services.analyzing.analyze_path", lambda path: model)
    assert dorgu("init", "--yes", "--name", "chosen", "--type", "daemon").exit_code == 0
    config = read_app(app)
    assert (config.app.name, config.app.type) == ("chosen", AppType.DAEMON)


def test_secret_looking_flags_are_refused_and_nothing_is_written(app):
    result = dorgu("init", "--yes", "--no-analyze", "--repository", "https://u:p@git.example.com/x")
    assert result.exit_code == 4
    assert not (app / ".dorgu.yaml").exists()


def test_global_init_writes_mode_0600_and_prompts_for_a_hidden_key(app, tmp_path):
    answers = "openai\n\nsk-abcdefghijklmnop1234\nghcr.io/me\n\n\n\n"
    result = dorgu("init", "--global", "--interactive", input=answers)
    assert result.exit_code == 0, result.output
    assert "sk-abcdefghijklmnop1234" not in result.output
    file = tmp_path / "xdg" / "dorgu" / "config.yaml"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    config = parse_config(file.read_text(), GlobalConfig, file="g").config
    assert config.llm.provider.value == "openai"
    assert config.llm.api_keys.openai is not None
    assert config.defaults.registry == "ghcr.io/me"
    assert file.read_text().startswith("# yaml-language-server: $schema=")


def test_global_init_is_scriptable_and_respects_force(app, tmp_path):
    args = (
        "init",
        "--global",
        "--yes",
        "--provider",
        "ollama",
        "--model",
        "llama3",
        "--namespace",
        "me",
    )
    assert dorgu(*args).exit_code == 0
    file = tmp_path / "xdg" / "dorgu" / "config.yaml"
    config = parse_config(file.read_text(), GlobalConfig, file="g").config
    assert (config.llm.model, config.defaults.namespace) == ("llama3", "me")
    result = dorgu(*args)
    assert result.exit_code == 5
    assert "--force" in result.stderr
    assert dorgu(*args, "--force").exit_code == 0


def test_flags_for_the_other_file_are_usage_errors(app):
    result = dorgu("init", "--yes", "--provider", "openai")
    assert result.exit_code == 2
    assert "--provider only applies to the global file" in result.stderr
    result = dorgu("init", "--global", "--yes", "--name", "x", "--type", "api")
    assert result.exit_code == 2
    assert "--name, --type only apply to the app file" in result.stderr


def test_the_schema_line_points_at_the_schema_dorgu_ships(app):
    """Editors are pointed at the packaged copy of what `dorgu config schema` prints, not at
    another project's repository."""
    assert dorgu("init", "--yes", "--no-analyze").exit_code == 0
    first = (app / ".dorgu.yaml").read_text().splitlines()[0]
    location = first.removeprefix("# yaml-language-server: $schema=")
    schema_file = Path(location)
    assert schema_file.is_absolute() and schema_file.is_file(), first
    printed = dorgu("config", "schema")
    assert json.loads(schema_file.read_text()) == json.loads(printed.stdout)
    assert dorgu("config", "schema", "--path").stdout.strip() == location
    assert "github" not in first.lower() and "http" not in first


def test_without_packaged_schema_files_the_header_names_the_command(app, monkeypatch):
    from dorgu.services import schema_files

    monkeypatch.setattr(schema_files, "packaged_schema_path", lambda layer=None: None)
    assert dorgu("init", "--yes", "--no-analyze").exit_code == 0
    first = (app / ".dorgu.yaml").read_text().splitlines()[0]
    assert first == "# JSON Schema for editors: dorgu config schema"
    assert read_app(app).app.name == "shop"
    result = dorgu("config", "schema", "--path")
    assert result.exit_code == 7
    assert result.stderr.startswith("error: the installed dorgu has no schema files")
