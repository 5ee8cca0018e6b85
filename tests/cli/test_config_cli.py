import json
from pathlib import Path

import pytest

from tests.cli.running import dorgu, isolate_environment


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate_environment(tmp_path, monkeypatch, "shop")


def test_set_then_get_and_list_round_trip(app):
    assert dorgu("config", "set", "app.name", "shop").exit_code == 0
    result = dorgu("config", "set", "labels[prometheus.io/scrape]", "true")
    assert result.stdout == "set labels[prometheus.io/scrape] = true in .dorgu.yaml\n"
    assert dorgu("config", "set", "scaling.max_replicas", "5").exit_code == 0
    assert dorgu("config", "get", "scaling.max_replicas").stdout == "5\n"
    assert dorgu("config", "get", 'labels."prometheus.io/scrape"').stdout == "true\n"
    assert dorgu("config", "get", "labels").stdout == "prometheus.io/scrape: 'true'\n"
    listed = json.loads(dorgu("config", "list", "--json").stdout)
    assert listed["app.name"] == "shop"
    assert listed["labels[prometheus.io/scrape]"] == "true"
    assert "scaling.min_replicas" not in listed
    assert "scaling.min_replicas" in json.loads(dorgu("config", "list", "--json", "--all").stdout)


def test_get_of_an_unset_key_exits_1_quietly(app):
    result = dorgu("config", "get", "namespace")
    assert (result.exit_code, result.stdout) == (1, "")


def test_typos_are_one_line_errors_with_suggestions(app):
    result = dorgu("config", "get", "scaling.max_replica")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown setting key 'scaling.max_replica' (did you mean 'scaling.max_replicas'?)\n"
    )
    (app / ".dorgu.yaml").write_text("app:\n  name: shop\nnamespce: x\n")
    result = dorgu("config", "list")
    assert result.exit_code == 4
    assert (
        result.stderr
        == "error: .dorgu.yaml:3: unknown key 'namespce' (did you mean 'namespace'?)\n"
    )


def test_secrets_are_masked_everywhere(app):
    result = dorgu(
        "config", "set", "--global", "llm.api_keys.openai", "-", input="sk-abcdefghijklmnopabcd\n"
    )
    assert result.exit_code == 0, result.output
    assert "sk-abc" not in result.output
    assert "****abcd" in result.stdout
    commands = [
        ["list"], ["list", "--json"], ["explain"], ["explain", "--json"],
        ["get", "llm.api_keys.openai"],
    ]  # fmt: skip
    for args in commands:
        result = dorgu("config", *args)
        assert result.exit_code == 0
        assert "sk-abcdefghijklmnop" not in result.output
        assert "****abcd" in result.stdout


def test_env_api_keys_are_masked_too(app, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fromenv-0000000wxyz")
    result = dorgu("config", "get", "llm.api_keys.openai")
    assert result.stdout == "****wxyz\n"


def test_secrets_cannot_be_set_in_the_app_file(app):
    result = dorgu("config", "set", "llm.api_keys.openai", "sk-abcdefghijklmnopabcd")
    assert result.exit_code == 2
    assert "--global" in result.stderr
    assert not (app / ".dorgu.yaml").exists()


def test_explain_shows_layer_and_file_line_for_each_value(app, monkeypatch):
    (app / ".dorgu.yaml").write_text("app:\n  name: shop\nnamespace: from-app\n")
    (app.parent / "dorgu-workspace.yaml").write_text("registry: ghcr.io/org\nnamespace: from-ws\n")
    monkeypatch.setenv("DORGU_ENVIRONMENT", "staging")
    result = dorgu("config", "explain")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "# app file: .dorgu.yaml" in lines
    assert any(
        line.startswith("namespace = from-app") and line.endswith("<- app .dorgu.yaml:3")
        for line in lines
    )
    assert any(line.endswith("<- workspace ../dorgu-workspace.yaml:1") for line in lines) or any(
        "dorgu-workspace.yaml:1" in line and "image.registry" in line for line in lines
    )
    assert any(
        line.startswith("environment = staging") and line.endswith("<- env DORGU_ENVIRONMENT")
        for line in lines
    )
    assert any(
        line.startswith("naming.pattern = {app}") and line.endswith("<- default") for line in lines
    )
    data = json.loads(dorgu("config", "explain", "--json").stdout)
    rows = {row["key"]: row for row in data["values"]}
    assert rows["namespace"] == {
        "key": "namespace", "value": "from-app", "layer": "app",
        "file": ".dorgu.yaml", "line": 3, "source": None,
    }  # fmt: skip
    assert rows["environment"]["source"] == "DORGU_ENVIRONMENT"


def test_unknown_env_vars_are_warned_about_on_stderr(app, monkeypatch):
    monkeypatch.setenv("DORGU_NAMESPAC", "x")
    result = dorgu("config", "list")
    assert "warning: ignoring unknown environment variable DORGU_NAMESPAC" in result.stderr


def test_unset_removes_from_the_chosen_file(app):
    dorgu("config", "set", "namespace", "shop")
    dorgu("config", "set", "--workspace", "namespace", "org")
    assert dorgu("config", "get", "namespace").stdout == "shop\n"
    assert dorgu("config", "unset", "namespace").stdout == "removed namespace from .dorgu.yaml\n"
    assert dorgu("config", "get", "namespace").stdout == "org\n"
    result = dorgu("config", "unset", "namespace")
    assert result.exit_code == 0
    assert "was not set" in result.stderr


def test_set_takes_an_app_path_argument(app, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    assert dorgu("config", "set", "namespace", "other-ns", str(other)).exit_code == 0
    assert (other / ".dorgu.yaml").read_text() == "namespace: other-ns\n"
    assert dorgu("config", "get", "namespace", str(other)).stdout == "other-ns\n"


def test_invalid_values_are_config_errors_and_nothing_is_written(app):
    result = dorgu("config", "set", "resources.requests.cpu", "lots")
    assert result.exit_code == 4
    assert "not a Kubernetes quantity" in result.stderr
    assert not (app / ".dorgu.yaml").exists()


def test_schema_prints_json_schema_for_editors(app):
    result = dorgu("config", "schema")
    schema = json.loads(result.stdout)
    assert schema["$id"].endswith("dorgu-app.schema.json")
    assert schema["properties"]["scaling"]["description"]
    assert "llm" in json.loads(dorgu("config", "schema", "--global").stdout)["properties"]
    assert "security" in json.loads(dorgu("config", "schema", "--workspace").stdout)["properties"]


def test_explain_shows_a_provider_endpoint_variable_as_the_source(app, monkeypatch):
    monkeypatch.setenv("DORGU_LLM__PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://not-chosen.example")
    result = dorgu("config", "explain")
    assert result.exit_code == 0, result.output
    assert any(
        line.startswith("llm.base_url = http://127.0.0.1:8000/v1")
        and line.endswith("<- env OPENAI_BASE_URL")
        for line in result.stdout.splitlines()
    ), result.stdout
    assert "not-chosen" not in result.stdout
    rows = {r["key"]: r for r in json.loads(dorgu("config", "explain", "--json").stdout)["values"]}
    assert rows["llm.base_url"]["source"] == "OPENAI_BASE_URL"
