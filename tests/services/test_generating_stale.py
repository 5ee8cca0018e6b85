"""Stale files: what an earlier `dorgu generate` wrote into the output directory and this run no
longer produces.  Removed only with --force, only when dorgu wrote them and nobody changed them,
never through a symbolic link; shown as deleted by --diff; reported otherwise."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from dorgu.errors import OutputError
from dorgu.generation import GenerationOptions, GitInfo
from dorgu.services.generating import GenerateRequest, generate
from dorgu.services.pruning import RECORD_NAME, file_digest, parse_record
from tests.services.faults import fail_replacing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GIT = GitInfo(short_sha="0123abc")
NO_EXTRAS = GenerationOptions(argocd=False, ci=frozenset())
WITH_INGRESS = replace(NO_EXTRAS, host="api.example.com")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def api(isolated):
    path = isolated / "api"
    shutil.copytree(EXAMPLES / "python-fastapi", path)
    return path


@pytest.fixture
def shop(isolated):
    path = isolated / "shop"
    shutil.copytree(EXAMPLES / "compose-shop", path)
    return path


def run(path, *, ingress=False, **kwargs):
    options = WITH_INGRESS if ingress else NO_EXTRAS
    flags = {"ingress.enabled": True} if ingress else {}
    request = GenerateRequest(path=path, options=options, flags=flags, **kwargs)
    return generate(request, environ={}, git=GIT, stop_at=path)


def record(out: Path) -> dict[str, str]:
    entries, bad = parse_record((out / RECORD_NAME).read_text())
    assert bad == ()
    return entries


def without_postgres(shop: Path) -> None:
    (shop / ".dorgu.yaml").write_text(
        "dependencies:\n  - name: postgres\n    type: database\n    external: true\n"
    )


def test_the_record_lists_every_output_file_with_its_digest(api):
    outcome = run(api, ingress=True)
    out = api / "k8s"
    entries = record(out)
    assert sorted(entries) == sorted(f.path for f in outcome.files)
    for file in outcome.files:
        assert entries[file.path] == file_digest((out / file.path).read_bytes())
    assert out / RECORD_NAME not in outcome.written  # bookkeeping, not a generated manifest
    assert outcome.stale == () and outcome.removed == ()


def test_force_removes_a_stale_generated_file(api):
    run(api, ingress=True)
    ingress = api / "k8s" / "ingress.yaml"
    assert ingress.is_file()
    outcome = run(api, force=True)
    assert not ingress.exists()
    assert outcome.removed == (ingress.resolve(),)
    assert [s.path for s in outcome.stale] == ["ingress.yaml"]
    kustomization = yaml.safe_load((api / "k8s" / "kustomization.yaml").read_text())
    assert "ingress.yaml" not in kustomization["resources"]
    assert "ingress.yaml" not in record(api / "k8s")
    assert not [p for p in api.iterdir() if p.name.startswith(".k8s")], "staging removed"


def test_force_removes_a_dropped_component_and_its_emptied_directory(shop):
    run(shop)
    assert (shop / "k8s" / "postgres" / "statefulset.yaml").is_file()
    without_postgres(shop)
    outcome = run(shop, force=True)
    assert not (shop / "k8s" / "postgres").exists()
    assert [p.name for p in outcome.removed] == sorted(p.name for p in outcome.removed)
    assert all(p.parent.name == "postgres" for p in outcome.removed) and outcome.removed
    assert not any(path.startswith("postgres/") for path in record(shop / "k8s"))


def test_user_files_in_the_output_dir_are_never_removed(shop):
    run(shop)
    out = shop / "k8s"
    mine = out / "mine.yaml"
    mine.write_text("# my own overlay\n")
    notes = out / "postgres" / "NOTES.md"
    notes.write_text("# how we run postgres\n")
    without_postgres(shop)
    outcome = run(shop, force=True)
    assert mine.read_text() == "# my own overlay\n"
    assert notes.read_text() == "# how we run postgres\n"
    assert not (out / "postgres" / "statefulset.yaml").exists()
    assert (out / "postgres").is_dir(), "a directory still holding a user file stays"
    assert all(p.name != "NOTES.md" for p in outcome.removed)
    assert "mine.yaml" not in record(out) and "postgres/NOTES.md" not in record(out)


def test_a_stale_file_the_user_changed_is_kept_reported_and_forgotten(api):
    run(api, ingress=True)
    ingress = api / "k8s" / "ingress.yaml"
    ingress.write_text(ingress.read_text() + "# tuned by hand\n")
    outcome = run(api, force=True)
    assert ingress.read_text().endswith("# tuned by hand\n")
    assert outcome.removed == ()
    [stale] = outcome.stale
    assert stale.path == "ingress.yaml" and not stale.removable
    assert stale.kept_because == "changed since dorgu wrote it"
    assert "ingress.yaml" not in record(api / "k8s"), "the user owns it now"
    assert run(api, force=True).stale == ()


def test_a_stale_file_is_reported_but_kept_without_force(api):
    run(api, ingress=True)
    out = api / "k8s"
    with pytest.raises(OutputError, match=r"already exists.*--force.*remove 1 stale file"):
        run(api)
    assert (out / "ingress.yaml").is_file()
    # the generated files are cleaned by hand, the stale one forgotten: the write goes through
    for path in out.iterdir():
        if path.is_dir():
            shutil.rmtree(path)  # monitoring/
        elif path.name not in ("ingress.yaml", RECORD_NAME):
            path.unlink()
    outcome = run(api)
    assert (out / "ingress.yaml").is_file()
    assert outcome.removed == ()
    assert [(s.path, s.removable) for s in outcome.stale] == [("ingress.yaml", True)]
    assert "ingress.yaml" in record(out), "still recorded, so --force can remove it later"
    assert run(api, force=True).removed == ((out / "ingress.yaml").resolve(),)
    assert not (out / "ingress.yaml").exists()


def test_diff_shows_a_stale_file_as_deleted_and_writes_nothing(api):
    run(api, ingress=True)
    ingress = api / "k8s" / "ingress.yaml"
    text = ingress.read_text()
    before = (api / "k8s" / RECORD_NAME).read_bytes()
    outcome = run(api, diff=True)
    count = len(text.splitlines())
    deleted = f"--- a/k8s/ingress.yaml\n+++ /dev/null\n@@ -1,{count} +0,0 @@\n"
    assert deleted + "".join(f"-{line}\n" for line in text.splitlines()) in outcome.diff
    assert outcome.diff.index("+++ b/k8s/kustomization.yaml") < outcome.diff.index(deleted)
    assert ingress.read_text() == text
    assert (api / "k8s" / RECORD_NAME).read_bytes() == before
    assert RECORD_NAME not in outcome.diff


def test_diff_lists_deletions_sorted_and_deterministically(shop):
    run(shop)
    without_postgres(shop)
    first = run(shop, diff=True).diff
    assert first == run(shop, diff=True).diff
    deleted = [
        line.removeprefix("--- a/")
        for line, following in zip(first.splitlines(), first.splitlines()[1:], strict=False)
        if following == "+++ /dev/null"
    ]
    assert deleted and deleted == sorted(deleted)
    assert all(path.startswith("k8s/postgres/") for path in deleted)
    assert (shop / "k8s" / "postgres" / "statefulset.yaml").is_file()


def test_diff_does_not_delete_a_stale_file_the_user_changed(api):
    run(api, ingress=True)
    ingress = api / "k8s" / "ingress.yaml"
    ingress.write_text("# mine now\n")
    outcome = run(api, diff=True)
    assert "+++ /dev/null" not in outcome.diff
    assert [s.kept_because for s in outcome.stale] == ["changed since dorgu wrote it"]


def test_a_symlink_in_the_output_dir_is_neither_followed_nor_removed(api, isolated):
    run(api, ingress=True)
    out = api / "k8s"
    ingress = out / "ingress.yaml"
    outside = isolated / "outside.yaml"
    outside.write_bytes(ingress.read_bytes())  # same digest: only following the link matches
    ingress.unlink()
    ingress.symlink_to(outside)
    (out / "user-link.yaml").symlink_to(outside)
    diff = run(api, diff=True)
    assert "+++ /dev/null" not in diff.diff
    outcome = run(api, force=True)
    assert ingress.is_symlink() and (out / "user-link.yaml").is_symlink()
    assert outside.read_bytes().startswith(b"apiVersion: networking.k8s.io/v1")
    assert outcome.removed == ()
    assert [s.kept_because for s in outcome.stale] == ["a symbolic link now"]


def test_a_recorded_directory_replaced_by_a_symlink_is_not_entered(shop, isolated):
    run(shop)
    out = shop / "k8s"
    elsewhere = isolated / "elsewhere"
    shutil.copytree(out / "postgres", elsewhere)  # the recorded digests match in there
    shutil.rmtree(out / "postgres")
    (out / "postgres").symlink_to(elsewhere, target_is_directory=True)
    without_postgres(shop)
    assert "+++ /dev/null" not in run(shop, diff=True).diff
    outcome = run(shop, force=True)
    assert outcome.removed == ()
    assert {s.kept_because for s in outcome.stale} == {"reached through a symbolic link"}
    assert (elsewhere / "statefulset.yaml").is_file()
    assert (out / "postgres").is_symlink()


def test_a_record_naming_paths_outside_the_output_dir_is_ignored(api):
    run(api, ingress=True)
    out = api / "k8s"
    victim = api / "notes.txt"
    victim.write_text("keep me\n")
    digest = file_digest(victim.read_bytes())
    with (out / RECORD_NAME).open("a") as handle:
        handle.write(f"{digest}  ../notes.txt\n{digest}  {victim}\nnot a line\n")
    outcome = run(api, force=True)
    assert victim.read_text() == "keep me\n"
    assert all(p.name != "notes.txt" for p in outcome.removed)
    ignored = [w for w in outcome.warnings if RECORD_NAME in w and "ignored" in w]
    assert len(ignored) == 3
    assert "../notes.txt" not in (out / RECORD_NAME).read_text()


def test_files_without_a_record_are_never_removed(api):
    run(api, ingress=True)
    (api / "k8s" / RECORD_NAME).unlink()  # output of a dorgu version before the record
    outcome = run(api, force=True)
    assert (api / "k8s" / "ingress.yaml").is_file()
    assert outcome.stale == () and outcome.removed == ()
    assert "ingress.yaml" not in record(api / "k8s")


def test_a_failed_forced_write_puts_removed_stale_files_back(api, monkeypatch):
    run(api, ingress=True)
    out = api / "k8s"
    ingress = (out / "ingress.yaml").read_bytes()
    before = (out / RECORD_NAME).read_bytes()
    fail_replacing(monkeypatch, "kustomization.yaml")
    with pytest.raises(OutputError, match="Input/output error"):
        run(api, force=True)
    assert (out / "ingress.yaml").read_bytes() == ingress
    assert (out / RECORD_NAME).read_bytes() == before
    assert not [p for p in api.iterdir() if p.name.startswith(".k8s")]


def test_the_record_is_the_same_bytes_for_the_same_input(isolated):
    texts = []
    for name in ("one", "two"):
        path = isolated / name / "api"
        shutil.copytree(EXAMPLES / "python-fastapi", path)
        run(path, ingress=True)
        texts.append((path / "k8s" / RECORD_NAME).read_text())
    assert texts[0] == texts[1]
    paths = [line.split("  ", 1)[1] for line in texts[0].splitlines() if not line.startswith("#")]
    assert paths == sorted(paths)
