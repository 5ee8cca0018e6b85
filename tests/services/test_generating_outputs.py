"""Output behaviour of `dorgu generate` in a real git repository: the Argo CD Application's
source, CI files at the repository root, --diff, --format yaml, never overwriting, atomic writes."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dorgu.errors import OutputError
from dorgu.generation import CiProvider, FileRoot, GenerationOptions, OutputFormat
from dorgu.services.generating import GenerateRequest, generate, read_git_info
from tests.services.faults import fail_replacing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORKFLOW = ".github/workflows/dorgu-shop.yaml"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A monorepo with the python-fastapi example in apps/shop, on branch `trunk`, and an
    origin remote whose URL carries credentials."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "mono"
    shutil.copytree(EXAMPLES / "python-fastapi", root / "apps" / "shop")
    git(root, "init", "-q", "-b", "trunk")
    git(root, "remote", "add", "origin", "https://deploy-bot:ghp_s3cr3t@github.com/acme/mono.git")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init")
    return root


def run(app: Path, **kwargs: object):
    options = kwargs.pop("options", GenerationOptions())
    request = GenerateRequest(path=app, options=options, **kwargs)  # type: ignore[arg-type]
    return generate(request, environ={}, stop_at=app)


def application(out: Path) -> dict:
    loaded = yaml.safe_load((out / "argocd-application.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_git_facts_come_from_the_real_repository(repo):
    info = read_git_info(repo / "apps" / "shop")
    assert info.branch == "trunk"
    assert info.remote == "https://github.com/acme/mono.git"
    assert info.short_sha == git(repo, "rev-parse", "--short", "HEAD")


def test_the_application_points_at_the_real_output_path_without_credentials(repo):
    app = repo / "apps" / "shop"
    outcome = run(app, flags={"namespace": "shop"})
    source = application(app / "k8s")["spec"]["source"]
    assert source == {
        "repoURL": "https://github.com/acme/mono.git",
        "targetRevision": "trunk",
        "path": "apps/shop/k8s",
    }
    assert not any("ghp_s3cr3t" in f.text or "deploy-bot" in f.text for f in outcome.files)
    kustomization = yaml.safe_load((app / "k8s" / "kustomization.yaml").read_text())
    assert "argocd-application.yaml" not in kustomization["resources"]


def test_a_custom_output_directory_is_the_application_path(repo):
    app = repo / "apps" / "shop"
    run(app, output=Path("deploy/k8s"))
    assert application(app / "deploy" / "k8s")["spec"]["source"]["path"] == "apps/shop/deploy/k8s"


def test_an_scp_remote_becomes_https_and_the_setting_wins(repo):
    git(repo, "remote", "set-url", "origin", "git@github.com:acme/mono.git")
    app = repo / "apps" / "shop"
    run(app)
    assert application(app / "k8s")["spec"]["source"]["repoURL"] == (
        "https://github.com/acme/mono.git"
    )
    (app / ".dorgu.yaml").write_text(
        "app:\n  repository: https://user:pw@git.example.com/acme/mono.git\n"
    )
    outcome = run(app, force=True)
    assert application(app / "k8s")["spec"]["source"]["repoURL"] == (
        "https://git.example.com/acme/mono.git"
    )
    assert not any("user:pw" in f.text for f in outcome.files)
    assert "generate.repository-credentials" in {d.code for d in outcome.diagnostics}


def test_a_detached_head_tracks_head_with_a_warning(repo):
    git(repo, "checkout", "-q", "--detach")
    outcome = run(repo / "apps" / "shop", dry_run=True)
    app_file = next(f for f in outcome.files if f.path == "argocd-application.yaml")
    assert yaml.safe_load(app_file.text)["spec"]["source"]["targetRevision"] == "HEAD"
    assert "generate.argocd-no-branch" in {d.code for d in outcome.diagnostics}


def test_the_workflow_is_written_at_the_repository_root(repo):
    app = repo / "apps" / "shop"
    outcome = run(app)
    workflow = repo / WORKFLOW
    assert workflow in outcome.written
    assert not (app / "k8s" / ".github").exists()
    flow = yaml.safe_load(workflow.read_text())
    include = flow["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert [(i["context"], i["dockerfile"]) for i in include] == [
        ("apps/shop", "apps/shop/Dockerfile")
    ]
    assert flow["on"]["push"]["branches"] == ["trunk"]
    assert flow["on"]["pull_request"]["paths"][0] == "apps/shop/**"
    assert 'dorgu validate "apps/shop/k8s"' in {
        s.get("run") for s in flow["jobs"]["validate"]["steps"]
    }


def test_skip_flags_turn_the_argocd_application_and_ci_off(repo):
    app = repo / "apps" / "shop"
    options = GenerationOptions(argocd=False, ci=frozenset(), persona=False)
    outcome = run(app, options=options)
    names = {f.path for f in outcome.files}
    assert "argocd-application.yaml" not in names and "applicationpersona.yaml" not in names
    assert not (repo / ".github").exists()


def test_gitlab_ci_is_written_on_request(repo):
    options = GenerationOptions(ci=frozenset({CiProvider.GITLAB}))
    run(repo / "apps" / "shop", options=options)
    assert (repo / ".gitlab" / "ci" / "dorgu-shop.gitlab-ci.yml").is_file()
    assert not (repo / ".github").exists()


def test_an_existing_workflow_is_never_overwritten_without_force(repo):
    app = repo / "apps" / "shop"
    workflow = repo / WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text("# mine\n")
    with pytest.raises(OutputError, match=r"dorgu-shop\.yaml: already exists"):
        run(app)
    assert workflow.read_text() == "# mine\n"
    assert not (app / "k8s").exists(), "nothing is written when one file conflicts"
    run(app, force=True)
    assert workflow.read_text().startswith("# Generated by dorgu")


def test_diff_shows_new_and_changed_files_and_writes_nothing(repo):
    app = repo / "apps" / "shop"
    first = run(app, diff=True)
    assert first.written == () and not (app / "k8s").exists() and not (repo / ".github").exists()
    assert "--- /dev/null\n+++ b/apps/shop/k8s/deployment.yaml\n" in first.diff
    assert f"+++ b/{WORKFLOW}\n" in first.diff
    run(app)
    assert run(app, diff=True).diff == ""
    deployment = app / "k8s" / "deployment.yaml"
    deployment.write_text(
        deployment.read_text().replace("runAsNonRoot: true", "runAsNonRoot: false")
    )
    before = deployment.read_text()
    changed = run(app, diff=True).diff
    assert changed.startswith(
        "--- a/apps/shop/k8s/deployment.yaml\n+++ b/apps/shop/k8s/deployment.yaml\n"
    )
    assert "\n-        runAsNonRoot: false\n+        runAsNonRoot: true\n" in changed
    assert deployment.read_text() == before


def test_format_yaml_writes_plain_files_without_a_kustomization(repo):
    app = repo / "apps" / "shop"
    outcome = run(app, options=GenerationOptions(output_format=OutputFormat.YAML))
    assert not (app / "k8s" / "kustomization.yaml").exists()
    assert (app / "k8s" / "deployment.yaml").is_file()
    source = application(app / "k8s")["spec"]["source"]
    assert "argocd-application.yaml" in source["directory"]["exclude"]
    workflow = (repo / WORKFLOW).read_text()
    assert "kustomize edit" not in workflow and "sed -i -E" in workflow
    assert all(f.path != "kustomization.yaml" for f in outcome.files)


def test_the_dry_run_stream_has_the_persona_but_not_the_application(repo):
    outcome = run(repo / "apps" / "shop", dry_run=True)
    kinds = [d["kind"] for d in yaml.safe_load_all(outcome.stream) if d]
    assert kinds[-1] == "ApplicationPersona"
    assert "Application" not in kinds and "Secret" not in kinds


def test_a_failed_write_is_undone_everywhere(repo, monkeypatch):
    app = repo / "apps" / "shop"
    fail_replacing(monkeypatch, "dorgu-shop.yaml", errno=28, message="No space left on device")
    with pytest.raises(OutputError, match="No space left"):
        run(app)
    assert not (app / "k8s").exists()
    assert not (repo / ".github").exists()
    assert not [p for p in app.iterdir() if p.name.startswith(".k8s")]


def test_a_failed_forced_write_restores_the_previous_files(repo, monkeypatch):
    app = repo / "apps" / "shop"
    run(app)
    deployment = app / "k8s" / "deployment.yaml"
    deployment.write_text("# mine\n")
    (repo / WORKFLOW).write_text("# my workflow\n")
    fail_replacing(monkeypatch, "dorgu-shop.yaml")
    with pytest.raises(OutputError, match="Input/output error"):
        run(app, force=True)
    assert deployment.read_text() == "# mine\n"
    assert (repo / WORKFLOW).read_text() == "# my workflow\n"


def test_written_files_are_readable_and_end_with_a_newline(repo):
    outcome = run(repo / "apps" / "shop")
    for path in outcome.written:
        assert path.stat().st_mode & 0o777 == 0o644
        assert path.read_text().endswith("\n")
    assert {f.root for f in outcome.files} == {FileRoot.OUTPUT, FileRoot.REPOSITORY}
