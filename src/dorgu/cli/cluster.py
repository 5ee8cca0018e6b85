"""``dorgu cluster init|status``, and the connection options every cluster command shares
(``--context``, ``--namespace/-n``, ``--kubeconfig``), accepted on the group and on each
subcommand (the subcommand's value wins).

Exit codes: 0 ok; 2 usage; 6 the cluster is unreachable or refused a request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
import yaml

if TYPE_CHECKING:
    from dorgu.clients import ConnectionOptions, KubeClient

F = TypeVar("F", bound=Callable[..., object])
_META = "dorgu.kube"
OUTPUTS = ("table", "json", "yaml")


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    chosen = ctx.meta.setdefault(_META, {})
    if value is not None and param.name is not None:
        chosen[param.name] = value


def kube_options(func: F) -> F:
    """Add ``--context``, ``--namespace/-n`` and ``--kubeconfig`` (not passed to ``func``)."""
    options = [
        click.option(
            "--kubeconfig", type=click.Path(path_type=Path, dir_okay=False), expose_value=False,
            callback=_remember, help="Kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config).",
        ),
        click.option(
            "--context", expose_value=False, callback=_remember,
            help="Kubeconfig context (default: the current context).",
        ),
        click.option(
            "-n", "--namespace", expose_value=False, callback=_remember,
            help="Namespace (default: the context's namespace).",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def connection_options() -> ConnectionOptions:
    """The options chosen on the command line so far."""
    from dorgu.clients import ConnectionOptions

    chosen = click.get_current_context().meta.get(_META, {})
    return ConnectionOptions(
        kubeconfig=chosen.get("kubeconfig"),
        context=chosen.get("context"),
        namespace=chosen.get("namespace"),
    )


def open_client() -> KubeClient:
    """A client for the chosen cluster; closed when the command ends."""
    from dorgu.cli.extras import require

    require("cluster")
    from dorgu.clients import connect

    client = connect(connection_options())
    click.get_current_context().call_on_close(client.close)
    return client


def emit(data: object, output: str) -> None:
    """``data`` as JSON or YAML on stdout (deterministic key order)."""
    if output == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=True, default_flow_style=False), nl=False)


def table(rows: list[list[str]]) -> str:
    """Left-aligned columns, two spaces apart; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def age(timestamp: datetime | None) -> str:
    """``5m``, ``3h``, ``2d`` like kubectl; ``-`` when unknown."""
    if timestamp is None:
        return "-"
    seconds = int((datetime.now(UTC) - timestamp).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


@click.group()
@kube_options
def cluster() -> None:
    """Install dorgu into a cluster and show what dorgu knows about it."""


@cluster.command()
@kube_options
@click.option("--name", default=None, help="ClusterPersona name (default: cluster).")
@click.option("--dry-run", is_flag=True, help="Send everything as a server-side dry run.")
@click.option(
    "--operator-namespace",
    default="dorgu-system",
    show_default=True,
    help="The namespace `dorgu operator run` uses (its -n); created if missing.",
)
@click.option("--no-operator-namespace", is_flag=True, help="Do not create that namespace.")
@click.option("--peering/--no-peering", default=True, show_default=True,
              help="Install kopf's ClusterKopfPeering CRD (without it, run the operator with "
              "--standalone).")  # fmt: skip
def init(
    name: str | None,
    dry_run: bool,
    operator_namespace: str,
    no_operator_namespace: bool,
    peering: bool,
) -> None:
    """Install or upgrade the dorgu CRDs and create the ClusterPersona, plus what a locally
    run operator needs: its namespace and kopf's peering CRD."""
    from dorgu.services.clusters import DEFAULT_CLUSTER_PERSONA, init_cluster

    client = open_client()
    outcome = init_cluster(
        client=client,
        now=datetime.now(UTC),
        name=name or DEFAULT_CLUSTER_PERSONA,
        dry_run=dry_run,
        operator_namespace=None if no_operator_namespace else operator_namespace,
        peering=peering,
    )
    suffix = " (server dry run)" if dry_run else ""
    if outcome.namespace is not None:
        click.echo(f"namespace/{outcome.namespace} applied{suffix}")
    for crd in outcome.crds:
        click.echo(f"customresourcedefinition/{crd} applied{suffix}")
    persona = outcome.persona
    if outcome.persona_applied:
        click.echo(f"clusterpersona/{persona.metadata.name} applied{suffix}")
    else:
        click.echo(
            f"clusterpersona/{persona.metadata.name} would be created once the CRDs exist{suffix}"
        )
    status = persona.status
    if status is not None:
        click.echo(
            f"kubernetes {status.kubernetes_version or '?'} on {status.platform}, "
            f"{status.node_count} node(s), {len(status.addons)} add-on(s) found"
        )


@cluster.command()
@kube_options
@click.option("--name", default=None, help="ClusterPersona name (default: the only one).")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
def status(name: str | None, output: str) -> None:
    """Show the ClusterPersona: version, platform, nodes, add-ons, persona counts."""
    from dorgu.models.personas_base import dump_wire
    from dorgu.services.clusters import cluster_persona

    persona = cluster_persona(client=open_client(), name=name)
    if output != "table":
        emit(dump_wire(persona), output)
        return
    spec, state = persona.spec, persona.status
    click.echo(f"{click.style(str(persona.metadata.name), bold=True)}  ({spec.environment.value})")
    if state is None:
        click.echo("  no status yet: the operator has not discovered this cluster")
        return
    phase = state.phase.value if state.phase else "Unknown"
    colour = "green" if phase == "Ready" else "yellow"
    click.echo(f"  phase        {click.style(phase, fg=colour)}")
    click.echo(f"  kubernetes   {state.kubernetes_version or '-'}")
    click.echo(f"  platform     {state.platform or '-'}")
    ready = sum(1 for n in state.nodes if n.ready)
    click.echo(f"  nodes        {state.node_count or 0} ({ready} ready)")
    found = ", ".join(f"{a.name} ({a.type.value if a.type else 'other'})" for a in state.addons)
    click.echo(f"  add-ons      {found or 'none found'}")
    if state.namespaces is not None:
        ns = state.namespaces
        click.echo(f"  namespaces   {ns.total} ({ns.with_personas or 0} with personas)")
    click.echo(f"  personas     {state.application_count or 0}")
    if state.namespaces and state.namespaces.persona_counts:
        for namespace, count in sorted(state.namespaces.persona_counts.items()):
            click.echo(f"    {namespace:<20} {count}")
    if state.last_discovery is not None:
        click.echo(f"  discovered   {age(state.last_discovery)} ago")
