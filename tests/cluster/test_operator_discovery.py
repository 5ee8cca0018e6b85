"""ClusterPersona discovery on a testbed with two simulated (kwok) nodes; the operator starts
and stays healthy while the dorgu CRDs are not installed yet (a missing API never crashes)."""

from __future__ import annotations

import time
import uuid

from lightkube import codecs
from lightkube.resources.core_v1 import Namespace

from tests.operator.cluster_support import (
    CP,
    OperatorProcess,
    delete_webhook_configuration,
    install_crds,
)


def test_discovery_fills_nodes_platform_and_addons_and_missing_apis_do_not_crash(
    testbed_with_nodes, tmp_path, eventually
) -> None:
    home, config = f"dorgu-op-{uuid.uuid4().hex[:6]}", f"dorgu-disc-{uuid.uuid4().hex[:6]}"
    with testbed_with_nodes.client() as kube:
        kube.create(Namespace(metadata={"name": home}))  # type: ignore[arg-type]
        process = OperatorProcess(kubeconfig=testbed_with_nodes.kubeconfig, namespace=home,
                                  log=tmp_path / "operator.log", configuration=config)  # fmt: skip
        try:
            process.wait_ready()  # no persona CRDs: those caches are empty, not fatal
            time.sleep(2)
            assert process.process.poll() is None and process.get("/healthz")[0] == 200

            install_crds(kube)
            addon = {"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": {"name": "cert-manager", "labels": {"app.kubernetes.io/name": "cert-manager"}},
                     "spec": {"selector": {"matchLabels": {"app": "cm"}}, "template": {
                         "metadata": {"labels": {"app": "cm"}},
                         "spec": {"containers": [{"name": "cm", "image": "quay.io/jetstack/cert-manager-controller:v1.15.0"}]}}}}  # fmt: skip
            kube.create(codecs.from_dict(addon), namespace=home)
            kube.create(codecs.from_dict({"apiVersion": "dorgu.io/v1", "kind": "ClusterPersona",
                                          "metadata": {"name": "testbed"}, "spec": {"name": "testbed"}}))  # fmt: skip

            def discovered() -> dict | None:
                status = dict(kube.get(CP, "testbed").status or {})
                names = {a["name"] for a in status.get("addons", [])}
                return status if status.get("nodeCount") == 2 and "cert-manager" in names else None

            status = eventually(discovered, timeout=60)
            assert status["phase"] == "Ready"
            assert status["platform"] == "kwok"
            assert status["kubernetesVersion"].startswith("v1.")
            assert sorted(n["name"] for n in status["nodes"]) == ["kwok-node-0", "kwok-node-1"]
            assert status["resourceSummary"]["totalPods"] > 0
            (addon_info,) = [a for a in status["addons"] if a["name"] == "cert-manager"]
            assert addon_info["version"] == "v1.15.0" and addon_info["namespace"] == home
            assert status["namespaces"]["total"] >= 4
        finally:
            code = process.stop()
            delete_webhook_configuration(kube, config)
        assert code == 0, process.tail()
