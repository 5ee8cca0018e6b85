"""Shared plumbing for tests that drive the `dorgu` CLI in-process through click's CliRunner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from dorgu.cli import main as main_module
from dorgu.services.configuring import find_workspace_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def entry(args: tuple[str, ...]) -> None:
    main_module.main(list(args))


def dorgu(*args: str, input: str | bytes | None = None) -> Result:
    """Run `dorgu ARGS...` in-process, with ``input`` as its stdin."""
    return CliRunner().invoke(entry, list(args), input=input)


def isolate_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, directory: str, *, example: str | None = None
) -> Path:
    """Point HOME and XDG_CONFIG_HOME into ``tmp_path``, drop every DORGU_* and *_API_KEY
    variable and the providers' endpoint variables (*_BASE_URL, OLLAMA_HOST), and change into ``tmp_path / directory``: a copy of ``examples/<example>`` when
    given, else an empty directory. Skips the test when a dorgu-workspace.yaml above
    ``tmp_path`` would leak into it."""
    for name in list(os.environ):
        if name.startswith("DORGU_") or name.endswith(("_API_KEY", "_BASE_URL", "OLLAMA_HOST")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = tmp_path / directory
    if example is None:
        path.mkdir()
    else:
        shutil.copytree(EXAMPLES / example, path)
    monkeypatch.chdir(path)
    if find_workspace_file(tmp_path) is not None:
        pytest.skip("a dorgu-workspace.yaml above the temporary directory")
    return path
