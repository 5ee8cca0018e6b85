"""The webhook worker process (``--webhook-process separate``) without a cluster: its
configuration line, its refusals, and the operator's side when the worker cannot start.
Serving against the testbed: tests/cluster/test_operator_admission_worker.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from dorgu.errors import DorguError
from dorgu.operator.metrics import Metrics
from dorgu.operator.webhook.certificates import TlsFiles
from dorgu.operator.webhook.spawning import WorkerProcess
from dorgu.operator.webhook.worker import WorkerConfig


def test_the_configuration_line_round_trips() -> None:
    config = WorkerConfig(host="127.0.0.1", port=0, cert_dir="/tmp/x", server="hypercorn",
                          both=True, kubeconfig="/k", context="c", log_level=10)  # fmt: skip

    line = config.to_line()

    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert WorkerConfig.from_line(line) == config


def _worker(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dorgu.operator.webhook.worker"], input=stdin,
                          capture_output=True, timeout=60)  # fmt: skip


def test_a_bad_configuration_line_is_one_log_line_and_exit_2() -> None:
    done = _worker(b'{"host": 1, "nonsense": true}\n')

    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "bad configuration line" in lines[0]
    assert "Traceback" not in done.stderr.decode()


def test_a_worker_whose_operator_left_before_configuring_it_exits_quietly() -> None:
    done = _worker(b"")

    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_a_worker_that_cannot_reach_the_cluster_fails_the_start_naming_its_exit(
    tmp_path: Path,
) -> None:
    config = WorkerConfig(host="127.0.0.1", port=0, cert_dir=str(tmp_path / "tls"),
                          kubeconfig=str(tmp_path / "missing-kubeconfig"))  # fmt: skip
    worker = WorkerProcess(config, metrics=Metrics(), tls=TlsFiles(tmp_path / "tls"))

    with pytest.raises(DorguError, match="exited with code 1 before serving"):
        asyncio.run(worker.start())
    assert not worker.serving
