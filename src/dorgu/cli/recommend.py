"""``dorgu recommend``: right-size the containers of running workloads from Prometheus history.

Exit codes: 0 ok; 2 usage (bad flag, unknown workload, query budget too small); 5 a patch file
cannot be written; 6 the cluster or Prometheus is unreachable, slow or wrong.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import click

from dorgu.cli.cluster import emit, kube_options, open_client, table

OUTPUTS = ("table", "json", "yaml", "csv")
STRATEGY_NAMES = ("krr-simple", "vpa", "target-utilization")
PATCH_FORMATS = ("kustomize", "helm-values", "persona")
_RESOURCES = [(p, r) for p in ("requests", "limits") for r in ("cpu", "memory")]


def _value(record: dict[str, object], side: str, part: str, resource: str) -> str:
    amounts = record[side]
    assert isinstance(amounts, dict)
    return str(amounts[part][resource] or "-")


def _change(record: dict[str, object], part: str, resource: str) -> str:
    old = _value(record, "current", part, resource)
    new = _value(record, "recommended", part, resource)
    return old if old == new else f"{old} -> {new}"


def _table(records: list[dict[str, object]], total: float) -> str:
    rows = [["NAMESPACE", "WORKLOAD", "CONTAINER", "CPU REQ", "MEM REQ", "CPU LIM", "MEM LIM",
             "CONF", "SAVES/MO"]]  # fmt: skip
    notes: list[str] = []
    for r in records:
        rows.append(
            [
                str(r["namespace"]),
                f"{str(r['kind']).lower()}/{r['name']}",
                str(r["container"]),
                *(_change(r, part, resource) for part, resource in _RESOURCES),
                f"{float(str(r['confidence'])):.2f}",
                f"${float(str(r['monthly_savings_usd'])):.2f}",
            ]
        )
        reasons = r["reasons"]
        assert isinstance(reasons, list)
        for reason in reasons[1:] if r["points"] else reasons:
            notes.append(f"{r['namespace']}/{r['name']}/{r['container']}: {reason}")
    text = table(rows)
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text + f"\n\ntotal monthly savings: ${total:.2f}"


def _csv(records: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = [f"{side}_{part}_{resource}" for side in ("current", "recommended")
               for part, resource in _RESOURCES]  # fmt: skip
    writer.writerow(["namespace", "kind", "name", "container", *columns, "strategy", "window",
                     "points", "confidence", "monthly_savings_usd", "reasons"])  # fmt: skip
    for r in records:
        values = [_value(r, side, part, resource) for side in ("current", "recommended")
                  for part, resource in _RESOURCES]  # fmt: skip
        values = ["" if v == "-" else v for v in values]
        reasons = r["reasons"]
        assert isinstance(reasons, list)
        writer.writerow([r["namespace"], r["kind"], r["name"], r["container"], *values,
                         r["strategy"], r["window"], r["points"], r["confidence"],
                         r["monthly_savings_usd"], "; ".join(map(str, reasons))])  # fmt: skip
    return buffer.getvalue()


@click.command()
@click.argument("workload", required=False)
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace.")
@click.option(
    "--prometheus-url",
    default=None,
    help="Prometheus base URL (default: prometheus.url, DORGU_PROMETHEUS_URL).",
)
@click.option("--history", default=None, help="History window, e.g. 14d (default 14d).")
@click.option(
    "--step",
    default=None,
    help="Resolution of the usage series, 1m to 1h (default 1m); the CPU rate is taken over "
    "twice it.  Use the scrape interval when Prometheus keeps fewer samples than one a minute.",
)
@click.option(
    "--strategy",
    type=click.Choice(STRATEGY_NAMES),
    default=None,
    help="How to size (default krr-simple; see docs/recommend.md).",
)
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
@click.option(
    "--patch",
    nargs=2,
    type=(click.Choice(PATCH_FORMATS), click.Path(path_type=Path)),
    default=None,
    metavar="FORMAT DIR",
    help="Also write the changes as reviewable files: kustomize, helm-values or "
    "persona, under DIR.  Never changes the cluster.",
)
@click.option("--force", is_flag=True, help="Overwrite patch files that differ.")
@click.option("--max-queries", type=click.IntRange(min=1), default=None,
              help="Most Prometheus queries this scan may send (default 10000).")  # fmt: skip
def recommend(
    workload: str | None,
    all_namespaces: bool,
    prometheus_url: str | None,
    history: str | None,
    step: str | None,
    strategy: str | None,
    output: str,
    patch: tuple[str, Path] | None,
    force: bool,
    max_queries: int | None,
) -> None:
    """Recommend CPU and memory requests and limits for the containers of Deployments,
    StatefulSets, DaemonSets and CronJobs, from their usage history in Prometheus, with the
    monthly savings.  Reads only; --patch writes files for review."""
    from dorgu.cli.cluster import connection_options
    from dorgu.errors import UsageError
    from dorgu.services.configuring import load_settings
    from dorgu.services.patches import render_patches, write_patches
    from dorgu.services.recommending import RecommendRequest
    from dorgu.services.recommending import recommend as run
    from dorgu.services.workloads import list_workloads

    namespace = connection_options().namespace
    if all_namespaces and namespace:
        raise UsageError("-n/--namespace and -A/--all-namespaces exclude each other")
    settings = load_settings(Path("."), app_file=False).settings
    request = RecommendRequest.from_settings(
        settings,
        strategy=strategy,
        window=history,
        prometheus_url=prometheus_url,
        max_queries=max_queries,
        step=step,
    )
    client = open_client()
    workloads = list_workloads(
        client=client, namespace=namespace, all_namespaces=all_namespaces, target=workload
    )
    report = asyncio.run(run(workloads=workloads, request=request))
    files = render_patches(report.records, patch[0]) if patch else {}
    if patch:
        written = write_patches(files, patch[1], force=force)
        for path in written:
            click.echo(f"wrote {path}", err=True)
        if not written:
            click.echo("no changes to write", err=True)
    if output == "csv":
        click.echo(_csv(report.records), nl=False)
    elif output != "table":
        emit(report.records, output)
    elif not report.records:
        click.echo("no workloads with containers in scope")
    else:
        click.echo(_table(report.records, report.monthly_savings_usd))
