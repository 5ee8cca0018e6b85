"""`dorgu analyze` end to end in a subprocess: output, JSON, and hostile input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def dorgu(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": "/nonexistent-dorgu-test"}
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )


def test_text_output_shows_components_routes_and_evidence():
    out = dorgu("analyze", str(ROOT / "examples" / "python-fastapi"))
    assert out.returncode == 0, out.stderr
    assert "component python-fastapi" in out.stdout
    assert "GET     /products/{product_id}" in out.stdout
    assert "rule:dockerfile.expose" in out.stdout


def test_json_output_is_the_model():
    out = dorgu("analyze", "--json", str(ROOT / "examples" / "go-nethttp"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    (component,) = data["components"]
    assert component["language"] == "go"
    assert any(e["rule"].startswith("dockerfile.") for e in data["evidence"])


def _one_line_error(out: subprocess.CompletedProcess[str], code: int) -> str:
    assert out.returncode == code, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


def test_missing_directory_is_a_clear_error(tmp_path):
    line = _one_line_error(dorgu("analyze", str(tmp_path / "nope")), 3)
    assert "no such directory" in line


def test_file_instead_of_directory_is_a_usage_error(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    line = _one_line_error(dorgu("analyze", str(tmp_path / "Dockerfile")), 2)
    assert "not a directory" in line


def test_empty_directory_says_what_to_do(tmp_path):
    line = _one_line_error(dorgu("analyze", str(tmp_path)), 3)
    assert "no app found" in line
    assert "Dockerfile" in line


def test_malformed_dockerfile_names_file_and_line(tmp_path):
    (tmp_path / "Dockerfile").write_text("# just a comment\nRUN echo hi\n")
    line = _one_line_error(dorgu("analyze", str(tmp_path)), 3)
    assert "Dockerfile" in line
    assert "FROM" in line


def test_compose_alias_bomb_is_refused(tmp_path):
    lines = ['x-a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"x-{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("services:\n  web:\n    image: nginx")
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    line = _one_line_error(dorgu("analyze", str(tmp_path)), 3)
    assert "compose.yaml" in line


def test_bad_build_arg_flag_is_a_usage_error():
    line = _one_line_error(
        dorgu("analyze", "--build-arg", "NOEQUALS", str(ROOT / "examples" / "go-nethttp")), 2
    )
    assert "KEY=VALUE" in line


def test_non_utf8_and_binary_files_do_not_break_analysis(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 8000\n")
    (tmp_path / "requirements.txt").write_bytes(b"fastapi\n\xff\xfe\n")
    (tmp_path / "app.py").write_bytes(b"\x00\x01binary")
    out = dorgu("analyze", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "requirements.txt" in out.stdout  # named in a diagnostic


@pytest.mark.parametrize("secret", ["hunter2-very-secret", "sk-abcdefghijklmnopqrstuvwx"])
def test_secret_values_never_reach_the_output(tmp_path, secret):
    (tmp_path / "Dockerfile").write_text(f"FROM alpine\nENV DB_PASSWORD={secret}\nEXPOSE 80\n")
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  app:\n    build: .\n    environment:\n      API_KEY: {secret}\n"
        f"      DATABASE_URL: postgres://u:{secret}@db/x\n  db:\n    image: postgres:16\n"
    )
    for args in (("analyze",), ("analyze", "--json")):
        out = dorgu(*args, str(tmp_path))
        assert out.returncode == 0, out.stderr
        assert secret not in out.stdout
        assert secret not in out.stderr


def test_descriptors_flag_chooses_how_repository_manifests_are_used(tmp_path):
    example = str(ROOT / "examples" / "existing-manifests")
    kept = json.loads(dorgu("analyze", "--json", example).stdout)
    ignored = dorgu("analyze", "--json", "--descriptors", "ignore", example)
    assert ignored.returncode == 0, ignored.stderr
    api = {c["name"]: c for c in json.loads(ignored.stdout)["components"]}["api"]
    assert [p["number"] for p in api["ports"]] == [3000]
    assert any(e["rule"] == "k8s.replicas" for e in kept["evidence"])
    bad = dorgu("analyze", "--descriptors", "sometimes", example)
    assert bad.returncode == 2
    import shutil

    copy = tmp_path / "notes"
    shutil.copytree(example, copy)
    (copy / ".dorgu.yaml").write_text("descriptors: evidence\n")
    setting = json.loads(dorgu("analyze", "--json", str(copy)).stdout)
    api = {c["name"]: c for c in setting["components"]}["api"]
    assert "replicas" not in api and [p["number"] for p in api["ports"]] == [8080]
