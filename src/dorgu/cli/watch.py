"""``dorgu watch [NAME] [-n NS | -A] [-o text|json]``: stream persona events from the
operator's live channel.

Exit codes: 0 (after --count events, or interrupted: 130); 2 usage; 6 the channel or the
cluster is unreachable or refused the watch (401/403).
"""

from __future__ import annotations

import asyncio
import json

import click

from dorgu.cli.cluster import connection_options, kube_options, open_client


def _line(event: dict[str, object]) -> str:
    where = f"{event.get('namespace')}/{event.get('persona')}".strip("/")
    data = json.dumps(event.get("data"), sort_keys=True, separators=(",", ":"))
    mark = " (snapshot)" if event.get("snapshot") else ""
    return f"{event.get('at') or '-'}  {where}  {event.get('type')}{mark}  {data}"


@click.command()
@kube_options
@click.argument("name", required=False)
@click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace you may read.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one event per line (JSON lines).",
)
@click.option(
    "--server",
    default=None,
    help="The channel's URL (default wss://127.0.0.1:PORT, PORT from the operator's "
    "dorgu-channel ConfigMap; e.g. after kubectl port-forward).",
)
@click.option(
    "--operator-namespace",
    default="dorgu-system",
    show_default=True,
    help="Where the operator runs (its dorgu-channel ConfigMap).",
)
@click.option(
    "--count", type=click.IntRange(min=1), default=None, help="Stop after this many events."
)
@click.option("--resume", default=None, help="Resume after this event id.")  # fmt: skip
def watch(name: str | None, all_namespaces: bool, output: str, server: str | None,
          operator_namespace: str, count: int | None, resume: str | None) -> None:  # fmt: skip
    """Stream what happens to personas: phase, validation, Argo CD and Flux, anomalies,
    recommendations, rollbacks and incidents; reconnects and resumes without gaps."""
    from dorgu.clients.channel import credentials, find_endpoint, stream
    from dorgu.errors import UsageError

    chosen = connection_options()
    if all_namespaces and (chosen.namespace or name):
        raise UsageError("-A watches every namespace: drop -n and NAME")
    client = open_client()
    namespace = None if all_namespaces else (chosen.namespace or client.namespace)
    find_endpoint(client, namespace=operator_namespace, server=server)  # fail fast if absent
    seen = 0

    def show(event: dict[str, object]) -> bool:
        nonlocal seen
        click.echo(json.dumps(event, sort_keys=True) if output == "json" else _line(event))
        seen += 1
        return count is None or seen < count

    asyncio.run(stream(lambda: find_endpoint(client, namespace=operator_namespace, server=server),
                       credentials(chosen), namespace=namespace, name=name, on_event=show,
                       resume=resume))  # fmt: skip
