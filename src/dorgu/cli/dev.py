"""``dorgu dev``: build and run the local Kubernetes control plane (the testbed)."""

from __future__ import annotations

import shlex
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from dorgu.devcluster import building, extras, locations, scraping, sessions, versions
from dorgu.errors import ClusterError, UsageError


@click.group()
def dev() -> None:
    """Run a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)."""


@dev.command()
@click.option("--force", is_flag=True, help="Rebuild even when the cache is complete.")
@click.option("--no-extras", is_flag=True, help="Only the core binaries (skip helm, kwok, ...).")
def build(force: bool, no_extras: bool) -> None:
    """Build the testbed binaries into the cache (once per machine; idempotent)."""
    env = locations.current_env()
    if force or building.find_binaries(env=env) is None:
        _announce_build()
    if no_extras or force:
        binaries = building.ensure_binaries(env=env, force=force, extras=not no_extras)
    else:
        binaries = extras.add_missing_extras(env=env)
    source = "KUBEBUILDER_ASSETS" if binaries.from_assets else f"Kubernetes {versions.KUBERNETES}"
    click.echo(f"testbed binaries ({source}): {binaries.directory}")
    for name in binaries.available():
        click.echo(f"  {name}")
    for name, reason in sorted(binaries.failed.items()):
        click.echo(f"  {name}: not built ({reason})")


@dev.command()
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for readiness.")
@click.option(
    "--nodes",
    default=0,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Simulated nodes (kube-scheduler + kwok) so Pods reach Running.",
)
@click.option(
    "--metrics",
    is_flag=True,
    help="Also emulate kubelet/cAdvisor metrics with kwok and scrape them with Prometheus "
    "(implies at least 2 simulated nodes).",
)
@click.option(
    "--scrape-interval",
    default=scraping.DEFAULT_SCRAPE_INTERVAL,
    show_default=True,
    type=click.FloatRange(0.5, 300.0),
    help="Prometheus scrape interval in seconds (with --metrics).",
)
def up(timeout: float, nodes: int, metrics: bool, scrape_interval: float) -> None:
    """Start the dev cluster (building the binaries first if needed)."""
    environment = locations.current_env()
    if building.find_binaries(env=environment) is None:
        _announce_build()
    state, started = sessions.bring_up(
        env=environment,
        timeout=timeout,
        simulated_nodes=max(nodes, 2) if metrics else nodes,
        metrics=metrics,
        scrape_interval=scrape_interval,
    )
    click.echo(f"{'started' if started else 'already running'}: {state.server}")
    click.echo(f"kubeconfig: {state.kubeconfig}")
    prometheus = sessions.prometheus_url(state)
    if prometheus is not None:
        click.echo(f"prometheus: {prometheus}")
    click.echo(f"logs: {state.root}/logs")
    click.echo(f"export KUBECONFIG={shlex.quote(state.kubeconfig)}")
    if prometheus is not None:
        click.echo(f"export DORGU_PROMETHEUS_URL={shlex.quote(prometheus)}")


@dev.command()
@click.option(
    "--keep", is_flag=True, help="Keep the cluster directory (logs, data) for inspection."
)
def down(keep: bool) -> None:
    """Stop the dev cluster and remove its files."""
    state = sessions.bring_down(env=locations.current_env(), keep=keep)
    click.echo("stopped" if state is not None else "no dev cluster was running")


@dev.command()
def status() -> None:
    """Show whether the dev cluster runs and answers /readyz (exit 6 when it does not)."""
    report = sessions.status(env=locations.current_env())
    if report.state is None:
        raise ClusterError("no dev cluster is recorded", hint="run 'dorgu dev up'")
    click.echo(f"server: {report.state.server} ({'ready' if report.ready else 'not ready'})")
    prometheus = sessions.prometheus_url(report.state)
    if prometheus is not None:
        click.echo(f"prometheus: {prometheus}")
    for component in report.state.components:
        alive = "running" if component.name in report.running else "stopped"
        click.echo(f"  {component.name}: {alive} (pid {component.pid}, log {component.log})")
    if not report.ready:
        raise ClusterError(
            f"the dev cluster at {report.state.server} is not ready",
            hint="see the logs above, or 'dorgu dev down' and 'dorgu dev up'",
        )


@dev.command()
@click.option("--path", "with_path", is_flag=True, help="Also put kubectl and friends on PATH.")
def env(with_path: bool) -> None:
    """Print shell exports for the dev cluster: eval "$(dorgu dev env)"."""
    environment = locations.current_env()
    state = sessions.current_state(env=environment)
    if state is None:
        raise ClusterError("no dev cluster is recorded", hint="run 'dorgu dev up' first")
    click.echo(f"export KUBECONFIG={shlex.quote(state.kubeconfig)}")
    prometheus = sessions.prometheus_url(state)
    if prometheus is not None:
        click.echo(f"export DORGU_PROMETHEUS_URL={shlex.quote(prometheus)}")
    if with_path:
        binaries = building.find_binaries(env=environment)
        if binaries is not None:
            click.echo(f'export PATH={shlex.quote(str(binaries.directory))}:"$PATH"')


@dev.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option(
    "--pods",
    is_flag=True,
    help="Instead of FILE: synthetic history continuing the running Pods' usage annotations.",
)
@click.option("-n", "--namespace", default=None, help="With --pods: only this namespace.")
@click.option(
    "--days",
    default=14.0,
    show_default=True,
    type=click.FloatRange(min=0.01, max=400.0),
    help="With --pods: days of history.",
)
@click.option(
    "--step",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1.0, max=3600.0),
    help="With --pods: seconds between samples.",
)
def backfill(
    file: Path | None, pods: bool, namespace: str | None, days: float, step: float
) -> None:
    """Load an OpenMetrics FILE (timestamps in seconds, ending 3h ago) into the dev cluster's
    Prometheus, or with --pods history for the running Pods (needs 'dorgu dev up --metrics')."""
    environment = locations.current_env()
    if (file is None) == (not pods):
        raise UsageError("give either FILE or --pods", hint="dorgu dev backfill --help")
    if pods:
        loaded = sessions.backfill_pods(
            env=environment, namespace=namespace, days=days, step=step, now=time.time()
        )
    else:
        assert file is not None
        loaded = sessions.backfill(env=environment, source=file)
    span = ""
    if loaded.start is not None and loaded.end is not None:
        span = f" from {_utc(loaded.start)} to {_utc(loaded.end)}"
    click.echo(
        f"backfilled {loaded.samples} samples of {loaded.series} series{span} "
        f"({loaded.blocks} blocks)"
    )


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _announce_build() -> None:
    click.echo(
        f"building the testbed (Kubernetes {versions.KUBERNETES}) from Go modules; "
        "the first build takes 15-30 minutes on 2 cores (-v shows progress)",
        err=True,
    )
