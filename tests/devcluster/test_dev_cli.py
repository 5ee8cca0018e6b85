from __future__ import annotations

from pathlib import Path

import pytest

from dorgu.cli.main import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_dev_env_without_a_cluster_is_a_one_line_cluster_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path))

    code, _out, err = _run(["dev", "env"], capsys)

    assert code == 6
    assert err.count("\n") == 1
    assert "dorgu dev up" in err


def test_dev_status_without_a_cluster_is_a_cluster_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path))

    code, _, err = _run(["dev", "status"], capsys)

    assert code == 6
    assert "no dev cluster" in err


def test_dev_build_with_kubebuilder_assets_prints_where_binaries_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("etcd", "kube-apiserver"):
        (tmp_path / name).touch()
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(tmp_path))

    code, out, _ = _run(["dev", "build"], capsys)

    assert code == 0
    assert str(tmp_path) in out
    assert "kube-apiserver" in out


def test_dev_build_without_go_is_a_toolchain_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KUBEBUILDER_ASSETS", raising=False)
    monkeypatch.setenv("DORGU_TESTBED_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))

    code, _, err = _run(["dev", "build"], capsys)

    assert code == 7
    notice, error = err.splitlines()
    assert notice.startswith("building the testbed")
    assert error.startswith("error: the Go toolchain (go) is not on PATH")
