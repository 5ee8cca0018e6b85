"""The global flags (--debug, -v/--verbose) work after the subcommand as before it."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dorgu.cli import main as main_module
from dorgu.operator import running
from dorgu.operator.options import OperatorOptions


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[OperatorOptions]:
    seen: list[OperatorOptions] = []

    async def fake_run_operator(options: OperatorOptions, *, stop: object = None) -> None:
        seen.append(options)

    monkeypatch.setattr(running, "run_operator", fake_run_operator)
    return seen


def _exit_code(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main_module.main(list(args))
    code = exited.value.code
    return code if isinstance(code, int) else 1


@pytest.mark.parametrize(
    ("args", "level"),
    [
        (("--debug", "operator", "run"), logging.DEBUG),
        (("operator", "run", "--debug"), logging.DEBUG),
        (("operator", "--debug", "run"), logging.DEBUG),
        (("operator", "run", "-v"), logging.INFO),
        (("-v", "operator", "run", "-v"), logging.DEBUG),  # counts add up: -vv
        (("operator", "run", "-vv"), logging.DEBUG),
        (("operator", "run", "--verbose"), logging.INFO),
        (("operator", "run"), logging.WARNING),
    ],
)
def test_global_flags_are_accepted_after_the_subcommand(
    started: list[OperatorOptions], args: tuple[str, ...], level: int
) -> None:
    assert _exit_code(*args) == 0
    assert len(started) == 1
    assert logging.getLogger().level == level


def test_operator_group_takes_the_cluster_connection_options(
    started: list[OperatorOptions], tmp_path: Path
) -> None:
    config = tmp_path / "kubeconfig"
    assert _exit_code("operator", "--kubeconfig", str(config), "--context", "c", "run") == 0
    assert (started[0].kubeconfig, started[0].context) == (config, "c")
    assert _exit_code("operator", "--context", "c", "run", "--context", "d") == 0
    assert started[1].context == "d"  # the subcommand's value wins


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "missing-dir", "--debug"),
        ("config", "get", "no.such.key", "--debug"),
        ("--debug", "analyze", "missing-dir"),
    ],
)
def test_debug_after_the_subcommand_shows_the_traceback(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    plain = _cli(*(a for a in args if a != "--debug"), cwd=tmp_path)
    assert plain.returncode in (2, 3), plain.stderr
    assert len(plain.stderr.strip().splitlines()) == 1
    debug = _cli(*args, cwd=tmp_path)
    assert "No such option" not in debug.stderr
    assert "Traceback" in debug.stderr


def test_debug_is_listed_in_every_subcommands_help(tmp_path: Path) -> None:
    for args in (("operator", "run"), ("cluster", "init"), ("persona", "list"), ("generate",)):
        result = _cli(*args, "--help", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "--debug" in result.stdout, args
        assert "--verbose" in result.stdout, args


def test_a_literal_debug_after_double_dash_is_not_a_flag() -> None:
    assert not main_module._wants_debug({"debug": False}, ["analyze", "--", "--debug"])
