"""`dorgu generate` uses the effective listen port and warns when it cannot be known."""

from pathlib import Path

import pytest
import yaml

from tests.cli.running import dorgu, isolate_environment

FLASK = "import os\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/healthz')\ndef health():\n    return 'ok'\n\n"
DOCKERFILE = 'FROM python:3.12-slim\nCOPY . .\nUSER 10001\nCMD ["python", "app.py"]\n'


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = isolate_environment(tmp_path, monkeypatch, "api")
    (directory / "requirements.txt").write_text("flask\n")
    (directory / "Dockerfile").write_text(DOCKERFILE)
    return directory


def documents(output: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(output) if d]


def container(docs: list[dict]) -> dict:
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_a_port_variable_set_nowhere_is_a_warning_and_the_container_gets_it(app):
    (app / "app.py").write_text(FLASK + 'app.run(host="0.0.0.0", port=int(os.environ["PORT"]))\n')
    result = dorgu("generate", "--stdout", "--image-tag", "1")
    assert result.exit_code == 0, result.output
    assert "analysis.port-unresolved" in result.stderr
    assert "PORT is set nowhere" in result.stderr
    docs = documents(result.stdout)
    assert [p["containerPort"] for p in container(docs)["ports"]] == [5000]
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["PORT"] == "5000"


def test_dorgu_yaml_env_sets_the_effective_port(app):
    (app / "app.py").write_text(FLASK + 'app.run(port=int(os.environ.get("APP_PORT", 8080)))\n')
    (app / ".dorgu.yaml").write_text('version: 1\nenv:\n  APP_PORT: "8095"\n')
    result = dorgu("generate", "--stdout", "--image-tag", "1")
    assert result.exit_code == 0, result.output
    assert "port-unresolved" not in result.stderr
    docs = documents(result.stdout)
    assert [p["containerPort"] for p in container(docs)["ports"]] == [8095]
    probe = container(docs)["readinessProbe"]["httpGet"]
    assert probe["path"] == "/healthz" and probe["port"] == "http"
