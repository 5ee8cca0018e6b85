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


def _write_state(home: Path, *, prometheus: int, components: list[dict[str, object]]) -> None:
    import json

    home.mkdir(parents=True, exist_ok=True)
    state = {
        "format": 1,
        "root": str(home),
        "server": "https://127.0.0.1:1",
        "kubeconfig": str(home / "kubeconfig"),
        "kubernetes_version": "v1.37.2",
        "ports": {"apiserver": 1, "prometheus": prometheus},
        "components": components,
    }
    (home / "state.json").write_text(json.dumps(state))


def test_dev_env_exports_the_prometheus_url_of_a_metrics_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path))
    _write_state(tmp_path, prometheus=4242, components=[])

    code, out, _ = _run(["dev", "env"], capsys)

    assert code == 0
    assert out.splitlines() == [
        f"export KUBECONFIG={tmp_path / 'kubeconfig'}",
        "export DORGU_PROMETHEUS_URL=http://127.0.0.1:4242",
    ]


def test_dev_env_without_metrics_exports_no_prometheus_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path))
    _write_state(tmp_path, prometheus=0, components=[])

    _, out, _ = _run(["dev", "env"], capsys)

    assert "DORGU_PROMETHEUS_URL" not in out


def test_dev_backfill_without_a_cluster_is_a_one_line_cluster_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path / "none"))
    (tmp_path / "h.om").write_text("x 1 1\n# EOF\n")

    code, _, err = _run(["dev", "backfill", str(tmp_path / "h.om")], capsys)

    assert code == 6
    assert err.count("\n") == 1 and "dorgu dev up --metrics" in err


@pytest.fixture
def fake_metrics_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A recorded dev cluster whose 'prometheus' is a sleep process (never really stopped:
    the file checks come first), with stand-in binaries."""
    import subprocess

    from dorgu.devcluster import processes

    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("etcd", "kube-apiserver", "prometheus", "promtool"):
        (assets / name).write_text("#!/bin/sh\nexit 1\n")
        (assets / name).chmod(0o755)
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(assets))
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path / "dev"))
    sleeper = subprocess.Popen(["sleep", "60"])
    ref = processes.ref_of(sleeper)
    component = {"name": "prometheus", "pid": ref.pid, "start_ticks": ref.start_ticks, "log": "x"}
    _write_state(tmp_path / "dev", prometheus=4242, components=[component])
    yield ref
    sleeper.kill()
    sleeper.wait()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("x 1 1700000000\nx 2 1600000000\n# EOF\n", "h.om:2: sample of x{} at"),
        ("x 1 1700000000000\n", "h.om:1: timestamp 1700000000000 looks like milliseconds"),
        ("x{a=1} 1 1700000000\n", 'h.om:1: expected label="value"'),
        ("x 1 9999999999\n", "h.om:1: timestamp 9999999999 is too recent"),
        (None, "h.om: no such file"),
    ],
)
def test_dev_backfill_of_a_bad_file_names_the_line_and_leaves_prometheus_alone(
    fake_metrics_cluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    words: str,
) -> None:
    source = tmp_path / "h.om"
    if content is not None:
        source.write_text(content)

    code, _, err = _run(["dev", "backfill", str(source)], capsys)

    assert code == 3
    assert err.count("\n") == 1
    assert words in err
    assert fake_metrics_cluster.is_running()


@pytest.mark.parametrize("argv", [["--pods", "h.om"], []])
def test_dev_backfill_wants_a_file_or_pods(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DORGU_DEV_HOME", str(tmp_path))

    code, _, err = _run(["dev", "backfill", *argv], capsys)

    assert code == 2
    assert "either FILE or --pods" in err
