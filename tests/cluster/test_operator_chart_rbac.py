"""The chart's RBAC is sufficient: the operator runs under the chart's ServiceAccount token
(minted through the TokenRequest API) against the testbed, reconciles a persona to Active,
denies an over-bound Deployment in enforce mode, records an incident when the persona's pods
crash-loop, and never meets a 403."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import ApiError, Client, KubeConfig, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import Namespace, Pod, Secret, ServiceAccount

from tests.cluster import kubelet
from tests.deploy.charting import chart_crds, render
from tests.operator.cluster_support import (
    PEERING,
    OperatorProcess,
    delete_quietly,
    delete_webhook_configuration,
    denial,
    deployment,
    persona,
    status_of,
    temporary_namespace,
)

IM = create_namespaced_resource("dorgu.io", "v1", "IncidentMemory", "incidentmemories")
RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
FORBIDDEN = re.compile(r"\b403\b|forbidden|not enough permissions", re.IGNORECASE)
TERMINATING = "because it is being terminated"
"""A 403 that is no RBAC denial: an Event for a persona in another test's namespace that is
being deleted (the operator is cluster-wide)."""


@dataclass
class Release:
    namespace: str
    name: str
    configuration: str
    peering: str
    kubeconfig: Path


def _established(kube: Client, name: str) -> bool:
    status = kube.get(CustomResourceDefinition, name).status
    return any(
        c.type == "Established" and c.status == "True"
        for c in (status.conditions if status else None) or []
    )


def _install_chart_crds(kube: Client) -> None:
    names = []
    for crd in chart_crds():
        kube.apply(codecs.from_dict(crd), force=True)
        names.append(str(crd["metadata"]["name"]))  # type: ignore[index]
    assert "clusterkopfpeerings.kopf.dev" in names
    deadline = time.monotonic() + 30
    while not all(_established(kube, n) for n in names):
        assert time.monotonic() < deadline, "chart CRDs never became Established"
        time.sleep(0.2)


def _token_kubeconfig(testbed: Any, token: str, path: Path) -> Path:
    """The testbed's kubeconfig (server and CA) with the ServiceAccount's bearer token."""
    document = yaml.safe_load(testbed.kubeconfig.read_text(encoding="utf-8"))
    document["users"][0]["user"] = {"token": token}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture
def release(testbed: Any, kube: Client, tmp_path: Path) -> Iterator[Release]:
    """The chart's CRDs, ServiceAccount and RBAC in a fresh release namespace, plus a kubeconfig
    that authenticates as that ServiceAccount."""
    _install_chart_crds(kube)
    suffix = uuid.uuid4().hex[:6]
    name, config = f"dorgu-rbac-{suffix}", f"dorgu-rbac-{suffix}-validate"
    kube.create(Namespace(metadata=ObjectMeta(name=name)))
    objects = [
        o
        for o in render(
            f"fullnameOverride={name}",
            f"webhook.configurationName={config}",
            f"webhook.certSecret={config}-certs",
            f"operator.peering={name}",
            namespace=name,
        )
        if o["kind"] in RBAC_KINDS
    ]
    assert {str(o["kind"]) for o in objects} == RBAC_KINDS
    try:
        for obj in objects:
            kube.apply(codecs.from_dict(obj), force=True)
        account = next(o for o in objects if o["kind"] == "ServiceAccount")
        account_name = str(account["metadata"]["name"])  # type: ignore[index]
        minted = kube.create(
            ServiceAccount.Token(
                metadata=ObjectMeta(name=account_name, namespace=name),
                spec=TokenRequestSpec(audiences=[], expirationSeconds=3600),
            ),
            account_name,
            namespace=name,
        )
        assert minted.status.token
        kubeconfig = _token_kubeconfig(testbed, minted.status.token, tmp_path / "sa.kubeconfig")
        yield Release(
            namespace=name, name=name, configuration=config, peering=name, kubeconfig=kubeconfig
        )
    finally:
        delete_webhook_configuration(kube, config)
        delete_quietly(kube, PEERING, name)
        for obj in objects:
            if obj["kind"] in {"ClusterRole", "ClusterRoleBinding"}:
                resource = type(codecs.from_dict(obj))
                delete_quietly(kube, resource, obj["metadata"]["name"])  # type: ignore[index]
        delete_quietly(kube, Namespace, name)


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def test_operator_runs_under_the_chart_service_account(
    release: Release, kube: Client, ns: str, tmp_path: Path, eventually: Any
) -> None:
    # the kubeconfig really is the ServiceAccount's: least privilege, not an admin's
    restricted = Client(KubeConfig.from_file(release.kubeconfig), trust_env=False)
    try:
        with pytest.raises(ApiError) as refused:
            list(restricted.list(Secret, namespace="kube-system"))  # (Pods: read for incidents)
        assert refused.value.status.code == 403
    finally:
        restricted.close()

    operator = OperatorProcess(
        kubeconfig=release.kubeconfig,
        namespace=release.namespace,
        log=tmp_path / "operator.log",
        configuration=release.configuration,
        peering=release.peering,
        extra=("--priority", "100"),
    )
    try:
        operator.wait_ready()

        # persona CRUD: status Active, with the validation of its workload
        kube.create(codecs.from_dict(deployment("web", cpu="200m")), namespace=ns)
        kube.create(codecs.from_dict(persona("web")), namespace=ns)

        def active() -> dict[str, Any] | None:
            status = status_of(kube, ns, "web")
            targets = (status.get("validation") or {}).get("targets") or []
            return status if status.get("phase") == "Active" and len(targets) == 1 else None

        status = eventually(active, timeout=60)
        assert status["observedGeneration"] == 1

        # incidents: its pods crash-loop -> an IncidentMemory created and its status written
        pods = eventually(lambda: len(p := list(kube.list(Pod, namespace=ns))) == 2 and p)
        failed = datetime.now(UTC)
        for pod in pods:
            kubelet.write_status(
                kube, pod, kubelet.oom_crash_looping(pod, restarts=1, finished=failed)
            )
        incidents = eventually(
            lambda: [i for i in kube.list(IM, namespace=ns) if (i.to_dict().get("status") or {}).get("occurrenceCount")],
            timeout=60,
        )  # fmt: skip
        (incident,) = incidents
        assert incident.to_dict()["spec"]["personaRef"]["name"] == "web"

        # enforce: a Deployment over the persona's bounds is denied
        kube.create(codecs.from_dict(persona("api", mode="enforce")), namespace=ns)
        over = deployment("api", cpu="8")
        eventually(lambda: denial(kube, ns, over, dry_run=True), timeout=30)
        message = denial(kube, ns, over)
        assert message is not None and "cpu" in message.lower(), message

        # under the token it wrote its webhook certificates and configuration, and served them
        assert kube.get(Secret, f"{release.configuration}-certs", namespace=release.namespace)
        webhook = kube.get(ValidatingWebhookConfiguration, release.configuration).webhooks[0]
        assert webhook.clientConfig.caBundle
        assert operator.metric("dorgu_admission_decisions_total") > 0
    finally:
        code = operator.stop()
    log = operator.log.read_text(errors="replace")
    assert code == 0, operator.tail()
    lines = [line for line in log.splitlines() if not line.startswith("DEBUG httpcore")]
    terminating = set(re.findall(r"in namespace (\S+) " + TERMINATING, log))
    hits = [line for line in lines if FORBIDDEN.search(line) and TERMINATING not in line
            and not any(f"/namespaces/{ns}/events" in line for ns in terminating)]  # fmt: skip
    assert hits == [], "\n".join(hits[:20])
