"""The long-lived cluster behind ``dorgu dev up | down | status``: one per user, kept in
``locations.dev_home`` with a state file so a later dorgu process can find and stop it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dorgu.devcluster import (
    backfilling,
    building,
    extras,
    histories,
    locations,
    probing,
    processes,
    scraping,
)
from dorgu.devcluster.components import LOOPBACK, Layout
from dorgu.devcluster.launching import PROMETHEUS, STOP_ORDER, ControlPlane
from dorgu.devcluster.states import ClusterState, ComponentState, read_state, write_state
from dorgu.errors import ClusterError
from dorgu.formats import usagehistories

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """What ``dorgu dev status`` reports."""

    state: ClusterState | None
    running: list[str]
    ready: bool


def _layout(env: Mapping[str, str]) -> Layout:
    return Layout(root=locations.dev_home(env))


def current_state(*, env: Mapping[str, str]) -> ClusterState | None:
    """The recorded cluster, if any (running or not)."""
    return read_state(_layout(env).state)


def prometheus_url(state: ClusterState) -> str | None:
    """The dev cluster's Prometheus (``dorgu dev up --metrics``), None without one."""
    port = state.ports.get("prometheus", 0)
    return f"http://{LOOPBACK}:{port}" if port else None


def bring_up(
    *,
    env: Mapping[str, str],
    timeout: float = 60.0,
    simulated_nodes: int = 0,
    metrics: bool = False,
    scrape_interval: float = scraping.DEFAULT_SCRAPE_INTERVAL,
) -> tuple[ClusterState, bool]:
    """Start the dev cluster unless it runs already; returns (state, started_now).

    ``simulated_nodes`` > 0 adds kube-scheduler and kwok with that many fake Nodes;
    ``metrics`` adds kwok's metrics emulation and a Prometheus scraping it.
    """
    layout = _layout(env)
    existing = read_state(layout.state)
    if existing is not None and existing.running():
        if len(existing.running()) == len(existing.components):
            if metrics and prometheus_url(existing) is None:
                raise ClusterError(
                    f"the dev cluster in {layout.root} runs without metrics",
                    hint="run 'dorgu dev down', then 'dorgu dev up --metrics'",
                )
            return existing, False
        raise ClusterError(
            f"the dev cluster in {layout.root} is only partly running "
            f"({', '.join(existing.running())})",
            hint="run 'dorgu dev down' first",
        )
    # Metrics need Prometheus, which a cache from before it was pinned lacks: fetch it then.
    binaries = extras.add_missing_extras(env=env) if metrics else building.ensure_binaries(env=env)
    if layout.root.exists():
        shutil.rmtree(layout.root)  # a stale cluster from an earlier `up` that died
    plane = ControlPlane(
        binaries=binaries,
        root=layout.root,
        detached=True,
        timeout=timeout,
        simulated_nodes=simulated_nodes,
        metrics=metrics,
        scrape_interval=scrape_interval,
    )
    plane.start()
    plane.save_state()
    return plane.state(), True


def bring_down(*, env: Mapping[str, str], keep: bool = False) -> ClusterState | None:
    """Stop the dev cluster (controller manager, API server, etcd) and remove its files."""
    layout = _layout(env)
    state = read_state(layout.state)
    if state is not None:
        rank = {name: index for index, name in enumerate(STOP_ORDER)}
        for component in sorted(state.components, key=lambda c: rank.get(c.name, -1)):
            processes.stop(component.ref)
            logger.info("stopped %s (pid %d)", component.name, component.pid)
    if not keep and layout.root.exists():
        shutil.rmtree(layout.root)
    return state


def status(*, env: Mapping[str, str]) -> Status:
    state = current_state(env=env)
    if state is None:
        return Status(state=None, running=[], ready=False)
    running = state.running()
    return Status(state=state, running=running, ready=bool(running) and _ready(state))


def _ready(state: ClusterState) -> bool:
    pki = Path(state.root) / "pki"
    context = probing.tls_context(
        ca_cert=pki / "ca.crt", client_cert=pki / "admin.crt", client_key=pki / "admin.key"
    )
    return probing.fetch(f"{state.server}/readyz", context=context)[0] == 200


