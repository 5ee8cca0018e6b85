"""Helpers for the operator's testbed tests (``tests/cluster/test_operator_*.py``): CRDs,
the operator as a subprocess, personas and Deployments as plain dicts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_global_resource, create_namespaced_resource
from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import Event, Namespace

from dorgu.crds import crd_files
from dorgu.operator.peering import PEERING_CRD

AP = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")
PARAMS = create_namespaced_resource("dorgu.io", "v1", "PersonaPolicy", "personapolicies")
CP = create_global_resource("dorgu.io", "v1", "ClusterPersona", "clusterpersonas")
PEERING = create_global_resource("kopf.dev", "v1", "ClusterKopfPeering", "clusterkopfpeerings")
OPT_IN = {"dorgu.io/validate": "true"}


def _established(kube: Client, name: str) -> bool:
    crd = kube.get(CustomResourceDefinition, name)
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


def install_crds(kube: Client) -> None:
    names = []
    for text in crd_files().values():
        crd = yaml.safe_load(text)
        kube.apply(codecs.from_dict(crd), force=True)
        names.append(crd["metadata"]["name"])
    kube.apply(codecs.from_dict(PEERING_CRD), force=True)
    names.append(PEERING_CRD["metadata"]["name"])  # type: ignore[index]
    deadline = time.monotonic() + 30
    while not all(_established(kube, n) for n in names):
        assert time.monotonic() < deadline, "CRDs never became Established"
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OperatorProcess:
    """``dorgu operator run`` in a subprocess against the testbed."""

    def __init__(
        self,
        *,
        kubeconfig: Path,
        namespace: str,
        log: Path,
        configuration: str,
        peering: str | None = None,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.metrics_port = free_port()
        self.log = log
        self.configuration = configuration
        args = [
            sys.executable, "-m", "dorgu.cli.main", "-vv", "operator", "run",
            "--kubeconfig", str(kubeconfig), "--namespace", namespace,
            "--webhook-host", "127.0.0.1", "--webhook-port", "0", "--opt-in",
            "--webhook-configuration", configuration, "--cert-secret", f"{configuration}-certs",
            "--metrics-port", str(self.metrics_port), "--discovery-interval", "5",
        ]  # fmt: skip
        args += ["--peering", peering] if peering else ["--standalone"]
        args += list(extra)
        self.handle = log.open("ab")
        self.process = subprocess.Popen(
            args, stdout=self.handle, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )

    def get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return 0, ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"operator exited {self.process.returncode}:\n{self.tail()}")
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"operator not ready in {timeout}s:\n{self.tail()}")

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels``."""
        total = 0.0
        for line in self.get("/metrics")[1].splitlines():
            if not line.startswith(name) or line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            base = series.split("{", 1)[0]
            if base != name:
                continue
            if all(f'{k}="{v}"' in series for k, v in labels.items()):
                total += float(value)
        return total

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()
        return self.process.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def make_namespace(kube: Client, name: str, *, mode: str | None = None) -> str:
    labels = {**OPT_IN, "dorgu.dev/test": name}
    if mode:
        labels["dorgu.io/validation-mode"] = mode
    kube.create(Namespace(metadata={"name": name, "labels": labels}))  # type: ignore[arg-type]
    return name


def delete_quietly(kube: Client, resource: Any, name: str, **kw: Any) -> None:
    with contextlib.suppress(ApiError):
        kube.delete(resource, name, **kw)


def delete_webhook_configuration(kube: Client, name: str) -> None:
    delete_quietly(kube, ValidatingWebhookConfiguration, name)


def persona(
    name: str, *, mode: str | None = None, cpu_max: str = "500m", **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": name},
        "spec": {
            "name": name,
            "type": "api",
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": cpu_max, "memory": "256Mi"},
            },
            "scaling": {"minReplicas": 1, "maxReplicas": 4},
            **spec,
        },
    }
    if mode:
        body["spec"]["validation"] = {"mode": mode}
    return body


def deployment(
    name: str,
    *,
    app: str | None = None,
    cpu: str = "200m",
    replicas: int = 2,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Deployment that passes every error-level rule unless ``cpu`` exceeds the bound."""
    labels = {"app.kubernetes.io/name": app or name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels, "annotations": annotations or {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": app or name,
                            "image": "registry.example.com/app:1.2.3",
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": cpu, "memory": "256Mi"},
                            },
                            "securityContext": {
                                "runAsNonRoot": True,
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }
                    ],
                },
            },
        },
    }


def denial(kube: Client, ns: str, body: dict[str, Any], *, dry_run: bool = False) -> str | None:
    """Create ``body`` in ``ns``: None when admitted, else the API server's message."""
    try:
        kube.create(codecs.from_dict(body), namespace=ns, dry_run=dry_run)
    except ApiError as error:
        return error.status.message or str(error.status.code)
    return None


def events_for(kube: Client, namespace: str, name: str) -> list[Event]:
    return [
        e for e in kube.list(Event, namespace=namespace)
        if e.involvedObject.kind == "ApplicationPersona" and e.involvedObject.name == name
    ]  # fmt: skip


def status_of(kube: Client, namespace: str, name: str) -> dict[str, Any]:
    obj = kube.get(AP, name, namespace=namespace)
    return dict(obj.status or {})


Check = Callable[[], Any]


@contextlib.contextmanager
def temporary_namespace(kube: Client) -> Iterator[str]:
    """A fresh opted-in namespace for one test, deleted (without waiting) afterwards."""
    name = make_namespace(kube, f"t-{uuid.uuid4().hex[:10]}")
    try:
        yield name
    finally:
        delete_quietly(kube, Namespace, name)


@contextlib.contextmanager
def running_operator(
    testbed: Any,
    log_dir: Path,
    *,
    expect_webhook_configuration: bool = False,
    extra: tuple[str, ...] = (),
) -> Iterator[OperatorProcess]:
    """An operator with its own home namespace and webhook configuration, stopped (exit 0
    asserted, log tail shown otherwise) and cleaned up afterwards."""
    suffix = uuid.uuid4().hex[:6]
    home, config = f"dorgu-op-{suffix}", f"dorgu-test-{suffix}"
    with testbed.client() as kube:
        install_crds(kube)
        kube.create(Namespace(metadata={"name": home}))  # type: ignore[arg-type]
    process = OperatorProcess(
        kubeconfig=testbed.kubeconfig, namespace=home, log=log_dir / "operator.log",
        configuration=config, extra=extra,
    )  # fmt: skip
    try:
        process.wait_ready()
        if expect_webhook_configuration:
            with testbed.client() as kube:
                kube.get(ValidatingWebhookConfiguration, config)
        yield process
    finally:
        code = process.stop()
        with testbed.client() as kube:
            delete_webhook_configuration(kube, config)
            delete_quietly(kube, Namespace, home)
        assert code == 0, process.tail()
