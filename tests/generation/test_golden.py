"""Golden manifests of every example app.

Refresh after an intended change with:
    DORGU_UPDATE_GOLDEN=1 python -m pytest tests/generation/test_golden.py
then review the diff of tests/generation/golden/ (one directory per example, laid out exactly
as ``dorgu generate`` writes it, plus ``diagnostics.txt``).

Generation runs with a fixed git state (short sha ``0123abc``, branch ``main``, a fixed remote),
the repository root fixed to this checkout, no ``DORGU_*`` environment and no workspace or
global files, so the goldens do not depend on the machine.  Files written at the repository
root (CI) are stored under ``_repository/``.
"""

import os
import shutil
from pathlib import Path

import pytest

from dorgu.generation import FileRoot, GitInfo
from dorgu.services.generating import GenerateRequest, diagnostic_line, generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
GOLDEN = Path(__file__).resolve().parent / "golden"
GIT = GitInfo(
    short_sha="0123abc",
    branch="main",
    default_branch="main",
    remote="https://github.com/dorgu-dev/dorgu.git",
)
REPOSITORY_PREFIX = "_repository/"


def _find_kubectl() -> Path | None:
    from dorgu.devcluster import building, locations
    from dorgu.errors import DorguError

    try:
        found = building.find_binaries(env=locations.current_env())
    except DorguError:
        return None
    return found.path("kubectl") if found is not None else None


_KUBECTL = _find_kubectl()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _render(example: Path) -> dict[str, str]:
    request = GenerateRequest(path=example, dry_run=True)
    outcome = generate(request, environ={}, git=GIT, stop_at=example, repository_root=ROOT)
    files = {
        (f.path if f.root is FileRoot.OUTPUT else REPOSITORY_PREFIX + f.path): f.text
        for f in outcome.files
    }
    lines = [diagnostic_line(d, root=f"examples/{example.name}") for d in outcome.diagnostics]
    files["diagnostics.txt"] = "".join(f"{line}\n" for line in lines)
    return files


def _read(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_every_example_has_golden_manifests():
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        return
    missing = [e.name for e in EXAMPLES if not (GOLDEN / e.name).is_dir()]
    assert not missing, f"no golden manifests for {missing}; run with DORGU_UPDATE_GOLDEN=1"
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_manifests_match_golden(example):
    actual = _render(example)
    target = GOLDEN / example.name
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        shutil.rmtree(target, ignore_errors=True)
        for path, text in actual.items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_text(text, encoding="utf-8")
    assert target.is_dir(), f"missing {target}; run with DORGU_UPDATE_GOLDEN=1"
    golden = _read(target)
    assert sorted(actual) == sorted(golden), f"files of {example.name} changed"
    for path, text in actual.items():
        assert text == golden[path], f"{example.name}/{path} changed; review and refresh"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_manifests_are_deterministic(example):
    assert _render(example) == _render(example)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_kustomization_builds_with_kubectl(example, tmp_path):
    import subprocess

    if _KUBECTL is None:  # the testbed's kubectl, found before HOME is patched
        message = "kubectl is not in the testbed cache (run scripts/build-testbed)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    kubectl = str(_KUBECTL)

    for path, text in _render(example).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "REPLACE_ME" not in done.stdout
