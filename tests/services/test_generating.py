import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dorgu.errors import OutputError
from dorgu.generation import FileRoot, GitInfo
from dorgu.services.generating import (
    GenerateRequest,
    generate,
    read_git_info,
    read_mounted_files,
    resolve_output,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GIT = GitInfo(short_sha="0123abc")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "compose-shop", path)
    return path


def run(path, **kwargs):
    request = GenerateRequest(path=path, **kwargs)
    return generate(request, environ={}, git=GIT, stop_at=path)


def test_generate_writes_every_file_under_k8s_by_default(app):
    outcome = run(app)
    assert outcome.output_dir == (app / "k8s").resolve()
    assert set(outcome.written) == {outcome.target(f) for f in outcome.files}
    assert all(
        outcome.target(f).parent.is_relative_to(outcome.output_dir)
        for f in outcome.files
        if f.root is FileRoot.OUTPUT
    )
    kustomization = yaml.safe_load((app / "k8s" / "kustomization.yaml").read_text())
    assert "api/deployment.yaml" in kustomization["resources"]
    assert not list(app.glob(".k8s.*")), "the staging directory is removed"


def test_existing_files_are_never_overwritten_without_force(app):
    run(app)
    deployment = app / "k8s" / "api" / "deployment.yaml"
    deployment.write_text("# mine\n")
    with pytest.raises(OutputError, match=r"already exists.*--force"):
        run(app)
    assert deployment.read_text() == "# mine\n"
    run(app, force=True)
    assert deployment.read_text().startswith("apiVersion: apps/v1")


def test_a_dry_run_writes_nothing_and_returns_the_stream(app):
    outcome = run(app, dry_run=True)
    assert not (app / "k8s").exists()
    assert outcome.written == ()
    documents = list(yaml.safe_load_all(outcome.stream))
    assert {d["kind"] for d in documents} >= {"Deployment", "StatefulSet", "Service"}
    assert all(d["kind"] != "Secret" for d in documents)


def test_secret_values_from_dot_env_never_reach_the_output(app):
    outcome = run(app, dry_run=True)
    assert "changeme" not in outcome.stream
    assert not any("changeme" in f.text for f in outcome.files)


def test_flags_override_settings_and_the_namespace_reaches_every_object(app):
    (app / ".dorgu.yaml").write_text("namespace: from-file\nimage:\n  registry: ghcr.io/acme\n")
    outcome = run(app, dry_run=True, flags={"namespace": "shop", "image.tag": "1.2.3"})
    documents = list(yaml.safe_load_all(outcome.stream))
    assert {d["metadata"]["namespace"] for d in documents} == {"shop"}
    images = {
        c["image"]
        for d in documents
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"ghcr.io/acme/shop/api:1.2.3", "ghcr.io/acme/shop/worker:1.2.3"}


def test_a_dependency_marked_external_is_not_generated(app):
    (app / ".dorgu.yaml").write_text(
        "dependencies:\n  - name: postgres\n    type: database\n    external: true\n"
    )
    outcome = run(app, dry_run=True)
    assert all(r.component != "postgres" for r in outcome.result.resources)


def test_output_outside_the_project_is_refused(app, tmp_path):
    with pytest.raises(OutputError, match="outside the project"):
        resolve_output(app, tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="project root"):
        resolve_output(app, Path("."))
    assert resolve_output(app, Path("deploy/k8s")) == (app / "deploy" / "k8s").resolve()


def test_a_failed_write_leaves_nothing_behind(app, monkeypatch):
    import dorgu.services.writing as module

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module.os, "replace", broken)
    with pytest.raises(OutputError, match="No space left"):
        run(app)
    assert not (app / "k8s").exists()
    assert not [p for p in app.iterdir() if p.name.startswith(".k8s")]


def test_mounted_files_are_copied_only_when_they_do_not_look_secret(app):
    from dorgu.models.app import Component, Volume, VolumeKind

    (app / "db" / "server.key").write_text("-----BEGIN PRIVATE KEY-----\nabc\n")
    component = Component(
        name="db",
        volumes=(
            Volume(target="/a", kind=VolumeKind.BIND, source="db/init.sql"),
            Volume(target="/b", kind=VolumeKind.BIND, source="db/server.key"),
            Volume(target="/c", kind=VolumeKind.BIND, source="db"),
            Volume(target="/d", kind=VolumeKind.BIND, source="../outside.txt"),
        ),
    )
    files = {f.source: f for f in read_mounted_files(component, root=app)}
    assert files["db/init.sql"].text is not None and not files["db/init.sql"].secret
    assert files["db/server.key"].text is None and files["db/server.key"].secret
    assert "db" not in files
    assert files["../outside.txt"].text is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_info_reads_the_tag_sha_and_branch(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    assert read_git_info(tmp_path) == GitInfo()
    git("init", "-q", "-b", "trunk")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x")
    info = read_git_info(tmp_path)
    assert info.branch == "trunk" and info.short_sha and info.tag is None
    git("tag", "v1.0.0")
    assert read_git_info(tmp_path).tag == "v1.0.0"


def test_output_failing_an_error_rule_is_never_written(app):
    with pytest.raises(OutputError, match=r"fail rule reliability\.image-tag.*nothing was written"):
        run(app, flags={"image.tag": "latest"})
    assert not (app / "k8s").exists()
    outcome = run(app, flags={"image.tag": "latest"}, dry_run=True)  # shown, not written
    assert ":latest" in outcome.stream
