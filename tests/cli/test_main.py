import gc
import subprocess
import sys

import click
import pytest

from dorgu.cli import main as main_module
from dorgu.errors import ConfigError, InputError


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", *args], capture_output=True, text=True
    )


def test_help_lists_every_registered_command_without_importing_them():
    out = run_cli("--help")
    assert out.returncode == 0
    for name in main_module.COMMANDS:
        assert name in out.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dorgu.cli.main import cli; "
            "print(sorted(m for m in sys.modules if m.startswith('dorgu.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "dorgu.cli.analyze" not in probe.stdout
    assert "pydantic" not in probe.stdout


def test_unknown_command_is_a_usage_error():
    out = run_cli("frobnicate")
    assert out.returncode == 2
    assert "No such command" in out.stderr


def _fail_with(error: Exception) -> click.Command:
    @click.command()
    def boom() -> None:
        raise error

    return boom


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        (
            InputError("Dockerfile:3: bad thing", hint="fix it"),
            3,
            "error: Dockerfile:3: bad thing (fix it)",
        ),
        (ConfigError(".dorgu.yaml:2: unknown key"), 4, "error: .dorgu.yaml:2: unknown key"),
        (
            RuntimeError("kaboom"),
            70,
            "internal error: RuntimeError: kaboom (rerun with --debug and report this bug)",
        ),
    ],
)
def test_errors_become_one_line_and_an_exit_code(monkeypatch, capsys, error, code, text):
    monkeypatch.setitem(main_module.COMMANDS, "boom", ("tests.cli.test_main", "x", "x"))
    monkeypatch.setattr(
        main_module.LazyGroup, "get_command", lambda self, ctx, name: _fail_with(error)
    )
    with pytest.raises(SystemExit) as exit_info:
        main_module.main(["boom"])
    assert exit_info.value.code == code
    err = capsys.readouterr().err
    assert err.strip() == text
    assert "Traceback" not in err


def test_debug_flag_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(
        main_module.LazyGroup, "get_command", lambda self, ctx, name: _fail_with(InputError("x"))
    )
    with pytest.raises(InputError):
        main_module.main(["--debug", "boom"])


def _freeze_count_at_exit(call: str) -> int:
    """``gc.get_freeze_count()`` when the interpreter starts to shut down after ``call``."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print(gc.get_freeze_count(), file=sys.stderr))\n"
        "from dorgu.cli.main import main\n"
        "sys.argv = ['dorgu', '--version']\n"
        f"{call}\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stderr.strip().splitlines()[-1])


def test_the_process_entry_point_leaves_the_heap_out_of_the_final_collection():
    # the interpreter's last full collection skips frozen objects: nothing left to scan
    assert _freeze_count_at_exit("main()") > 1000
    # a caller passing argv (tests, embedding) keeps collecting its own garbage
    assert _freeze_count_at_exit("try:\n    main(['--version'])\nexcept SystemExit:\n    pass") == 0


def test_every_command_summary_fits_on_one_line_of_the_top_level_help():
    """Scripts (and walk-user-path) read the command list line by line: a wrapped summary
    would look like a command of its own."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main_module.cli, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.strip()]
    assert all(line.startswith("  ") and not line.startswith("   ") for line in listed if line)
    assert "recommend" in names and "anomaly" in names


@pytest.mark.parametrize(
    ("args", "batch"),
    [
        (["--version"], True),
        (["generate", "--help"], True),
        (["-v", "validate", "--help"], True),
        (["operator", "--help"], False),
        (["--debug", "dev", "--help"], False),
    ],
)
def test_the_process_entry_point_collects_cycles_rarely_except_for_long_running_commands(
    args, batch
):
    probe = (
        "import atexit, gc, sys; from dorgu.cli.main import main; "
        "atexit.register(lambda: print(gc.get_threshold(), file=sys.stderr)); "
        f"sys.argv = ['dorgu', *{args!r}]; main()"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    threshold = main_module.BATCH_GC_THRESHOLD if batch else gc.get_threshold()
    assert out.stderr.strip().splitlines()[-1] == str(threshold)


def test_a_caller_passing_argv_keeps_its_collector_settings():
    before = gc.get_threshold()
    with pytest.raises(SystemExit):
        main_module.main(["--version"])
    assert gc.get_threshold() == before
