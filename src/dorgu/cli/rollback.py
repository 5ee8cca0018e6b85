"""``dorgu rollback NAME``: roll an app back the way it is deployed (Argo CD's own rollback, or
``kubectl rollout undo`` for a Deployment without Argo CD), recorded and followed to its end.

Exit codes: 0 rolled back (or nothing to do, or --dry-run); 1 the rollback operation failed;
2 usage (bad flag, unknown name or history id); 6 the cluster or Argo CD is unreachable or
refused; 9 refused by the app's state (auto-sync on without --disable-auto-sync, another
operation running, no earlier revision).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import click

from dorgu.cli.cluster import connection_options, kube_options, open_client


def _read_token(token_file: Path | None) -> str:
    from dorgu.errors import UsageError

    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--auth-token-file {token_file}: cannot read it ({error})") from error
        text = token[0].strip() if token else ""
    else:
        text = os.environ.get("ARGOCD_AUTH_TOKEN", "").strip()
    if not text:
        raise UsageError("--via api needs an Argo CD token",
                         hint="export ARGOCD_AUTH_TOKEN or pass --auth-token-file")  # fmt: skip
    if any(not 0x21 <= ord(c) <= 0x7E for c in text):
        raise UsageError("the Argo CD token holds spaces or non-ASCII characters",
                         hint="the first line of the file must be the token alone")  # fmt: skip
    return text


def _seconds(text: str) -> float:
    from dorgu.errors import UsageError

    units = {"s": 1, "m": 60, "h": 3600}
    try:
        value = float(text[:-1]) * units[text[-1]] if text[-1:] in units else float(text)
    except (ValueError, KeyError):
        value = -1.0
    if not 0 < value <= 86400:
        raise UsageError(f"--timeout {text!r}: not a duration between 1s and 24h (e.g. 5m)")
    return value


@click.command()
@kube_options
@click.argument("name")
@click.option(
    "--to-revision",
    "to_revision",
    type=click.IntRange(min=0),
    default=None,
    metavar="ID",
    help="Argo CD history id (or Deployment revision) to go back to.",
)
@click.option("--previous", is_flag=True, help="Go back to the previous revision (the default).")
@click.option("--dry-run", is_flag=True, help="Print exactly what would change; change nothing.")
@click.option(
    "--disable-auto-sync",
    is_flag=True,
    help="Turn the Application's automated sync off first (recorded), as Argo CD "
    "refuses a rollback while it is on.",
)
@click.option("--prune", is_flag=True, help="Let the rollback sync prune resources.")
@click.option(
    "--via",
    type=click.Choice(["kube", "api"]),
    default="kube",
    show_default=True,
    help="Write the Application through the Kubernetes API, or use Argo CD's REST API.",
)
@click.option("--server", default=None, help="Argo CD's URL (with --via api).")
@click.option(
    "--auth-token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File holding the Argo CD token (default: ARGOCD_AUTH_TOKEN).",
)
@click.option(
    "--insecure", is_flag=True, help="Do not verify Argo CD's TLS certificate (with --via api)."
)
@click.option("--app", "app_name", default=None, help="The Application's name (default: NAME).")
@click.option(
    "--app-namespace", default="argocd", show_default=True, help="Where Applications live."
)
@click.option(
    "--timeout", default="5m", show_default=True, help="How long to follow the operation."
)
@click.option("--no-wait", is_flag=True, help="Do not follow the operation to its end.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
def rollback(
    name: str,
    to_revision: int | None,
    previous: bool,
    dry_run: bool,
    disable_auto_sync: bool,
    prune: bool,
    via: str,
    server: str | None,
    auth_token_file: Path | None,
    insecure: bool,
    app_name: str | None,
    app_namespace: str,
    timeout: str,
    no_wait: bool,
    output: str,
) -> None:
    """Roll NAME back: through its Argo CD Application when it has one (Argo CD's own
    rollback: a sync to a history entry's revision and source), else to the Deployment's
    previous ReplicaSet template.  Records who did it on the object, in an Event and in the
    persona's status, and follows the operation to its end."""
    from dorgu.errors import UsageError
    from dorgu.services.rollbacks import RollbackRequest
    from dorgu.services.rollbacks import rollback as run

    if previous and to_revision is not None:
        raise UsageError("--previous and --to-revision exclude each other")
    if via == "api" and not server:
        raise UsageError("--via api needs --server URL (Argo CD's address)")
    if via == "kube" and (server or auth_token_file or insecure):
        raise UsageError("--server, --auth-token-file and --insecure go with --via api")
    request = RollbackRequest(
        name=name,
        namespace=connection_options().namespace or "",
        to_revision=to_revision,
        dry_run=dry_run,
        disable_auto_sync=disable_auto_sync,
        prune=prune,
        app_name=app_name,
        app_namespace=app_namespace,
        wait=not no_wait,
        timeout_seconds=_seconds(timeout),
    )
    argocd = None
    if via == "api":
        from dorgu.clients.argocd import ArgoRestClient, check_server

        check_server(str(server))
        argocd = ArgoRestClient(str(server), token=_read_token(auth_token_file),
                                insecure=insecure)  # fmt: skip
        click.get_current_context().call_on_close(argocd.close)
    client = open_client()
    if not request.namespace:
        request = dataclasses.replace(request, namespace=client.namespace)
    outcome = run(request, client=client, argocd=argocd)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output == "json":
        click.echo(json.dumps(outcome.as_dict(), indent=2, sort_keys=True))
    else:
        prefix = "would: " if outcome.dry_run and not outcome.noop else ""
        for line in outcome.lines:
            click.echo(prefix + line)
        if outcome.phase:
            tail = f": {outcome.message}" if outcome.message else ""
            click.echo(f"rollback {outcome.phase}{tail}")
    if outcome.phase in ("Failed", "Error"):
        raise SystemExit(1)
