"""The ``testbed`` fixture: a real control plane (etcd, kube-apiserver, kube-controller-manager)
on loopback, shared by the whole test session, plus a fresh ``namespace`` per test.

Every test collected under ``tests/cluster/`` gets the ``cluster`` marker.  When the binaries
can be neither found nor built, the tests fail in CI (``CI=true``) and are skipped elsewhere,
always with the reason.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import AsyncClient, Client, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace

from dorgu.devcluster import building, certificates, locations
from dorgu.devcluster.launching import ControlPlane
from dorgu.errors import DorguError

FIELD_MANAGER = "dorgu-tests"
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.cluster)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class Testbed:
    """A running control plane and ways to talk to it."""

    __test__ = False  # not a test class, despite the name

    plane: ControlPlane
    kubeconfig: Path
    server: str
    ca_pem: bytes
    ca_file: Path
    root: Path

    @property
    def ca(self) -> certificates.KeyPair:
        """The CA (certificate and key) that signed the API server's certificate."""
        return self.plane.bundle.ca

    def client(self, **options: Any) -> Client:
        """A sync lightkube client with admin rights (system:masters)."""
        config = KubeConfig.from_file(self.kubeconfig)
        return Client(config, field_manager=FIELD_MANAGER, trust_env=False, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        config = KubeConfig.from_file(self.kubeconfig)
        return AsyncClient(config, field_manager=FIELD_MANAGER, trust_env=False, **options)

    def token_client(self, token: str, *, namespace: str = "default") -> Client:
        """A client that authenticates with a bearer token (for RBAC tests)."""
        document = yaml.safe_load(self.kubeconfig.read_text(encoding="utf-8"))
        document["users"][0]["user"] = {"token": token}
        document["contexts"][0]["context"]["namespace"] = namespace
        return Client(KubeConfig.from_dict(document), field_manager=FIELD_MANAGER, trust_env=False)

    def restart_apiserver(self) -> None:
        self.plane.restart_apiserver()

    def log(self, component: str) -> Path:
        return self.plane.layout.log(component)


def _binaries() -> building.Binaries:
    try:
        return building.ensure_binaries(env=locations.current_env())
    except DorguError as error:
        message = f"testbed binaries unavailable: {error}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """The shared control plane: no nodes, so Pods stay Pending."""
    yield from _run(ControlPlane(binaries=_binaries(), root=tmp_path_factory.mktemp("testbed")))


@pytest.fixture(scope="session")
def testbed_with_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """A second control plane with kube-scheduler and kwok: two fake Nodes, Pods reach Running.

    kwok is an optional extra of the build; when it did not build the tests that need it fail
    in CI and are skipped elsewhere (with the build's reason).
    """
    binaries = _binaries()
    missing = [n for n in ("kube-scheduler", "kwok") if binaries.path(n) is None]
    if missing:
        reasons = "; ".join(f"{n}: {binaries.failed.get(n, 'not built')}" for n in missing)
        message = f"simulated nodes unavailable ({reasons})"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("testbed-nodes")
    yield from _run(ControlPlane(binaries=binaries, root=root, simulated_nodes=2))


@pytest.fixture(scope="session")
def testbed_with_metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A third control plane: two kwok Nodes with emulated kubelet and cAdvisor metrics, a real
    Prometheus scraping them every second, and history backfilling (``tests/cluster/metrics.py``
    documents the ``MetricsTestbed`` it yields).  Needs kwok and Prometheus from the build: when
    they are missing the tests fail in CI and are skipped elsewhere (with the reason).
    """
    from tests.cluster.metrics import SCRAPE_INTERVAL, MetricsTestbed

    binaries = _binaries()
    missing = [
        n for n in ("kube-scheduler", "kwok", "prometheus", "promtool") if binaries.path(n) is None
    ]
    if missing:
        reasons = "; ".join(f"{n}: {binaries.failed.get(n, 'not built')}" for n in missing)
        message = f"metrics testbed unavailable ({reasons})"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("testbed-metrics")
    plane = ControlPlane(
        binaries=binaries,
        root=root,
        simulated_nodes=2,
        metrics=True,
        scrape_interval=SCRAPE_INTERVAL,
    )
    plane.start()
    try:
        assert plane.pki is not None and plane.prometheus_url is not None
        yield MetricsTestbed(
            plane=plane,
            kubeconfig=plane.layout.kubeconfig,
            server=plane.server,
            ca_pem=plane.ca_pem,
            ca_file=plane.pki.ca_cert,
            root=root,
            prometheus_url=plane.prometheus_url,
        )
    finally:
        plane.stop()


@pytest.fixture
def metrics_namespace(testbed_with_metrics: Any) -> Iterator[str]:
    """A fresh namespace in ``testbed_with_metrics`` (``namespace`` is one in ``testbed``)."""
    name = f"m-{uuid.uuid4().hex[:10]}"
    with testbed_with_metrics.client() as kube:
        kube.create(Namespace(metadata=ObjectMeta(name=name, labels={"dorgu.dev/test": name})))
        try:
            yield name
        finally:
            kube.delete(Namespace, name)


@pytest.fixture
def private_testbed(tmp_path: Path) -> Iterator[Testbed]:
    """A control plane of the test's own, for tests that disrupt it (restarts, outages)."""
    yield from _run(ControlPlane(binaries=_binaries(), root=tmp_path / "testbed"))


def _run(plane: ControlPlane) -> Iterator[Testbed]:
    root = plane.layout.root
    plane.start()
    try:
        assert plane.pki is not None
        yield Testbed(
            plane=plane,
            kubeconfig=plane.layout.kubeconfig,
            server=plane.server,
            ca_pem=plane.ca_pem,
            ca_file=plane.pki.ca_cert,
            root=root,
        )
    finally:
        plane.stop()


@pytest.fixture
def kube(testbed: Testbed) -> Iterator[Client]:
    client = testbed.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def namespace(kube: Client) -> Iterator[str]:
    """A fresh namespace, deleted (without waiting) after the test."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    kube.create(Namespace(metadata=ObjectMeta(name=name, labels={"dorgu.dev/test": name})))
    try:
        yield name
    finally:
        kube.delete(Namespace, name)


Poll = Callable[..., Any]


@pytest.fixture
def eventually() -> Poll:
    """``eventually(check, timeout=30)``: poll until ``check()`` is truthy, return it, or fail."""
    return _eventually


def _eventually(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout:.0f}s (last value: {last!r})")
