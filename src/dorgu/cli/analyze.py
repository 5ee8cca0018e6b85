"""``dorgu analyze``: show the application model with its evidence."""

from __future__ import annotations

from pathlib import Path

import click

from dorgu.cli.options import parse_pairs


@click.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--json", "as_json", is_flag=True, help="Print the model as JSON.")
@click.option("--name", help="App name (default: the directory name).")
@click.option(
    "--build-arg",
    "build_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Dockerfile build argument (repeatable).",
)
@click.option("--target", help="Dockerfile stage to analyse (default: the last stage).")
@click.option(
    "--profile", "profiles", multiple=True, help="Compose profile to enable (repeatable)."
)
@click.option("--no-evidence", is_flag=True, help="Hide the evidence table in text output.")
def analyze(
    path: Path,
    as_json: bool,
    name: str | None,
    build_args: tuple[str, ...],
    target: str | None,
    profiles: tuple[str, ...],
    no_evidence: bool,
) -> None:
    """Analyse PATH (default: .) and show what dorgu understands, with evidence."""
    from dorgu.cli.rendering import render_model
    from dorgu.errors import UsageError
    from dorgu.services.analyzing import analyze_path
    from dorgu.services.configuring import load_settings

    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path}: not a directory", hint="pass the app directory, not a file inside it"
        )
    pairs = parse_pairs(build_args, flag="--build-arg")
    settings = load_settings(path, flags={"app.name": name})
    for warning in settings.warnings:
        click.echo(f"warning: {warning}", err=True)
    model = analyze_path(
        path, name=name, build_args=pairs, target=target, profiles=profiles, settings=settings
    )
    if as_json:
        click.echo(model.model_dump_json(indent=2, exclude_none=True))
    else:
        click.echo(render_model(model, show_evidence=not no_evidence), nl=False)
