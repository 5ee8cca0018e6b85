"""The long-lived cluster behind ``dorgu dev up | down | status``: one per user, kept in
``locations.dev_home`` with a state file so a later dorgu process can find and stop it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dorgu.devcluster import building, locations, probing, processes
from dorgu.devcluster.components import Layout
from dorgu.devcluster.launching import STOP_ORDER, ControlPlane
from dorgu.devcluster.states import ClusterState, read_state
from dorgu.errors import ClusterError

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


def bring_up(
    *, env: Mapping[str, str], timeout: float = 60.0, simulated_nodes: int = 0
) -> tuple[ClusterState, bool]:
    """Start the dev cluster unless it runs already; returns (state, started_now).

    ``simulated_nodes`` > 0 adds kube-scheduler and kwok with that many fake Nodes.
    """
    layout = _layout(env)
    existing = read_state(layout.state)
    if existing is not None and existing.running():
        if len(existing.running()) == len(existing.components):
            return existing, False
        raise ClusterError(
            f"the dev cluster in {layout.root} is only partly running "
            f"({', '.join(existing.running())})",
            hint="run 'dorgu dev down' first",
        )
    binaries = building.ensure_binaries(env=env)
    if layout.root.exists():
        shutil.rmtree(layout.root)  # a stale cluster from an earlier `up` that died
    plane = ControlPlane(
        binaries=binaries,
        root=layout.root,
        detached=True,
        timeout=timeout,
        simulated_nodes=simulated_nodes,
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
