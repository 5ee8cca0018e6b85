"""``dorgu operator run`` flags: --certificates and --peering-lifetime reach OperatorOptions,
and bad values are one-line usage errors (exit 2) before anything connects."""

from __future__ import annotations

import pytest

from dorgu.cli import main as main_module
from dorgu.operator import running
from dorgu.operator.options import OperatorOptions


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[OperatorOptions]:
    """The options ``run_operator`` would have been started with (it returns at once)."""
    seen: list[OperatorOptions] = []

    async def fake_run_operator(options: OperatorOptions, *, stop: object = None) -> None:
        seen.append(options)

    monkeypatch.setattr(running, "run_operator", fake_run_operator)
    return seen


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main_module.main(["operator", "run", *args])
    code = exited.value.code
    return code if isinstance(code, int) else 1


def test_defaults_are_auto_certificates_and_a_20s_peering_lifetime(
    captured: list[OperatorOptions],
) -> None:
    assert _run() == 0
    (options,) = captured
    assert (options.certificates, options.peering_lifetime) == ("auto", 20)


@pytest.mark.parametrize(
    ("args", "certificates", "lifetime"),
    [
        (("--certificates", "cert-manager", "--peering-lifetime", "45"), "cert-manager", 45),
        (("--certificates=self", "--peering-lifetime=5"), "self", 5),
        (("--peering-lifetime", "3600"), "auto", 3600),
    ],
)
def test_flags_reach_the_operator_options(
    captured: list[OperatorOptions], args: tuple[str, ...], certificates: str, lifetime: int
) -> None:
    assert _run(*args) == 0
    (options,) = captured
    assert (options.certificates, options.peering_lifetime) == (certificates, lifetime)


@pytest.mark.parametrize("value", ["4", "3601", "0", "-20", "2.5", "abc", ""])
def test_a_peering_lifetime_outside_5_to_3600_is_a_one_line_usage_error(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert _run("--peering-lifetime", value) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"error: --peering-lifetime: expected whole seconds from 5 to 3600, got {value!r} "
        "(failover takes up to this long)"
    )
    assert captured == []  # the operator never started


@pytest.mark.parametrize("value", ["certmanager", "Self", "none", ""])
def test_an_unknown_certificate_source_is_a_one_line_usage_error(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert _run("--certificates", value) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"error: --certificates: expected self, cert-manager or auto, got {value!r}"
    )
    assert captured == []


@pytest.mark.parametrize(
    ("args", "server"), [((), "granian"), (("--webhook-server", "hypercorn"), "hypercorn")]
)
def test_the_webhook_server_defaults_to_granian(
    captured: list[OperatorOptions], args: tuple[str, ...], server: str
) -> None:
    assert _run(*args) == 0
    (options,) = captured
    assert options.webhook_server == server


def test_an_unknown_webhook_server_is_a_one_line_usage_error(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--webhook-server", "uvicorn") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--webhook-server" in lines[0] and "uvicorn" in lines[0]
    assert captured == []


def test_learning_flags_and_the_prometheus_env_reach_the_operator_options(
    captured: list[OperatorOptions], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DORGU_PROMETHEUS_URL", raising=False)
    assert _run() == 0
    assert captured[-1].prometheus_url is None  # no URL: no learning
    assert _run("--prometheus-url", "http://prom:9090/", "--learn-interval", "60",
                "--learn-window", "36h") == 0  # fmt: skip
    options = captured[-1]
    assert (options.prometheus_url, options.learn_interval, options.learn_window) == (
        "http://prom:9090", 60.0, "36h")  # fmt: skip
    monkeypatch.setenv("DORGU_PROMETHEUS_URL", "http://from-env:9090")
    assert _run() == 0
    assert captured[-1].prometheus_url == "http://from-env:9090"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--learn-window", "3y"), "--learn-window"),
        (("--learn-window", "30m"), "--learn-window"),
        (("--learn-interval", "-1"), "--learn-interval"),
        (("--prometheus-url", "prom:9090"), "--prometheus-url"),
        (("--prometheus-url", "http://user:pw@prom:9090"), "--prometheus-url"),
    ],
)
def test_bad_learning_flags_are_one_line_usage_errors(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...], expected: str,
) -> None:  # fmt: skip
    assert _run(*args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert "pw" not in lines[0]
    assert captured == []


def test_the_prometheus_settings_of_the_global_file_reach_the_learner(
    captured: list[OperatorOptions], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv("DORGU_PROMETHEUS_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dorgu").mkdir()
    (tmp_path / "dorgu" / "config.yaml").write_text(
        "prometheus:\n  url: http://shared-prom:9090\n  cluster: eu-1\n  timeout_seconds: 12\n"
    )
    assert _run() == 0
    options = captured[-1]
    assert (options.prometheus_url, options.prometheus_cluster) == (
        "http://shared-prom:9090",
        "eu-1",
    )
    assert options.prometheus_timeout == 12
    assert _run("--prometheus-url", "http://flag:9090") == 0
    assert captured[-1].prometheus_url == "http://flag:9090"  # the flag wins


def test_incidents_are_on_by_default_and_their_flags_reach_the_operator_options(
    captured: list[OperatorOptions],
) -> None:
    assert _run() == 0
    assert _run("--no-incidents", "--incident-stabilization", "90s",
                "--incident-retention", "1h30m") == 0  # fmt: skip
    default, chosen = captured
    assert (default.incidents, default.incident_stabilization, default.incident_retention) == (
        True, 300.0, 720 * 3600.0)  # fmt: skip
    assert (chosen.incidents, chosen.incident_stabilization, chosen.incident_retention) == (
        False, 90.0, 5400.0)  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--incident-stabilization", "5 minutes"), ("--incident-stabilization", "0s"),
     ("--incident-stabilization", "-5m"), ("--incident-retention", "30s"),
     ("--incident-retention", "99999h"), ("--incident-retention", "")],
)  # fmt: skip
def test_bad_incident_durations_are_one_line_usage_errors(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    assert _run(flag, value) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and "Traceback" not in err
    assert not captured


@pytest.mark.parametrize(
    ("args", "process"),
    [((), "inline"), (("--webhook-process", "separate"), "separate"),
     (("--webhook-process=inline",), "inline")],
)  # fmt: skip
def test_the_webhook_process_flag_reaches_the_options(
    captured: list[OperatorOptions], args: tuple[str, ...], process: str
) -> None:
    assert _run(*args) == 0
    (options,) = captured
    assert options.webhook_process == process


def test_an_unknown_webhook_process_is_a_one_line_usage_error(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--webhook-process", "thread") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--webhook-process" in lines[0] and "thread" in lines[0]
    assert captured == []