def backfill_pods(
    *,
    env: Mapping[str, str],
    namespace: str | None,
    days: float,
    step: float,
    now: float,
) -> backfilling.Loaded:
    """Backfill ``days`` of history for the running Pods (of ``namespace``, else all) that
    continues their live usage annotations, ending 3h15m before ``now``."""
    state = current_state(env=env)
    if state is None or not state.running():
        raise ClusterError("no dev cluster is running", hint="run 'dorgu dev up --metrics'")
    if prometheus_url(state) is None:
        raise ClusterError(
            "the dev cluster runs without Prometheus",
            hint="run 'dorgu dev down', then 'dorgu dev up --metrics'",
        )
    pki = Path(state.root) / "pki"
    context = probing.tls_context(
        ca_cert=pki / "ca.crt", client_cert=pki / "admin.crt", client_key=pki / "admin.key"
    )
    where = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    listing = probing.fetch_json(f"{state.server}{where}", context=context)
    if listing is None:
        raise ClusterError(f"cannot list the Pods at {state.server}{where}")
    containers = histories.containers_of_pods(listing.get("items") or [])
    if not containers:
        scope = f"namespace {namespace}" if namespace else "the cluster"
        raise ClusterError(
            f"no running Pods in {scope} to backfill", hint="create them first, or give a FILE"
        )
    layout = _layout(env)
    layout.prometheus.mkdir(parents=True, exist_ok=True)
    source = layout.prometheus / f".pods-history-{os.getpid()}.om"
    try:
        end = now - backfilling.HEAD_MARGIN_SECONDS - 15 * 60
        with source.open("w", encoding="utf-8") as out:
            out.writelines(usagehistories.render_history(containers, end=end, days=days, step=step))
        return backfill(env=env, source=source)
    finally:
        source.unlink(missing_ok=True)


def backfill(*, env: Mapping[str, str], source: Path, timeout: float = 60.0) -> backfilling.Loaded:
    """Load an OpenMetrics file into the running dev cluster's Prometheus (restarting it)."""
    layout = _layout(env)
    state = read_state(layout.state)
    if state is None or not state.running():
        raise ClusterError("no dev cluster is running", hint="run 'dorgu dev up --metrics'")
    port = state.ports.get("prometheus", 0)
    component = next((c for c in state.components if c.name == PROMETHEUS), None)
    if not port or component is None:
        raise ClusterError(
            "the dev cluster runs without Prometheus",
            hint="run 'dorgu dev down', then 'dorgu dev up --metrics'",
        )
    binaries = building.find_binaries(env=env)
    if binaries is None:
        raise ClusterError("the testbed binaries are gone", hint="run 'dorgu dev build'")
    blocks = backfilling.create_blocks(
        promtool=binaries.require("promtool"),
        source=source,
        scratch=layout.prometheus,
        env=env,
    )
    processes.stop(component.ref)
    try:
        return backfilling.install_blocks(blocks, data=layout.prometheus_data)
    finally:
        _restart_prometheus(
            state=state,
            layout=layout,
            binaries=binaries,
            port=port,
            log=Path(component.log),
            timeout=timeout,
        )


def _restart_prometheus(
    *,
    state: ClusterState,
    layout: Layout,
    binaries: building.Binaries,
    port: int,
    log: Path,
    timeout: float,
) -> None:
    """Start the dev cluster's Prometheus again (detached) and record its new process."""
    argv = scraping.prometheus_argv(
        binary=binaries.require(PROMETHEUS),
        config=layout.prometheus_config,
        data=layout.prometheus_data,
        port=port,
    )
    process = processes.spawn(argv=argv, log_path=log, tie_to_parent=False)
    ref = processes.ref_of(process)
    restarted = ComponentState(PROMETHEUS, ref.pid, ref.start_ticks, str(log))
    write_state(
        ClusterState(
            **{
                **vars(state),
                "components": [restarted if c.name == PROMETHEUS else c for c in state.components],
            }
        ),
        layout.state,
    )
    ready = f"http://{LOOPBACK}:{port}/-/ready"
    problem = probing.wait_until(
        lambda: probing.fetch(ready)[0] == 200,
        timeout=timeout,
        abort=lambda: None if process.poll() is None else "prometheus exited",
    )
    if problem is not None:
        raise ClusterError(
            f"Prometheus did not come back after the backfill: {problem} (log: {log})"
        )
