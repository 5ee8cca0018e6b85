from __future__ import annotations

from pathlib import Path

from dorgu.devcluster import certificates, components
from dorgu.devcluster.components import Layout, Ports

PORTS = Ports(
    etcd_client=2379, etcd_peer=2380, apiserver=6443, controller_manager=10257, scheduler=10259
)


def _flags(argv: list[str]) -> dict[str, str]:
    return dict(a.removeprefix("--").split("=", 1) for a in argv[1:] if "=" in a)


def _pki(tmp_path: Path) -> certificates.BundleFiles:
    return certificates.write_bundle(certificates.make_bundle(), tmp_path / "pki")


def test_apiserver_runs_rbac_webhooks_and_service_accounts_on_loopback(tmp_path: Path) -> None:
    flags = _flags(
        components.apiserver_argv(
            binary=Path("kube-apiserver"), layout=Layout(tmp_path), ports=PORTS, pki=_pki(tmp_path)
        )
    )

    assert flags["bind-address"] == "127.0.0.1"
    assert flags["secure-port"] == "6443"
    assert "RBAC" in flags["authorization-mode"].split(",")
    plugins = flags["enable-admission-plugins"].split(",")
    assert {"ValidatingAdmissionWebhook", "MutatingAdmissionWebhook"} <= set(plugins)
    assert flags["service-account-issuer"].startswith("https://127.0.0.1")
    assert flags["etcd-servers"] == "http://127.0.0.1:2379"


def test_controller_manager_runs_the_controllers_tests_rely_on(tmp_path: Path) -> None:
    flags = _flags(
        components.controller_manager_argv(
            binary=Path("kcm"), layout=Layout(tmp_path), ports=PORTS, pki=_pki(tmp_path)
        )
    )

    controllers = set(flags["controllers"].split(","))
    assert {
        "deployment-controller",
        "replicaset-controller",
        "garbage-collector-controller",
        "namespace-controller",
        "serviceaccount-controller",
        "serviceaccount-token-controller",
    } <= controllers
    assert flags["leader-elect"] == "false"


def test_etcd_listens_on_loopback_only(tmp_path: Path) -> None:
    flags = _flags(components.etcd_argv(binary=Path("etcd"), layout=Layout(tmp_path), ports=PORTS))

    assert flags["listen-client-urls"] == "http://127.0.0.1:2379"
    assert flags["data-dir"] == str(tmp_path / "etcd-data")
