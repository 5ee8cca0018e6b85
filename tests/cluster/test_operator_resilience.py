"""The operator never breaks the cluster and loses nothing: with the webhook down Deployments
are admitted (failurePolicy Ignore); killed mid-reconcile and started again, it converges;
two replicas with peering reconcile once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace

from tests.operator.cluster_support import (
    OperatorProcess,
    delete_quietly,
    delete_webhook_configuration,
    deployment,
    events_for,
    install_crds,
    persona,
    status_of,
    temporary_namespace,
)


@pytest.fixture
def home(testbed, kube: Client) -> Iterator[str]:
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


def _start(testbed, home: str, tmp_path: Path, config: str, **kw: object) -> OperatorProcess:
    process = OperatorProcess(kubeconfig=testbed.kubeconfig, namespace=home,
                              log=tmp_path / f"{config}.log", configuration=config, **kw)  # type: ignore[arg-type]  # fmt: skip
    process.wait_ready()
    return process


def test_webhook_down_admits_with_failure_policy_ignore(
    testbed, kube: Client, home: str, ns: str, tmp_path: Path, eventually
) -> None:
    config = f"dorgu-down-{uuid.uuid4().hex[:6]}"
    process = _start(testbed, home, tmp_path, config)
    try:
        kube.create(codecs.from_dict(persona("web", mode="enforce")), namespace=ns)
        over = deployment("probe", app="web", cpu="8")

        def denied() -> bool:
            try:
                kube.create(codecs.from_dict(over), namespace=ns, dry_run=True)
            except ApiError:
                return True
            return False

        eventually(denied, timeout=20)
    finally:
        assert process.stop() == 0, process.tail()
    try:
        webhook = kube.get(ValidatingWebhookConfiguration, config).webhooks[0]
        assert webhook.failurePolicy == "Ignore" and webhook.timeoutSeconds <= 5
        kube.create(codecs.from_dict(deployment("web", cpu="8")), namespace=ns)
        assert kube.get(Deployment, "web", namespace=ns).metadata.name == "web"
    finally:
        delete_webhook_configuration(kube, config)


def test_killed_mid_reconcile_and_restarted_converges(
    testbed, kube: Client, home: str, ns: str, tmp_path: Path, eventually
) -> None:
    config = f"dorgu-kill-{uuid.uuid4().hex[:6]}"
    first = _start(testbed, home, tmp_path, config)
    names = [f"app-{i:02d}" for i in range(30)]
    try:
        for name in names:
            kube.create(codecs.from_dict(persona(name)), namespace=ns)
            kube.create(codecs.from_dict(deployment(name)), namespace=ns)
        first.kill()  # SIGKILL while reconciles are in flight
        second = _start(testbed, home, tmp_path, config)
        try:

            def converged() -> bool:
                statuses = [status_of(kube, ns, n) for n in names]
                return all(s.get("phase") == "Active" and s.get("observedGeneration") == 1
                           and len(s["validation"]["targets"]) == 1 for s in statuses)  # fmt: skip

            eventually(converged, timeout=60)
        finally:
            assert second.stop() == 0, second.tail()
    finally:
        delete_webhook_configuration(kube, config)


def test_two_replicas_with_peering_reconcile_once(
    testbed, kube: Client, home: str, ns: str, tmp_path: Path, eventually
) -> None:
    peering = f"dorgu-{uuid.uuid4().hex[:6]}"
    configs = [f"{peering}-a", f"{peering}-b"]
    active = _start(
        testbed, home, tmp_path, configs[0], peering=peering, extra=("--priority", "200")
    )
    standby = _start(
        testbed, home, tmp_path, configs[1], peering=peering, extra=("--priority", "100")
    )
    names = [f"svc-{i}" for i in range(8)]
    try:
        time.sleep(2)  # let the replicas see each other in the peering object
        for name in names:
            kube.create(codecs.from_dict(persona(name)), namespace=ns)
            kube.create(codecs.from_dict(deployment(name)), namespace=ns)
        eventually(
            lambda: all(status_of(kube, ns, n).get("phase") == "Active" for n in names), timeout=60
        )
        time.sleep(2)

        assert active.metric("dorgu_status_writes_total", kind="persona") >= len(names)
        assert standby.metric("dorgu_status_writes_total", kind="persona") == 0
        assert standby.metric("dorgu_reconcile_duration_seconds_count") == 0
        # every replica serves the webhook
        assert active.metric("dorgu_admission_decisions_total") > 0
        assert standby.metric("dorgu_admission_decisions_total") > 0
        for name in names:  # one Event per transition, not one per replica
            reasons = [e.reason for e in events_for(kube, ns, name)]
            assert len(reasons) == len(set(reasons)), (name, reasons)
    finally:
        codes = [standby.stop(), active.stop()]
        for config in configs:
            delete_webhook_configuration(kube, config)
        assert codes == [0, 0], active.tail() + standby.tail()
