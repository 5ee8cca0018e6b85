import shutil
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from dorgu.cli import main as main_module

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def entry(args: tuple[str, ...]) -> None:
    main_module.main(list(args))


def dorgu(*args: str) -> Result:
    return CliRunner().invoke(entry, list(args))


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("DORGU_NAMESPACE", "DORGU_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "api"
    shutil.copytree(EXAMPLES / "python-fastapi", path)
    monkeypatch.chdir(path)
    return path


def test_generate_is_listed_in_help():
    result = dorgu("--help")
    assert "generate" in result.output


def test_generate_writes_files_and_prints_a_summary(app):
    result = dorgu("generate", ".", "--image-tag", "1.0.0", "--registry", "ghcr.io/acme")
    assert result.exit_code == 0, result.output
    assert (app / "k8s" / "deployment.yaml").is_file()
    assert "k8s/deployment.yaml" in result.output
    assert "kubectl apply -k k8s" in result.output
    assert "secret.template.yaml" in result.output


def test_generate_refuses_to_overwrite_with_exit_code_5(app):
    assert dorgu("generate", "--image-tag", "1").exit_code == 0
    result = dorgu("generate", "--image-tag", "1")
    assert result.exit_code == 5
    assert "already exists" in result.output and "--force" in result.output
    assert dorgu("generate", "--image-tag", "1", "--force").exit_code == 0


def test_stdout_prints_one_stream_and_writes_nothing(app):
    result = CliRunner().invoke(
        entry,
        [
            "generate",
            "--stdout",
            "--image-tag",
            "1",
            "--namespace",
            "shop",
            "--host",
            "API.example.com",
        ],
    )
    assert result.exit_code == 0, result.output
    assert not (app / "k8s").exists()
    stream = result.stdout
    documents = list(yaml.safe_load_all(stream))
    kinds = [d["kind"] for d in documents]
    assert "Deployment" in kinds and "Ingress" in kinds
    ingress = next(d for d in documents if d["kind"] == "Ingress")
    assert ingress["spec"]["rules"][0]["host"] == "api.example.com"
    assert all(d["metadata"]["namespace"] == "shop" for d in documents)


def test_a_bad_storage_size_is_a_usage_error(app):
    result = dorgu("generate", "--storage-size", "lots")
    assert result.exit_code == 2
