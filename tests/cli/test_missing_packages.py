"""A missing optional package is one line naming the extra to install (exit 7), never an
internal error (exit 70).  Each case runs dorgu in a subprocess whose import system refuses
the named packages, as if they were not installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dorgu.cli.extras import EXTRAS, PACKAGE_EXTRAS, missing_package_error

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-fastapi"

_BLOCKING_ENTRY = """
import sys

BLOCKED = frozenset(sys.argv[1].split(","))


class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
from dorgu.cli.main import main

main(sys.argv[2:])
"""


def _run_without(
    blocked: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DORGU_") and not k.endswith(("_API_KEY", "_BASE_URL"))
    }
    environ.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", _BLOCKING_ENTRY, blocked, *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
    )


def _kubeconfig(tmp_path: Path) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.parametrize(
    ("blocked", "command", "install"),
    [
        ("lightkube", ("persona", "list"), "pip install 'dorgu[cluster]'"),
        ("lightkube", ("cluster", "status"), "pip install 'dorgu[cluster]'"),
        ("lightkube", ("cluster", "init"), "pip install 'dorgu[cluster]'"),
        ("httpx2", ("persona", "get", "x"), "pip install 'dorgu[cluster]'"),
        ("kopf", ("operator", "run"), "pip install 'dorgu[operator]'"),
        ("aiohttp", ("operator", "run"), "pip install 'dorgu[operator]'"),
        ("iso8601", ("operator", "run"), "pip install 'dorgu[operator]'"),  # kopf's own dependency
        ("cryptography", ("dev", "up"), "pip install 'dorgu[cluster]'"),
        ("cryptography", ("dev", "status"), "pip install 'dorgu[cluster]'"),
    ],
)
def test_a_missing_optional_package_is_one_line_naming_the_extra(
    tmp_path: Path, blocked: str, command: tuple[str, ...], install: str
) -> None:
    args = list(command)
    if command[0] in ("persona", "cluster", "operator"):
        args += ["--kubeconfig", _kubeconfig(tmp_path)]
    result = _run_without(blocked, *args, tmp_path=tmp_path)
    assert result.returncode == 7, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: this command needs the Python package"), lines[0]
    assert install in lines[0]
    assert "Traceback" not in result.stderr


def test_generate_with_an_llm_provider_needs_no_extra() -> None:
    """httpx (the LLM providers' HTTP client) is a base dependency, not an extra."""
    import tomllib

    project = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    assert any(dep.startswith("httpx") for dep in project["dependencies"])
    assert "httpx" not in PACKAGE_EXTRAS


def test_a_broken_base_install_is_one_line_too(tmp_path: Path) -> None:
    """httpx missing despite being a base dependency: reinstall, still not exit 70."""
    result = _run_without(
        "httpx",
        "generate",
        str(EXAMPLE),
        "--stdout",
        "--llm-provider",
        "openai",
        "--skip-argocd",
        tmp_path=tmp_path,
        env={"OPENAI_API_KEY": "sk-test-not-sent"},
    )
    assert result.returncode == 7, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: this command needs the Python package 'httpx'"), last
    assert "pip install --force-reinstall dorgu" in last
    assert "sk-test-not-sent" not in result.stderr + result.stdout


def test_debug_still_shows_the_traceback(tmp_path: Path) -> None:
    result = _run_without(
        "kopf", "--debug", "operator", "run", "--kubeconfig", _kubeconfig(tmp_path),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode != 70
    assert "Traceback" in result.stderr
    assert "dorgu[operator]" in result.stderr


def test_a_missing_dorgu_module_stays_an_internal_error() -> None:
    assert missing_package_error(ModuleNotFoundError("x", name="dorgu.nothing")) is None


def test_a_broken_version_asks_for_an_upgrade() -> None:
    error = missing_package_error(ImportError("cannot import name 'x' from 'kopf'", name="kopf"))
    assert error is not None
    assert "pip install -U 'dorgu[operator]'" in str(error)


def test_every_extra_module_has_an_extra_to_name() -> None:
    for extra, modules in EXTRAS.items():
        for module in modules:
            assert module in PACKAGE_EXTRAS, (extra, module)


def test_a_missing_standard_module_blames_the_python_build() -> None:
    error = missing_package_error(ModuleNotFoundError("No module named '_lzma'", name="_lzma"))
    assert error is not None
    assert "this Python lacks its standard module '_lzma'" in str(error)
    assert "pip install" not in str(error)


def test_an_import_error_without_a_name_is_traced_to_the_package() -> None:
    """Some libraries raise a bare ImportError for their own missing piece."""
    code = compile("raise ImportError('kopf needs something')", "kopf/_fake.py", "exec")
    try:
        exec(code, {"__name__": "kopf._fake"})
    except ImportError as error:
        translated = missing_package_error(error)
    assert translated is not None
    assert "pip install -U 'dorgu[operator]'" in str(translated)
