import os

import pytest

from dorgu.errors import InputError, UnsafePathError
from dorgu.services import scanning
from dorgu.services.scanning import ScanLimits, ensure_inside, scan_tree


def _write(root, rel, data=b"x"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def _all(_: str) -> bool:
    return True


def test_pruned_directories_and_virtualenvs_are_skipped(tmp_path):
    _write(tmp_path, "app.py", "print(1)")
    _write(tmp_path, "node_modules/x/index.js")
    _write(tmp_path, ".git/config")
    _write(tmp_path, "env/pyvenv.cfg")
    _write(tmp_path, "env/lib/site.py")
    _write(tmp_path, "target/classes/A.class")
    result = scan_tree(tmp_path, wants=_all)
    assert result.tree.paths == ("app.py",)


def test_nested_gitignore_and_negation_are_honoured(tmp_path):
    _write(tmp_path, ".gitignore", "*.log\n!keep.log\n/generated/\n")
    _write(tmp_path, "a.log")
    _write(tmp_path, "keep.log")
    _write(tmp_path, "generated/out.py")
    _write(tmp_path, "sub/.gitignore", "secret.txt\n")
    _write(tmp_path, "sub/secret.txt")
    _write(tmp_path, "sub/ok.txt")
    _write(tmp_path, "other/secret.txt")
    paths = scan_tree(tmp_path, wants=_all).tree.paths
    assert paths == (".gitignore", "keep.log", "other/secret.txt", "sub/.gitignore", "sub/ok.txt")


def test_dockerignore_never_hides_the_dockerfile(tmp_path):
    _write(tmp_path, ".dockerignore", "*\n!src\n**/*.md\n")
    _write(tmp_path, "Dockerfile", "FROM scratch\n")
    _write(tmp_path, "README.md")
    _write(tmp_path, "src/main.go")
    paths = scan_tree(tmp_path, wants=_all).tree.paths
    assert "Dockerfile" in paths
    assert "src/main.go" in paths
    assert "README.md" not in paths


def test_dockerignore_star_does_not_cross_directories(tmp_path):
    _write(tmp_path, ".dockerignore", "*.pyc\nlogs\n")
    _write(tmp_path, "a.pyc")
    _write(tmp_path, "pkg/b.pyc")
    _write(tmp_path, "logs/x.txt")
    _write(tmp_path, "pkg/logs/y.txt")
    paths = scan_tree(tmp_path, wants=_all).tree.paths
    assert "a.pyc" not in paths and "logs/x.txt" not in paths
    assert "pkg/b.pyc" in paths and "pkg/logs/y.txt" in paths


def test_symlinks_leaving_the_tree_are_not_read(tmp_path):
    outside = tmp_path / "outside"
    _write(outside, "passwd", "root:x:0:0")
    root = tmp_path / "app"
    _write(root, "main.py", "x = 1")
    os.symlink(outside / "passwd", root / "leak.txt")
    os.symlink(outside, root / "linkdir")
    result = scan_tree(root, wants=_all)
    assert result.tree.paths == ("main.py",)
    assert "leak.txt" not in result.tree.texts
    assert any(d.code == "scan.symlink-escape" for d in result.diagnostics)


def test_binary_non_utf8_and_big_files_are_listed_but_not_loaded(tmp_path):
    _write(tmp_path, "bin.dat", b"\x00\x01\x02")
    _write(tmp_path, "latin1.py", b"name = '\xe9'\n")
    _write(tmp_path, "big.py", "x" * 2000)
    _write(tmp_path, "ok.py", "ok")
    result = scan_tree(tmp_path, wants=_all, limits=ScanLimits(max_file_bytes=1000))
    assert set(result.tree.paths) == {"bin.dat", "latin1.py", "big.py", "ok.py"}
    assert set(result.tree.texts) == {"ok.py"}
    codes = {d.code for d in result.diagnostics}
    assert {"scan.not-text", "scan.too-big"} <= codes
    latin = next(d for d in result.diagnostics if d.location and d.location.file == "latin1.py")
    assert "UTF-8" in latin.message


def test_unreadable_files_become_diagnostics(tmp_path, monkeypatch):
    _write(tmp_path, "locked.py", "x")
    _write(tmp_path, "ok.py", "y")
    real_open = open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(scanning, "open", failing_open, raising=False)
    result = scan_tree(tmp_path, wants=_all)
    assert dict(result.tree.texts) == {"ok.py": "y"}
    problem = next(d for d in result.diagnostics if d.code == "scan.unreadable")
    assert problem.location.file == "locked.py" and "Permission denied" in problem.message


def test_unreadable_directory_becomes_a_diagnostic_even_for_root(tmp_path, monkeypatch):
    _write(tmp_path, "sub/a.py")
    real_scandir = os.scandir

    def failing(path):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", failing)
    result = scan_tree(tmp_path, wants=_all)
    assert any(
        d.code == "scan.unreadable-dir" and d.location.file == "sub" for d in result.diagnostics
    )


def test_file_count_limit_truncates_with_a_warning(tmp_path):
    for i in range(20):
        _write(tmp_path, f"f{i:02}.py")
    result = scan_tree(tmp_path, wants=_all, limits=ScanLimits(max_files=5))
    assert len(result.tree.paths) == 5
    assert result.truncated
    assert any(d.code == "scan.truncated" for d in result.diagnostics)


def test_only_wanted_files_are_loaded(tmp_path):
    _write(tmp_path, "a.py", "a")
    _write(tmp_path, "b.md", "b")
    result = scan_tree(tmp_path, wants=lambda p: p.endswith(".py"))
    assert dict(result.tree.texts) == {"a.py": "a"}


def test_missing_root_and_file_root_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        scan_tree(tmp_path / "nope", wants=_all)
    _write(tmp_path, "file.txt")
    with pytest.raises(InputError, match="not a directory"):
        scan_tree(tmp_path / "file.txt", wants=_all)


def test_ensure_inside_refuses_escapes(tmp_path):
    assert ensure_inside(tmp_path, "a/b") == (tmp_path / "a/b").resolve()
    with pytest.raises(UnsafePathError, match="leaves the analysed directory"):
        ensure_inside(tmp_path, "../etc/passwd")
