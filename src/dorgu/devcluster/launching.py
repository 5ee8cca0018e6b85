"""Start, restart and stop one control plane: etcd, kube-apiserver, kube-controller-manager.

Ports are free loopback ports reserved for this run; readiness is etcd ``/health``, the API
server's ``/readyz``, the controller manager's ``/healthz`` and the ``default`` service account
existing.  Processes are tied to the launching process unless ``detached`` (``dorgu dev up``),
and an ``atexit`` hook stops a tied control plane even when the caller forgets.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from dorgu.devcluster import certificates, components, kubeconfigs, ports, probing, processes
from dorgu.devcluster.building import Binaries
from dorgu.devcluster.components import Layout, Ports
from dorgu.devcluster.states import ClusterState, ComponentState, write_state
from dorgu.errors import ClusterError

logger = logging.getLogger(__name__)

ETCD, APISERVER, CONTROLLER_MANAGER = "etcd", "kube-apiserver", "kube-controller-manager"
_PORT_IN_USE = ("address already in use", "bind: address")
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
        reservations: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.binaries = binaries
        self.layout = Layout(root=root)
        self.detached = detached
        self.controllers = controllers and binaries.path(CONTROLLER_MANAGER) is not None
        self.timeout = timeout
        self._reservation = ports.Reservation(
            directory=reservations or ports.default_reservations_dir()
        )
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._refs: dict[str, processes.ProcessRef] = {}
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
            except _PortTaken as taken:
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
        for name in (CONTROLLER_MANAGER, APISERVER, ETCD):
            self._stop_one(name)

    def restart_apiserver(self) -> None:
        """Stop and start kube-apiserver on the same port (etcd and its data stay)."""
        self._stop_one(APISERVER)
        self._start_apiserver()

    def state(self) -> ClusterState:
        return ClusterState(
            root=str(self.layout.root),
            server=self.server,
            kubeconfig=str(self.layout.kubeconfig),
            kubernetes_version=self.binaries.kubernetes_version,
            ports={k: int(v) for k, v in vars(self._ports()).items()},
            components=[
                ComponentState(name, ref.pid, ref.start_ticks, str(self.layout.log(name)))
                for name, ref in self._refs.items()
            ],
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
        self._spawn(ETCD, argv)
        etcd_health = f"http://{components.LOOPBACK}:{ports_.etcd_client}/health"
        self._wait(ETCD, lambda: probing.fetch(etcd_health)[0] == 200)
        self._start_apiserver()
        if self.controllers:
            self._spawn(
                CONTROLLER_MANAGER,
                components.controller_manager_argv(
                    binary=self.binaries.require(CONTROLLER_MANAGER),
                    layout=self.layout,
                    ports=ports_,
                    pki=self._pki(),
                ),
            )
            kcm_health = f"https://{components.LOOPBACK}:{ports_.controller_manager}/healthz"
            insecure = probing.tls_context(ca_cert=None, client_cert=None, client_key=None)
            self._wait(
                CONTROLLER_MANAGER, lambda: probing.fetch(kcm_health, context=insecure)[0] == 200
            )
            sa_url = f"{self.server}/api/v1/namespaces/default/serviceaccounts/default"
            self._wait(
                CONTROLLER_MANAGER,
                lambda: probing.fetch_json(sa_url, context=self._admin_tls()) is not None,
            )

    def _start_apiserver(self) -> None:
        argv = components.apiserver_argv(
            binary=self.binaries.require(APISERVER),
            layout=self.layout,
            ports=self._ports(),
            pki=self._pki(),
        )
        self._spawn(APISERVER, argv)
        readyz = f"{self.server}/readyz"
        context = self._admin_tls()
        self._wait(APISERVER, lambda: probing.fetch(readyz, context=context)[0] == 200)

    # -- plumbing ---------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> None:
        process = processes.spawn(
            argv=argv, log_path=self.layout.log(name), tie_to_parent=not self.detached
        )
        self._processes[name] = process
        self._refs[name] = processes.ref_of(process)

    def _wait(self, name: str, check: Callable[[], bool]) -> None:
        process = self._processes[name]

        def exited() -> str | None:
            code = process.poll()
            return None if code is None else f"{name} exited with status {code}"

        problem = probing.wait_until(check, timeout=self.timeout, abort=exited)
        if problem is None:
            return
        log = self.layout.log(name)
        tail = _tail(log)
        if any(marker in tail for marker in _PORT_IN_USE):
            raise _PortTaken(f"{name}: {problem}")
        raise ClusterError(
            f"{name} did not become ready: {problem} (log: {log}); last lines:\n{tail}"
        )

    def _stop_one(self, name: str) -> None:
        ref = self._refs.pop(name, None)
        process = self._processes.pop(name, None)
        if ref is not None:
            processes.stop(ref, process=process)

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


class _PortTaken(Exception):
    """A component could not bind its port (someone else took it meanwhile)."""


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])
