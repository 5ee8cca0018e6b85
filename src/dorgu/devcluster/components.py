"""Command lines of the control-plane components (pure: paths and ports in, argv out).

The flag set follows envtest's choices where they make sense (loopback only, no fsync for etcd,
certificates on disk) and adds what dorgu needs on top: RBAC, service-account issuer and keys,
the admission webhook plugins, and a kube-controller-manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dorgu.devcluster.certificates import BundleFiles

LOOPBACK = "127.0.0.1"
SERVICE_CIDR = "10.0.0.0/24"
ADMISSION_PLUGINS = (
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "DefaultTolerationSeconds",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ResourceQuota",
)
# Enough to make Deployments produce ReplicaSets and Pods, namespaces finish deleting, default
# service accounts (and their CA config map) exist, and garbage be collected.  "*" would also
# start node, volume and networking controllers that have nothing to do without nodes.
CONTROLLERS = (
    "deployment-controller",
    "replicaset-controller",
    "garbage-collector-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "root-ca-certificate-publisher-controller",
    "job-controller",
    "cronjob-controller",
    "statefulset-controller",
    "daemonset-controller",
    "endpointslice-controller",
    "disruption-controller",
    "resourcequota-controller",
    "ttl-after-finished-controller",
    "horizontal-pod-autoscaler-controller",
    "clusterrole-aggregation-controller",
    "pod-garbage-collector-controller",
    "validatingadmissionpolicy-status-controller",
)


@dataclass(frozen=True)
class Ports:
    """Loopback ports of one control plane."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok_server: int = 0  # kwok's metrics server (``--metrics``), 0 when not used
    prometheus: int = 0


@dataclass(frozen=True)
class Layout:
    """Where one control plane keeps its files (all under ``root``)."""

    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd-data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def controller_manager_kubeconfig(self) -> Path:
        return self.root / "controller-manager.kubeconfig"

    @property
    def controller_manager_certs(self) -> Path:
        return self.root / "controller-manager-certs"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def prometheus(self) -> Path:
        """The testbed Prometheus' configuration and data (``--metrics``)."""
        return self.root / "prometheus"

    @property
    def prometheus_config(self) -> Path:
        return self.prometheus / "prometheus.yml"

    @property
    def prometheus_data(self) -> Path:
        return self.prometheus / "data"

    @property
    def kwok_config(self) -> Path:
        """kwok's stages plus the metrics emulation documents (``--metrics``)."""
        return self.root / "kwok.yaml"

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"


def etcd_argv(*, binary: Path, layout: Layout, ports: Ports) -> list[str]:
    client = f"http://{LOOPBACK}:{ports.etcd_client}"
    peer = f"http://{LOOPBACK}:{ports.etcd_peer}"
    return [
        str(binary),
        "--name=testbed",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=testbed={peer}",
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def apiserver_argv(
    *, binary: Path, layout: Layout, ports: Ports, pki: BundleFiles, extra: tuple[str, ...] = ()
) -> list[str]:
    return [
        str(binary),
        f"--advertise-address={LOOPBACK}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={ports.apiserver}",
        f"--etcd-servers=http://{LOOPBACK}:{ports.etcd_client}",
        f"--cert-dir={layout.root / 'apiserver-certs'}",
        f"--tls-cert-file={pki.serving_cert}",
        f"--tls-private-key-file={pki.serving_key}",
        f"--client-ca-file={pki.ca_cert}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--service-account-issuer=https://{LOOPBACK}:{ports.apiserver}",
        f"--service-account-key-file={pki.service_account_public}",
        f"--service-account-signing-key-file={pki.service_account_key}",
        "--authorization-mode=Node,RBAC",
        f"--enable-admission-plugins={','.join(ADMISSION_PLUGINS)}",
        "--allow-privileged=true",
        "--profiling=false",
        "--endpoint-reconciler-type=none",
        "--v=1",
        *extra,
    ]


def controller_manager_argv(
    *,
    binary: Path,
    layout: Layout,
    ports: Ports,
    pki: BundleFiles,
    controllers: tuple[str, ...] = CONTROLLERS,
) -> list[str]:
    kubeconfig = layout.controller_manager_kubeconfig
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={ports.controller_manager}",
        f"--cert-dir={layout.controller_manager_certs}",
        f"--controllers={','.join(controllers)}",
        f"--service-account-private-key-file={pki.service_account_key}",
        f"--root-ca-file={pki.ca_cert}",
        f"--cluster-signing-cert-file={pki.ca_cert}",
        f"--cluster-signing-key-file={pki.ca_key}",
        "--leader-elect=false",
        "--use-service-account-credentials=false",
        "--profiling=false",
        "--v=1",
    ]
