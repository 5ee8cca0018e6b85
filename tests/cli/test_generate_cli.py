from pathlib import Path

import pytest
import yaml

from tests.cli.running import dorgu, isolate_environment


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate_environment(tmp_path, monkeypatch, "api", example="python-fastapi")


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
    result = dorgu(
        "generate",
        "--stdout",
        "--image-tag",
        "1",
        "--namespace",
        "shop",
        "--host",
        "API.example.com",
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
