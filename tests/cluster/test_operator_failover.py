"""Failover: two operator replicas with kopf peering; the active one is killed with SIGKILL (no
goodbye in the peering object) and the standby takes over once the dead peer's lifetime runs
out: a persona created after the kill gets its status from the survivor within ~30 s."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lightkube import Client, codecs
from lightkube.resources.core_v1 import Namespace

from tests.operator.cluster_support import (
    PEERING,
    OperatorProcess,
    delete_quietly,
    delete_webhook_configuration,
    deployment,
    install_crds,
    persona,
    status_of,
    temporary_namespace,
)

TAKEOVER_SECONDS = 30  # the peering lifetime (20 s) plus kopf's re-evaluation and a reconcile


@pytest.fixture
def home(testbed: Any, kube: Client) -> Iterator[str]:
    install_crds(kube)
    name = f"dorgu-op-{uuid.uuid4().hex[:6]}"
    kube.create(Namespace(metadata={"name": name}))  # type: ignore[arg-type]
    try:
        yield name
    finally:
        delete_quietly(kube, Namespace, name)


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def _active(kube: Client, ns: str, name: str) -> bool:
    status = status_of(kube, ns, name)
    targets = (status.get("validation") or {}).get("targets") or []
    return status.get("phase") == "Active" and len(targets) == 1


def test_standby_takes_over_when_the_active_replica_is_killed(
    testbed: Any, kube: Client, home: str, ns: str, tmp_path: Path, eventually: Any
) -> None:
    peering = f"dorgu-{uuid.uuid4().hex[:6]}"
    configs = [f"{peering}-a", f"{peering}-b"]

    def start(config: str, priority: int) -> OperatorProcess:
        process = OperatorProcess(kubeconfig=testbed.kubeconfig, namespace=home,
                                  log=tmp_path / f"{config}.log", configuration=config,
                                  peering=peering, extra=("--priority", str(priority)))  # fmt: skip
        process.wait_ready()
        return process

    active = start(configs[0], 200)
    standby = start(configs[1], 100)
    try:
        time.sleep(2)  # let the replicas see each other in the peering object
        kube.create(codecs.from_dict(deployment("before")), namespace=ns)
        kube.create(codecs.from_dict(persona("before")), namespace=ns)
        eventually(lambda: _active(kube, ns, "before"), timeout=60)
        assert active.metric("dorgu_status_writes_total", kind="persona") >= 1
        assert standby.metric("dorgu_status_writes_total", kind="persona") == 0

        active.kill()  # SIGKILL: its entry stays in the peering object until it expires
        killed_at = time.monotonic()
        kube.create(codecs.from_dict(deployment("after")), namespace=ns)
        kube.create(codecs.from_dict(persona("after")), namespace=ns)
        eventually(lambda: _active(kube, ns, "after"), timeout=TAKEOVER_SECONDS + 15)
        took = time.monotonic() - killed_at
        assert took <= TAKEOVER_SECONDS, f"takeover took {took:.1f}s"

        assert standby.metric("dorgu_status_writes_total", kind="persona") >= 1
        assert standby.metric("dorgu_reconcile_duration_seconds_count") >= 1
        assert _active(kube, ns, "before")  # the survivor keeps what the dead replica wrote
    finally:
        code = standby.stop()
        active.stop()
        for config in configs:
            delete_webhook_configuration(kube, config)
        delete_quietly(kube, PEERING, peering)
    assert code == 0, standby.tail()
