"""Start, restart and stop one control plane: etcd, kube-apiserver, kube-controller-manager.

Ports are free loopback ports reserved for this run; readiness is etcd ``/health``, the API
server's ``/readyz``, the controller manager's ``/healthz`` and the ``default`` service account
existing.  Processes are tied to the launching process unless ``detached`` (``dorgu dev up``),
and an ``atexit`` hook stops a tied control plane even when the caller forgets.  Optionally
(``simulated_nodes``) kube-scheduler and kwok add fake Nodes so Pods reach Running, and
(``metrics``) kwok emulates the kubelets' metrics endpoints and a real Prometheus scrapes them.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import ssl
import time
from pathlib import Path

import yaml

from dorgu.devcluster import (
    backfilling,
    certificates,
    components,
    emulating,
    kubeconfigs,
    ports,
    probing,
    scraping,
    simulating,
)
from dorgu.devcluster.building import Binaries
from dorgu.devcluster.components import Layout, Ports
from dorgu.devcluster.states import ClusterState, write_state
from dorgu.devcluster.supervising import PortTaken, Supervisor
from dorgu.errors import ClusterError

logger = logging.getLogger(__name__)

ETCD, APISERVER, CONTROLLER_MANAGER = "etcd", "kube-apiserver", "kube-controller-manager"
SCHEDULER, KWOK, PROMETHEUS = "kube-scheduler", "kwok", "prometheus"
STOP_ORDER = (PROMETHEUS, KWOK, SCHEDULER, CONTROLLER_MANAGER, APISERVER, ETCD)
# With clients still connected, kube-apiserver's graceful shutdown waits for them to leave; it
# keeps no state of its own (etcd does), so a restart does not wait long before SIGKILL.
_RESTART_GRACE = 2.0
_START_ATTEMPTS = 3


class ControlPlane:
    """One local control plane whose files all live under ``root``."""

    def __init__(
        self,
        *,
        binaries: Binaries,
        root: Path,
        detached: bool = False,
        controllers: bool = True,
        simulated_nodes: int = 0,
        metrics: bool = False,
        metrics_endpoints: tuple[str, ...] = ("resource", "cadvisor"),
        scrape_interval: float = scraping.DEFAULT_SCRAPE_INTERVAL,
        reservations: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.binaries = binaries
        self.layout = Layout(root=root)
        self.detached = detached
        self.controllers = controllers and binaries.path(CONTROLLER_MANAGER) is not None
        self.metrics = metrics
        self.simulated_nodes = max(simulated_nodes, 1) if metrics else simulated_nodes
        self.metrics_endpoints = metrics_endpoints
        self.scrape_interval = scrape_interval
        self.rule_files: tuple[Path, ...] = ()  # loaded into Prometheus (``load_rules``)
        if self.simulated_nodes:
            _check_simulation(binaries, controllers=self.controllers)
        if metrics:
            _check_metrics(binaries)
        self.timeout = timeout
        self._reservation = ports.Reservation(
            directory=reservations or ports.default_reservations_dir()
        )
        self._supervisor = Supervisor(logs=self.layout.logs, detached=detached, timeout=timeout)
        self.ports: Ports | None = None
        self.pki: certificates.BundleFiles | None = None
        self._bundle: certificates.Bundle | None = None

    # -- public API -------------------------------------------------------------------------

    @property
    def server(self) -> str:
        return f"https://{components.LOOPBACK}:{self._ports().apiserver}"

    @property
    def ca_pem(self) -> bytes:
        return self._bundle_or_fail().ca.cert_pem

    @property
    def prometheus_url(self) -> str | None:
        """The testbed Prometheus (``metrics``), None without one."""
        if not self.metrics:
            return None
        return f"http://{components.LOOPBACK}:{self._ports().prometheus}"

    @property
    def bundle(self) -> certificates.Bundle:
        return self._bundle_or_fail()

    def start(self) -> None:
        """Generate key material, start every component, return once the cluster is usable."""
        started = time.monotonic()
        self._prepare_files()
        if not self.detached:
            atexit.register(self.stop)
        for attempt in range(1, _START_ATTEMPTS + 1):
            self._allocate_ports()
            self._write_kubeconfigs()
            try:
                self._start_components()
                break
            except PortTaken as taken:
                logger.warning("port clash on attempt %d (%s); retrying", attempt, taken)
                self._stop_components()
                shutil.rmtree(self.layout.etcd_data, ignore_errors=True)
                self.layout.etcd_data.mkdir(mode=0o700)
                if attempt == _START_ATTEMPTS:
                    self.stop()
                    raise ClusterError(f"could not find free ports: {taken}") from None
            except BaseException:
                self.stop()
                raise
        logger.info("control plane ready at %s in %.1fs", self.server, time.monotonic() - started)

    def stop(self) -> None:
        """Stop every component (controller manager first), then free the ports."""
        self._stop_components()
        self._reservation.release()
        if not self.detached:
            atexit.unregister(self.stop)

    def _stop_components(self) -> None:
        self._supervisor.stop(STOP_ORDER)

    def restart_apiserver(self) -> None:
        """Stop and start kube-apiserver on the same port (etcd and its data stay)."""
        self._supervisor.stop([APISERVER], grace=_RESTART_GRACE)
        self._start_apiserver()

    def backfill(self, openmetrics: Path) -> backfilling.Loaded:
        """Load an OpenMetrics file (timestamps in seconds, checked first) into Prometheus:
        promtool writes blocks, they move into the data directory, Prometheus restarts to
        load them at once."""
        if not self.metrics:
            raise ClusterError(
                "this control plane runs no Prometheus", hint="start it with metrics"
            )
        blocks = backfilling.create_blocks(
            promtool=self.binaries.require("promtool"),
            source=openmetrics,
            scratch=self.layout.prometheus,
            env=dict(os.environ),
        )
        self._supervisor.stop([PROMETHEUS])
        try:
            return backfilling.install_blocks(blocks, data=self.layout.prometheus_data)
        finally:
            self._start_prometheus()

    def stop_prometheus(self) -> None:
        """Stop Prometheus (its data stays); ``start_prometheus`` brings it back on its port."""
        self._supervisor.stop([PROMETHEUS])

    def load_rules(self, files: tuple[Path, ...]) -> None:
        """Copy Prometheus rule files (``rule_files`` format) into the testbed and restart
        Prometheus evaluating them every scrape interval (replaces earlier ones).
        ``ClusterError`` when Prometheus refuses them."""
        if not self.metrics:
            raise ClusterError(
                "this control plane runs no Prometheus", hint="start it with metrics"
            )
        directory = self.layout.prometheus / "rules"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        copies = []
        for index, source in enumerate(files):
            target = directory / f"{index:03d}-{source.name}"
            shutil.copyfile(source, target)
            copies.append(target)
        self.rule_files = tuple(copies)
        self._supervisor.stop([PROMETHEUS])
        self._start_prometheus()

    def start_prometheus(self) -> None:
        if not self.metrics:
            raise ClusterError(
                "this control plane runs no Prometheus", hint="start it with metrics"
            )
        self._start_prometheus()

    def state(self) -> ClusterState:
        return ClusterState(
            root=str(self.layout.root),
            server=self.server,
            kubeconfig=str(self.layout.kubeconfig),
            kubernetes_version=self.binaries.kubernetes_version,
            ports={k: int(v) for k, v in vars(self._ports()).items()},
            components=self._supervisor.components(),
        )

    def save_state(self) -> None:
        write_state(self.state(), self.layout.state)

    # -- steps ------------------------------------------------------------------------------

    def _prepare_files(self) -> None:
        for directory in (self.layout.root, self.layout.logs, self.layout.etcd_data):
            directory.mkdir(parents=True, exist_ok=True)
        self.layout.etcd_data.chmod(0o700)
        self._bundle = certificates.make_bundle()
        self.pki = certificates.write_bundle(self._bundle, self.layout.pki)

    def _allocate_ports(self) -> None:
        self._reservation.release()
        allocate = self._reservation.allocate
        self.ports = Ports(
            etcd_client=allocate(),
            etcd_peer=allocate(),
            apiserver=allocate(),
            controller_manager=allocate(),
            scheduler=allocate(),
            kwok_server=allocate() if self.metrics else 0,
            prometheus=allocate() if self.metrics else 0,
        )

    def _write_kubeconfigs(self) -> None:
        bundle = self._bundle_or_fail()
        for path, pair, user in (
            (self.layout.kubeconfig, bundle.admin, "dorgu-admin"),
            (self.layout.controller_manager_kubeconfig, bundle.controller_manager, "kcm"),
        ):
            text = kubeconfigs.render_kubeconfig(
                server=self.server,
                ca_pem=bundle.ca.cert_pem,
                user=user,
                cert_pem=pair.cert_pem,
                key_pem=pair.key_pem,
            )
            path.touch(mode=0o600)
            path.write_text(text, encoding="utf-8")

    def _start_components(self) -> None:
        ports_ = self._ports()
        argv = components.etcd_argv(
            binary=self.binaries.require(ETCD), layout=self.layout, ports=ports_
        )
        self._supervisor.spawn(ETCD, argv)
        etcd_health = f"http://{components.LOOPBACK}:{ports_.etcd_client}/health"
        self._supervisor.wait(ETCD, lambda: probing.fetch(etcd_health)[0] == 200)
        self._start_apiserver()
        if self.controllers:
            self._supervisor.spawn(
                CONTROLLER_MANAGER,
                components.controller_manager_argv(
                    binary=self.binaries.require(CONTROLLER_MANAGER),
                    layout=self.layout,
                    ports=ports_,
                    pki=self._pki(),
                    controllers=self._controller_names(),
                ),
            )
            kcm_health = f"https://{components.LOOPBACK}:{ports_.controller_manager}/healthz"
            insecure = probing.tls_context(ca_cert=None, client_cert=None, client_key=None)
            self._supervisor.wait(
                CONTROLLER_MANAGER, lambda: probing.fetch(kcm_health, context=insecure)[0] == 200
            )
            sa_url = f"{self.server}/api/v1/namespaces/default/serviceaccounts/default"
            self._supervisor.wait(
                CONTROLLER_MANAGER,
                lambda: probing.fetch_json(sa_url, context=self._admin_tls()) is not None,
            )
        if self.simulated_nodes:
            self._start_simulation()
        if self.metrics:
            self._start_prometheus()

    def _controller_names(self) -> tuple[str, ...]:
        extra = simulating.EXTRA_CONTROLLERS if self.simulated_nodes else ()
        return (*components.CONTROLLERS, *extra)

    def _start_simulation(self) -> None:
        kubeconfig = simulating.scheduler_kubeconfig(self.layout)
        binaries = self.binaries
        self._supervisor.spawn(
            SCHEDULER,
            simulating.scheduler_argv(
                binary=binaries.require(SCHEDULER),
                kubeconfig=kubeconfig,
                port=self._ports().scheduler,
            ),
        )
        stages = binaries.directory / simulating.STAGES_FILE
        if self.metrics:
            documents = emulating.emulation_documents(self.metrics_endpoints)
            extra = "\n---\n".join(yaml.safe_dump(d, sort_keys=False) for d in documents)
            text = stages.read_text(encoding="utf-8").strip()
            self.layout.kwok_config.write_text(f"{text}\n---\n{extra}", encoding="utf-8")
            stages = self.layout.kwok_config
        argv = simulating.kwok_argv(
            binary=binaries.require(KWOK),
            kubeconfig=kubeconfig,
            stages=stages,
            server_port=self._ports().kwok_server,
        )
        self._supervisor.spawn(KWOK, argv)
        context = self._admin_tls()
        for name in simulating.node_names(self.simulated_nodes):
            simulating.create_node(server=self.server, context=context, name=name)
        urls = [
            f"{self.server}/api/v1/nodes/{n}" for n in simulating.node_names(self.simulated_nodes)
        ]

        def all_ready() -> bool:
            return all(
                simulating.node_is_ready(probing.fetch_json(url, context=context)) for url in urls
            )

        self._supervisor.wait(KWOK, all_ready)

    def _start_prometheus(self) -> None:
        ports_ = self._ports()
        self.layout.prometheus_data.mkdir(parents=True, exist_ok=True)
        self.layout.prometheus_config.write_text(
            scraping.render_config(
                kwok_address=f"{components.LOOPBACK}:{ports_.kwok_server}",
                scrape_interval=self.scrape_interval,
                rule_files=tuple(str(f) for f in self.rule_files),
            ),
            encoding="utf-8",
        )
        self._supervisor.spawn(
            PROMETHEUS,
            scraping.prometheus_argv(
                binary=self.binaries.require(PROMETHEUS),
                config=self.layout.prometheus_config,
                data=self.layout.prometheus_data,
                port=ports_.prometheus,
            ),
        )
        ready = f"http://{components.LOOPBACK}:{ports_.prometheus}/-/ready"
        self._supervisor.wait(PROMETHEUS, lambda: probing.fetch(ready)[0] == 200)

    def _start_apiserver(self) -> None:
        argv = components.apiserver_argv(
            binary=self.binaries.require(APISERVER),
            layout=self.layout,
            ports=self._ports(),
            pki=self._pki(),
        )
        self._supervisor.spawn(APISERVER, argv)
        readyz = f"{self.server}/readyz"
        context = self._admin_tls()
        self._supervisor.wait(APISERVER, lambda: probing.fetch(readyz, context=context)[0] == 200)

    # -- plumbing ---------------------------------------------------------------------------

    def _admin_tls(self) -> ssl.SSLContext:
        pki = self._pki()
        return probing.tls_context(
            ca_cert=pki.ca_cert, client_cert=pki.admin_cert, client_key=pki.admin_key
        )

    def _ports(self) -> Ports:
        if self.ports is None:
            raise ClusterError("the control plane has not been started")
        return self.ports

    def _pki(self) -> certificates.BundleFiles:
        if self.pki is None:
            raise ClusterError("the control plane has not been started")
        return self.pki

    def _bundle_or_fail(self) -> certificates.Bundle:
        if self._bundle is None:
            raise ClusterError("the control plane has not been started")
        return self._bundle


def _check_metrics(binaries: Binaries) -> None:
    missing = [n for n in (PROMETHEUS, "promtool") if binaries.path(n) is None]
    if missing:
        why = ", ".join(binaries.failed.get(n, f"{n} missing") for n in missing)
        raise ClusterError(
            f"metrics need Prometheus and promtool ({why})",
            hint="run 'dorgu dev build' (they come from Debian's prometheus package)",
        )


def _check_simulation(binaries: Binaries, *, controllers: bool) -> None:
    missing = [n for n in (SCHEDULER, KWOK, simulating.STAGES_FILE) if binaries.path(n) is None]
    if missing or not controllers:
        why = ", ".join(binaries.failed.get(n, f"{n} missing") for n in missing) or "no controllers"
        raise ClusterError(
            f"simulated nodes need kube-scheduler, kwok and kube-controller-manager ({why})",
            hint="run 'dorgu dev build --force' and check its output",
        )
