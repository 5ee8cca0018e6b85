"""A real Alertmanager (Debian's prometheus-alertmanager, from the testbed build) notifies the
operator's receiver through a ``webhook_configs`` receiver with bearer auth: alerts posted to
Alertmanager's ``/api/v2/alerts`` reach ``submit`` as Alert signals, firing and then resolved.

Needs no control plane, only the binary: when the build lacks it the test fails in CI and is
skipped elsewhere (with the reason).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dorgu.learning.incidents import ObjectRef, Signal, SignalKind
from dorgu.models.incidents import IncidentSeverity
from dorgu.operator.alerting import ALERTMANAGER_PATH, AlertReceiver
from dorgu.operator.webhook.serving import Server
from tests.cluster.conftest import _binaries, _in_ci
from tests.operator.cluster_support import free_port, running_operator

TOKEN = "am-shared-token-1234"
BINARY = "prometheus-alertmanager"
CONFIG = """\
route:
  receiver: dorgu
  group_by: ['alertname', 'namespace']
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: dorgu
    webhook_configs:
      - url: http://127.0.0.1:{port}{path}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


@pytest.fixture(scope="module")
def alertmanager_binary() -> Path:
    binaries = _binaries()
    found = binaries.path(BINARY)
    if found is None:
        message = f"Alertmanager unavailable ({binaries.failed.get(BINARY, 'not built')})"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


@contextlib.contextmanager
def _alertmanager(binary: Path, root: Path, receiver_port: int) -> Iterator[str]:
    root.mkdir(parents=True, exist_ok=True)
    config = root / "alertmanager.yml"
    config.write_text(CONFIG.format(port=receiver_port, path=ALERTMANAGER_PATH, token=TOKEN))
    port = free_port()
    log = (root / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [str(binary), f"--config.file={config}", f"--storage.path={root / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=debug"],
        stdout=log, stderr=subprocess.STDOUT, env={"PATH": os.environ.get("PATH", "")},
        cwd=binary.parent,  # its templates are relocated there (versions.ALERTMANAGER_DATA)
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (root / "alertmanager.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Alertmanager never became ready"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _post_alerts(url: str, alerts: list[dict[str, object]]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Sink:
    def __init__(self) -> None:
        self.signals: list[Signal] = []

    async def __call__(self, signals: Sequence[Signal]) -> None:
        self.signals.extend(signals)


async def _until(condition: object, timeout: float, what: str) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def test_a_real_alertmanager_delivers_firing_and_resolved_alerts(
    alertmanager_binary: Path, tmp_path: Path
) -> None:
    sink = Sink()
    receiver = AlertReceiver(submit=sink, token=TOKEN)
    started = datetime.now(UTC) - timedelta(seconds=30)
    crash = {
        "labels": {"alertname": "KubePodCrashLooping", "severity": "critical",
                   "namespace": "shop", "pod": "web-5d59d67564-x7k2p", "container": "app",
                   "job": "kube-state-metrics"},
        "annotations": {"summary": "Pod shop/web-5d59d67564-x7k2p is crash looping."},
        "startsAt": _stamp(started),
        "generatorURL": "http://prometheus.local/graph",
    }  # fmt: skip
    watchdog = {"labels": {"alertname": "Watchdog", "severity": "none"},
                "startsAt": _stamp(started)}  # fmt: skip

    async def go() -> None:
        server = Server(receiver.app(), host="127.0.0.1", port=0)
        port = await server.start()
        try:
            with _alertmanager(alertmanager_binary, tmp_path / "am", port) as url:
                await asyncio.to_thread(_post_alerts, url, [crash, watchdog])
                await _until(lambda: any(s.ongoing for s in sink.signals), 30, "firing alert")
                ended = {**crash, "endsAt": _stamp(datetime.now(UTC) - timedelta(seconds=1))}
                await asyncio.to_thread(_post_alerts, url, [ended])
                await _until(lambda: any(not s.ongoing for s in sink.signals), 30,
                             "resolved alert")  # fmt: skip
        finally:
            await server.stop()

    asyncio.run(go())
    firing = [s for s in sink.signals if s.ongoing]
    resolved = [s for s in sink.signals if not s.ongoing]
    signal = firing[0]
    assert signal.kind is SignalKind.ALERT
    assert signal.resource == ObjectRef("Pod", "shop", "web-5d59d67564-x7k2p")
    assert signal.workload == ObjectRef("Deployment", "shop", "web")
    assert signal.reason == "KubePodCrashLooping" and signal.container == "app"
    assert signal.meaning.severity is IncidentSeverity.CRITICAL
    assert signal.message == "Pod shop/web-5d59d67564-x7k2p is crash looping."
    fingerprint, _, at = signal.token.partition("@")
    assert len(fingerprint) == 16 and at == started.strftime("%Y-%m-%dT%H:%M:%SZ")
    # the resolved notification names the same sighting; the Watchdog names no workload
    assert {(s.resource, s.token) for s in resolved} == {(signal.resource, signal.token)}
    assert {s.workload for s in sink.signals} == {ObjectRef("Deployment", "shop", "web")}
    assert receiver.requests.value(result="ok") >= 2
    assert sum(receiver.requests.values.values()) == receiver.requests.value(result="ok")


def test_the_operator_serves_the_receiver_to_a_real_alertmanager(
    alertmanager_binary: Path, testbed, tmp_path: Path
) -> None:
    """``dorgu operator run --alertmanager-listen``: the receiver on its own port, the token
    from a file; Alertmanager's notifications are accepted (the pipeline seam drops them until
    the incident tracker runs), a wrong token is refused, the metrics server does not serve it."""
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n")
    port = free_port()
    extra = ("--alertmanager-listen", f"127.0.0.1:{port}", "--alertmanager-token-file",
             str(token_file))  # fmt: skip
    with running_operator(testbed, tmp_path, extra=extra) as operator:
        endpoint = f"http://127.0.0.1:{port}{ALERTMANAGER_PATH}"
        refused = urllib.request.Request(endpoint, data=b"{}", method="POST",
                                         headers={"Authorization": "Bearer wrong"})  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(refused, timeout=5)
        assert caught.value.code == 401
        caught.value.close()  # an HTTPError holds the connection open
        assert operator.get(ALERTMANAGER_PATH)[0] == 404
        with _alertmanager(alertmanager_binary, tmp_path / "am", port) as url:
            started = datetime.now(UTC) - timedelta(seconds=5)
            alert = {"labels": {"alertname": "KubeDeploymentReplicasMismatch",
                                "namespace": "shop", "deployment": "web"},
                     "startsAt": _stamp(started)}  # fmt: skip
            _post_alerts(url, [alert])
            deadline = time.monotonic() + 30
            while operator.metric("dorgu_alertmanager_requests_total", result="ok") < 1:
                assert time.monotonic() < deadline, operator.tail()
                time.sleep(0.2)
        assert operator.metric("dorgu_alertmanager_requests_total", result="401") == 1
    log = (tmp_path / "operator.log").read_text()
    assert TOKEN not in log
    assert log.count("alertmanager receiver: 401") == 1
