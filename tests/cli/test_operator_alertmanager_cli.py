"""``dorgu operator run`` Alertmanager receiver flags: they reach OperatorOptions (the token from
the env or a file, never shown by ``repr``), and bad values are one-line usage errors (exit 2)
before anything connects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dorgu.cli import main as main_module
from dorgu.errors import UsageError
from dorgu.operator import running
from dorgu.operator.options import OperatorOptions


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[OperatorOptions]:
    seen: list[OperatorOptions] = []

    async def fake_run_operator(options: OperatorOptions, *, stop: object = None) -> None:
        seen.append(options)

    monkeypatch.setattr(running, "run_operator", fake_run_operator)
    monkeypatch.delenv("DORGU_ALERTMANAGER_TOKEN", raising=False)
    return seen


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main_module.main(["operator", "run", *args])
    code = exited.value.code
    return code if isinstance(code, int) else 1


def test_the_receiver_is_off_by_default(captured: list[OperatorOptions]) -> None:
    assert _run() == 0
    (options,) = captured
    assert not options.alertmanager_receiver
    assert options.alertmanager_token is None and options.alertmanager_listen is None
    assert options.alertmanager_max_body == 1024 * 1024


def test_the_env_token_and_the_flags_reach_the_options(
    captured: list[OperatorOptions], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DORGU_ALERTMANAGER_TOKEN", " from-env \n")
    assert _run("--alertmanager-receiver", "--alertmanager-max-body", "2048") == 0
    (options,) = captured
    assert options.alertmanager_receiver and options.alertmanager_listen is None
    assert options.alertmanager_token == "from-env"
    assert options.alertmanager_max_body == 2048
    assert "from-env" not in repr(options)


def test_listen_implies_the_receiver_and_the_token_file_wins_over_the_env(
    captured: list[OperatorOptions], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DORGU_ALERTMANAGER_TOKEN", "from-env")
    token = tmp_path / "token"
    token.write_text("from-file\n")
    args = ("--alertmanager-listen", "[::1]:9094", "--alertmanager-token-file", str(token))
    assert _run(*args) == 0
    (options,) = captured
    assert options.alertmanager_receiver
    assert options.alertmanager_listen == ("::1", 9094)
    assert options.alertmanager_token == "from-file"


def test_without_the_receiver_no_token_is_kept(
    captured: list[OperatorOptions], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DORGU_ALERTMANAGER_TOKEN", "unused")
    assert _run() == 0
    assert captured[0].alertmanager_token is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--alertmanager-listen", "9094"), "error: --alertmanager-listen: expected HOST:PORT"),
        (("--alertmanager-listen", "host:99999"), "error: --alertmanager-listen: expected"),
        (("--alertmanager-listen", "host:port"), "error: --alertmanager-listen: expected"),
        (("--alertmanager-receiver", "--alertmanager-token-file", "/nonexistent/token"),
         "error: --alertmanager-token-file: cannot read /nonexistent/token"),
        (("--alertmanager-receiver", "--alertmanager-max-body", "10"),
         "Error: Invalid value for '--alertmanager-max-body'"),
    ],
)  # fmt: skip
def test_bad_receiver_flags_are_one_line_usage_errors(
    captured: list[OperatorOptions],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    assert _run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "Traceback" not in err
    assert captured == []


def test_an_empty_token_file_is_a_usage_error(
    captured: list[OperatorOptions], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "token"
    empty.write_text("  \n")
    assert _run("--alertmanager-receiver", "--alertmanager-token-file", str(empty)) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --alertmanager-token-file: {empty} is empty (write the shared token into it)"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (OperatorOptions(alertmanager_receiver=True), "the Alertmanager receiver needs a token"),
        (
            OperatorOptions(alertmanager_receiver=True, alertmanager_token="t", metrics_port=None),
            "the Alertmanager receiver has no server",
        ),
    ],
)
def test_run_operator_refuses_a_receiver_it_cannot_serve_before_connecting(
    options: OperatorOptions, message: str
) -> None:
    # raised before the kubeconfig is read: nothing connects, nothing is half-started
    with pytest.raises(UsageError, match=message):
        asyncio.run(running.run_operator(options))
