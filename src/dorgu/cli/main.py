"""Entry point: a click group whose subcommands are imported lazily, and one error handler.

Exit codes: 0 ok; 1 findings or generic dorgu error; 2 usage; 3 bad input; 4 config;
5 output; 6 cluster; 7 toolchain; 8 LLM provider; 70 internal error; 130 interrupted.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from dorgu import __version__

# name -> (module, attribute, one-line help).  Help text lives here so --help imports nothing.
COMMANDS: dict[str, tuple[str, str, str]] = {
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
    "cluster": (
        "dorgu.cli.cluster",
        "cluster",
        "Install dorgu's CRDs into a cluster and show the ClusterPersona.",
    ),
}

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


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
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dorgu")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int) -> None:
    """dorgu understands applications and turns them into production-grade Kubernetes."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _wants_debug(argv: list[str]) -> bool:
    return "--debug" in argv


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; translate dorgu errors to one line on stderr and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    from dorgu.errors import DorguError

    code: object = 0
    try:
        code = cli.main(args=args, prog_name="dorgu", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except DorguError as e:
        if _wants_debug(args):
            raise
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # the last line of defence: never a raw traceback
        if _wants_debug(args):
            raise
        click.echo(
            f"internal error: {type(e).__name__}: {e} (rerun with --debug and report this bug)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
