import pytest

from dorgu.services.pruning import (
    RECORD_HEADER,
    RECORD_NAME,
    file_digest,
    find_stale,
    inspect_recorded,
    is_recordable,
    parse_record,
    render_record,
)

DIGEST = "a" * 64


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("deployment.yaml", True),
        ("api/deployment.yaml", True),
        ("", False),
        ("/etc/passwd", False),
        ("../outside.yaml", False),
        ("api/../../x.yaml", False),
        ("./deployment.yaml", False),
        ("api//deployment.yaml", False),
        ("api/", False),
        ("api\\deployment.yaml", False),
        (RECORD_NAME, False),
    ],
)
def test_only_plain_paths_below_the_output_directory_are_recordable(path, ok):
    assert is_recordable(path) is ok


def test_the_record_is_sorted_and_round_trips():
    text = render_record({"b.yaml": DIGEST, "a/c.yaml": "b" * 64, "../x": DIGEST})
    assert text.startswith(RECORD_HEADER)
    assert text.removeprefix(RECORD_HEADER) == f"{'b' * 64}  a/c.yaml\n{DIGEST}  b.yaml\n"
    assert parse_record(text) == ({"a/c.yaml": "b" * 64, "b.yaml": DIGEST}, ())


def test_bad_record_lines_are_ignored_with_their_numbers():
    text = f"# header\n{DIGEST}  ok.yaml\n{DIGEST} one-space.yaml\nxyz  a.yaml\n{DIGEST}  ../up\n"
    assert parse_record(text) == ({"ok.yaml": DIGEST}, (3, 4, 5))


def test_only_unchanged_regular_files_are_removable(tmp_path):
    (tmp_path / "same.yaml").write_text("kind: A\n")
    (tmp_path / "changed.yaml").write_text("kind: B\n")
    (tmp_path / "dir.yaml").mkdir()
    same = inspect_recorded(tmp_path, "same.yaml", file_digest(b"kind: A\n"))
    assert same is not None and same.removable and same.text == "kind: A\n"
    changed = inspect_recorded(tmp_path, "changed.yaml", file_digest(b"kind: A\n"))
    assert changed is not None and changed.kept_because == "changed since dorgu wrote it"
    directory = inspect_recorded(tmp_path, "dir.yaml", DIGEST)
    assert directory is not None and directory.kept_because == "not a regular file now"
    assert inspect_recorded(tmp_path, "gone.yaml", DIGEST) is None
    assert inspect_recorded(tmp_path, "same.yaml/below.yaml", DIGEST) is None


def test_find_stale_skips_produced_and_missing_files(tmp_path):
    (tmp_path / "old.yaml").write_text("old\n")
    (tmp_path / "kept.yaml").write_text("kept\n")
    (tmp_path / RECORD_NAME).write_text(
        render_record(
            {
                "old.yaml": file_digest(b"old\n"),
                "kept.yaml": file_digest(b"kept\n"),
                "gone.yaml": DIGEST,
            }
        )
    )
    report = find_stale(tmp_path, ["kept.yaml"])
    assert [s.path for s in report.files] == ["old.yaml"] and report.warnings == ()


def test_a_record_that_is_a_symlink_is_not_read(tmp_path):
    real = tmp_path / "real"
    real.write_text(render_record({"x.yaml": DIGEST}))
    out = tmp_path / "out"
    out.mkdir()
    (out / RECORD_NAME).symlink_to(real)
    report = find_stale(out, [])
    assert report.files == ()
    assert len(report.warnings) == 1 and "not a regular file" in report.warnings[0]
