"""Generated CI files judged by the tools their platforms' users run.

- GitHub workflows: actionlint (``github.com/rhysd/actionlint``, built into the testbed cache
  by ``dorgu dev build``, else from PATH; missing: fails in CI, skipped elsewhere) finds
  nothing, for every example and every kind of registry the workflow logs in to.
- GitLab CI files: valid against GitLab's own CI schema (vendored in ``schemas/gitlab-ci.json``,
  see ``schemas/SOURCE.md``), checked with the jsonschema library.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from dorgu.generation import CiProvider, FileRoot, GenerationOptions, GitInfo
from dorgu.services.generating import GenerateRequest, generate
from tests.judges import actionlint

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
SCHEMA = Path(__file__).resolve().parent / "schemas" / "gitlab-ci.json"
GIT = GitInfo(short_sha="0123abc", branch="main", default_branch="main")
REGISTRIES = (
    None,  # the default (GHCR from the remote, or a placeholder)
    "ghcr.io/acme",
    "docker.io/acme",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme",
    "europe-west1-docker.pkg.dev/acme-prod/images",
    "registry.gitlab.com/acme/shop",
    "registry.example.com/acme",
)
BOTH = frozenset({CiProvider.GITHUB, CiProvider.GITLAB})


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _ci_files(example: Path, registry: str | None) -> dict[str, str]:
    flags = {"image.registry": registry} if registry else {}
    request = GenerateRequest(
        path=example, dry_run=True, flags=flags, options=GenerationOptions(git=GIT, ci=BOTH)
    )
    outcome = generate(request, environ={}, git=GIT, stop_at=example, repository_root=ROOT)
    return {f.path: f.text for f in outcome.files if f.root is FileRoot.REPOSITORY}


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _cases() -> list[tuple[Path, str | None]]:
    """Every example with the default registry; every registry on two shapes of app."""
    cases: list[tuple[Path, str | None]] = [(example, None) for example in EXAMPLES]
    shapes = [e for e in EXAMPLES if e.name in ("compose-shop", "python-fastapi")]
    cases += [(example, r) for example in shapes for r in REGISTRIES if r is not None]
    return cases


CASES = _cases()
IDS = [f"{example.name}-{registry or 'default'}" for example, registry in CASES]


@pytest.mark.parametrize(("example", "registry"), CASES, ids=IDS)
def test_github_workflows_pass_actionlint(
    example: Path, registry: str | None, tmp_path: Path
) -> None:
    files = _ci_files(example, registry)
    workflows = {p: t for p, t in files.items() if p.startswith(".github/workflows/")}
    assert workflows, f"no workflow generated for {example.name}"
    for path, text in workflows.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")

    done = actionlint([tmp_path / p for p in workflows], cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("example", "registry"), CASES, ids=IDS)
def test_gitlab_ci_files_match_gitlabs_schema(example: Path, registry: str | None) -> None:
    files = _ci_files(example, registry)
    gitlab = {p: t for p, t in files.items() if p.endswith(".gitlab-ci.yml")}
    assert gitlab, f"no GitLab CI file generated for {example.name}"
    for path, text in gitlab.items():
        errors = sorted(_validator().iter_errors(yaml.safe_load(text)), key=str)
        assert errors == [], f"{path}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
        )


def test_the_gitlab_schema_rejects_a_broken_job() -> None:
    """The judge can fail: an unknown job keyword and a wrong ``when`` are errors."""
    broken = {"build": {"script": ["make"], "when": "sometimes", "scritp": ["x"]}}
    assert list(_validator().iter_errors(broken))


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The judge can fail: an unknown runner label and a bad expression are reported."""
    flow = tmp_path / ".github" / "workflows" / "broken.yaml"
    flow.parent.mkdir(parents=True)
    flow.write_text(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nosuchthing }}\n"
    )
    done = actionlint([flow], cwd=tmp_path)
    assert done.returncode == 1 and "nosuchthing" in done.stdout
