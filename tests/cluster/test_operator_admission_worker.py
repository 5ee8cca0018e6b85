"""``--webhook-process separate`` against the testbed: the webhook runs in a worker process of
its own (its own caches), enforces exactly as inline does, its decisions show in the
operator's /metrics, hostile clients leave it up, quiet and enforcing (the inline module's
test, run here against the worker), a killed worker is started again on the same port (counted, counters
never going backwards), and stopping the operator stops the worker."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lightkube import Client, codecs

from tests.cluster.test_operator_admission import (  # run here against the worker too
    test_hostile_clients_leave_the_operator_up_quiet_and_enforcing,  # noqa: F401
)
from tests.operator.cluster_support import (
    OperatorProcess,
    denial,
    deployment,
    persona,
    running_operator,
    temporary_namespace,
)

SEPARATE = ("--webhook-process", "separate")


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with running_operator(testbed, tmp_path_factory.mktemp("operator"),
                          expect_webhook_configuration=True, extra=SEPARATE) as process:  # fmt: skip
        yield process


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def _workers(pid: int) -> list[int]:
    """The operator's child processes running the webhook worker."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"dorgu.operator.webhook.worker" in command:
            found.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_worker_enforces_and_its_decisions_show_in_the_operators_metrics(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    assert len(_workers(operator.process.pid)) == 1
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    probe = deployment("probe", app="shop", cpu="8")
    eventually(lambda: denial(kube, ns, probe, dry_run=True) is not None, timeout=20)

    message = denial(kube, ns, deployment("shop", cpu="2"))

    assert message is not None
    assert "persona shop:" in message and "persona.resource-bounds" in message
    assert "spec.template.spec.containers[0].resources.limits.cpu" in message
    assert "500m" in message and "fix:" in message
    assert denial(kube, ns, deployment("shop", cpu="400m")) is None
    assert operator.metric("dorgu_admission_decisions_total", result="denied", mode="enforce") >= 2
    assert operator.metric("dorgu_admission_duration_seconds_count", mode="enforce") >= 3
    assert 'dorgu_cache_objects{cache="deployments"}' in operator.get("/metrics")[1]


def test_a_killed_worker_is_started_again_and_enforces(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    probe = deployment("probe", app="shop", cpu="8")
    eventually(lambda: denial(kube, ns, probe, dry_run=True) is not None, timeout=20)
    denied = operator.metric("dorgu_admission_decisions_total", result="denied")
    (worker,) = _workers(operator.process.pid)

    os.kill(worker, signal.SIGKILL)

    def replaced() -> bool:
        fresh = _workers(operator.process.pid)
        return bool(fresh) and fresh != [worker] and operator.get("/readyz")[0] == 200

    eventually(replaced, timeout=30)
    assert operator.metric("dorgu_webhook_worker_restarts_total") == 1
    eventually(lambda: denial(kube, ns, probe, dry_run=True) is not None, timeout=20)
    assert operator.metric("dorgu_admission_decisions_total", result="denied") >= denied + 1
    assert "Traceback" not in operator.tail(400)


def test_stopping_the_operator_stops_the_worker(testbed, tmp_path: Path) -> None:
    with running_operator(testbed, tmp_path, extra=SEPARATE) as process:
        workers = _workers(process.process.pid)
        assert len(workers) == 1
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, workers))
