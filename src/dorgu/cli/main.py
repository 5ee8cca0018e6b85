"""Entry point: a click group whose subcommands are imported lazily, and one error handler.

The global flags (``--debug``, ``-v/--verbose``) are accepted before the subcommand and after
it (``dorgu operator run --debug``): ``LazyGroup`` adds them to every command it loads.

Exit codes: 0 ok; 1 findings or generic dorgu error; 2 usage; 3 bad input; 4 config;
5 output; 6 cluster; 7 toolchain (also: an optional package is not installed); 8 LLM provider;
9 conflict with the cluster's state (e.g. a rollback while auto-sync is on);
70 internal error; 130 interrupted.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from typing import Any, NoReturn

import click

from dorgu import __version__

# name -> (module, attribute, one-line help).  Help text lives here so --help imports nothing.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "anomaly": (
        "dorgu.cli.anomaly",
        "anomaly",
        "Detect anomalies in metric series; score the detector on NAB.",
    ),
    "analyze": (
        "dorgu.cli.analyze",
        "analyze",
        "Show what dorgu understands about an app, with evidence.",
    ),
    "config": (
        "dorgu.cli.config",
        "config",
        "Inspect and edit configuration (.dorgu.yaml, workspace, global).",
    ),
    "incidents": (
        "dorgu.cli.incidents",
        "incidents",
        "List, show, resolve and compare incidents (IncidentMemory).",
    ),
    "init": ("dorgu.cli.init", "init", "Write a .dorgu.yaml for an app (or the global config)."),
    "dev": ("dorgu.cli.dev", "dev", "Run a local Kubernetes control plane (the testbed)."),
    "generate": ("dorgu.cli.generate", "generate", "Generate Kubernetes manifests for an app."),
    "explain": ("dorgu.cli.explain", "explain", "Explain a validation finding and how to fix it."),
    "operator": ("dorgu.cli.operator", "operator", "Run the dorgu operator and admission webhook."),
    "validate": (
        "dorgu.cli.validate",
        "validate",
        "Check Kubernetes manifests with dorgu's rules.",
    ),
    "persona": (
        "dorgu.cli.persona",
        "persona",
        "Apply, inspect and pull ApplicationPersonas in a cluster.",
    ),
    "rollback": (
        "dorgu.cli.rollback",
        "rollback",
        "Roll an app back through Argo CD (or rollout undo), recorded.",
    ),
    "sync": (
        "dorgu.cli.sync",
        "sync",
        "Show or resolve drift between the repo and the cluster.",
    ),
    "watch": (
        "dorgu.cli.watch",
        "watch",
        "Stream persona events from the operator's live channel.",
    ),
    "recommend": (
        "dorgu.cli.recommend",
        "recommend",
        "Right-size workloads' CPU and memory from Prometheus history.",
    ),
    "cluster": (
        "dorgu.cli.cluster",
        "cluster",
        "Install dorgu's CRDs into a cluster and show the ClusterPersona.",
    ),
}

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# The cyclic collector's thresholds for a command that runs and exits.  With the default
# (700, 10, 10) importing the `generate` path and running it on a one-service app triggers ~125
# collections, about 12-15 % of the run's CPU; dorgu's objects are almost all freed by reference
# counting, so collecting every 100,000 net allocations keeps memory bounded on large trees
# (mypy does the same).  Long-running commands keep the interpreter's default.
BATCH_GC_THRESHOLD = (100_000, 20, 20)
LONG_RUNNING = frozenset({"operator", "dev"})


def _state(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if not isinstance(root.obj, dict):
        root.obj = {}
    return root.obj


def _configure_logging(state: dict[str, Any]) -> None:
    debug, verbose = bool(state.get("debug")), int(state.get("verbose", 0))
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                            stream=sys.stderr)  # fmt: skip
    elif debug or verbose:  # a flag after the subcommand raises the level set before it
        root.setLevel(level)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        state = _state(ctx)
        state["debug"] = True
        _configure_logging(state)


def _add_verbosity(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        state = _state(ctx)
        state["verbose"] = int(state.get("verbose", 0)) + value
        _configure_logging(state)


def _global_options() -> list[click.Option]:
    return [
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_debug,
                     help="Show tracebacks and debug logs."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False,
                     callback=_add_verbosity, help="More log output (-vv for debug)."),
    ]  # fmt: skip


def accept_global_options(command: click.Command) -> click.Command:
    """Add ``--debug`` and ``-v/--verbose`` to ``command`` and, for a group, to every
    subcommand (once; flags a command already defines are left alone)."""
    taken = {opt for param in command.params for opt in param.opts}
    for option in _global_options():
        if not taken.intersection(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_global_options(sub)
    return command


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr, _ = entry
        module = importlib.import_module(module_name)
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return accept_global_options(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dorgu")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """dorgu understands applications and turns them into production-grade Kubernetes."""
    _configure_logging(_state(ctx))


accept_global_options(cli)


def _wants_debug(state: dict[str, Any], argv: list[str]) -> bool:
    """``--debug`` was parsed (before or after the subcommand), or, when parsing failed
    before reaching it, appears among the arguments before ``--``."""
    if state.get("debug"):
        return True
    head = argv[: argv.index("--")] if "--" in argv else argv
    return "--debug" in head


def _internal_error(error: Exception, *, debug: bool) -> NoReturn:
    if debug:
        raise error
    click.echo(
        f"internal error: {type(error).__name__}: {error} (rerun with --debug and report this bug)",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; translate dorgu errors to one line on stderr and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and not LONG_RUNNING.intersection(_first_command(args)):
        gc.set_threshold(*BATCH_GC_THRESHOLD)
    try:
        _run(args)
    finally:
        if argv is None:  # the process entry point (a caller passing argv lives on)
            # The interpreter runs a full cyclic collection at exit, over every object the run
            # created (tens of ms after a generate); what remains when a command ends goes with
            # the process anyway, so move it out of the collector's reach first.
            gc.freeze()


def _first_command(args: list[str]) -> list[str]:
    """The subcommand's name: the first argument that is not an option."""
    return next(([arg] for arg in args if not arg.startswith("-")), [])


def _run(args: list[str]) -> NoReturn:
    from dorgu.errors import DorguError

    code: object = 0
    state: dict[str, Any] = {"debug": False, "verbose": 0}
    try:
        code = cli.main(args=args, prog_name="dorgu", standalone_mode=False, obj=state)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except DorguError as e:
        if _wants_debug(state, args):
            raise
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except ImportError as e:  # an optional (or broken) third-party package: never exit 70
        from dorgu.cli.extras import missing_package_error

        translated = missing_package_error(e)
        if translated is None or _wants_debug(state, args):
            _internal_error(e, debug=_wants_debug(state, args))
        click.echo(f"error: {translated}", err=True)
        sys.exit(translated.exit_code)
    except Exception as e:  # the last line of defence: never a raw traceback
        _internal_error(e, debug=_wants_debug(state, args))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
