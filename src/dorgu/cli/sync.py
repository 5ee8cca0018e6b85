"""``dorgu sync [PATH] [--pull | --push] [--dry-run]``: reconcile the repository's view of an
app with the cluster's.

Exit codes: 0 in sync, or pulled/pushed; 1 drift found (without --pull/--push, like
``kubectl diff``); 2 usage; 3/4 the app or its .dorgu.yaml cannot be used; 5 the file cannot be
written; 6 the cluster is unreachable or refused (a field conflict on push names the manager).
"""

from __future__ import annotations

from pathlib import Path

import click

from dorgu.cli.cluster import connection_options, kube_options, open_client


@click.command()
@kube_options
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option(
    "--pull",
    is_flag=True,
    help="Bring what the cluster knows (persona spec, learned baselines) into .dorgu.yaml.",
)
@click.option("--push", is_flag=True, help="Apply the repository's persona to the cluster.")
@click.option(
    "--dry-run", is_flag=True, help="Show the change (push: a server-side dry run); write nothing."
)
@click.option("--force", is_flag=True, help="On push, take over fields another manager owns.")
@click.option("--no-learned", is_flag=True,
              help="On pull, leave resources alone (do not size them from learned baselines).")  # fmt: skip
def sync(path: Path, pull: bool, push: bool, dry_run: bool, force: bool, no_learned: bool) -> None:
    """Show the drift between the app at PATH and its persona in the cluster, both ways, or
    resolve it one way: --pull (cluster -> .dorgu.yaml) or --push (repository -> cluster)."""
    from dorgu.services.syncing import sync as run

    report = run(path, client=open_client(), pull=pull, push=push, dry_run=dry_run, force=force,
                 learned=not no_learned, namespace=connection_options().namespace)  # fmt: skip
    for fact in report.facts:
        click.echo(f"# cluster: {fact}")
    if not push:
        if report.pull_diff:
            click.echo(report.pull_diff, nl=False)
        if report.pulled:
            click.echo(f"wrote {report.config_file}", err=True)
        elif pull and not report.pull_diff:
            click.echo(f"{report.config_file}: already holds what the cluster knows", err=True)
        if report.skipped and pull:
            click.echo(f"not in .dorgu.yaml (no key for them): {', '.join(report.skipped)}",
                       err=True)  # fmt: skip
    for outcome in report.push:
        if not push:
            click.echo(outcome.diff, nl=False)
        else:
            verb = "created" if outcome.created else "configured"
            suffix = " (server dry run)" if dry_run else ""
            click.echo(f"applicationpersona.dorgu.io/{outcome.name} {verb} in "
                       f"{outcome.namespace}{suffix}")  # fmt: skip
    if not pull and not push and report.drift:
        raise SystemExit(1)
    if not pull and not push:
        click.echo("in sync", err=True)
