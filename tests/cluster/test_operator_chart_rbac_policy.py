"""The chart's RBAC with ``admission.engine=policy`` is sufficient: the operator runs under the
chart's ServiceAccount token with ``--admission policy``, installs its policies, enforce denies
through them, the autoscaled marker is written, and the log shows no 403."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lightkube import Client, codecs
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.admissionregistration_v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
)
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, ServiceAccount

from dorgu.rules.cel import AUTOSCALED_ANNOTATION
from tests.cluster.test_operator_chart_rbac import (
    FORBIDDEN,
    RBAC_KINDS,
    TERMINATING,
    _install_chart_crds,
    _token_kubeconfig,
)
from tests.deploy.charting import render
from tests.operator.cluster_support import (
    PARAMS,
    PEERING,
    OperatorProcess,
    delete_quietly,
    denial,
    deployment,
    persona,
    temporary_namespace,
)


@pytest.fixture
def release(testbed: Any, kube: Client, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    _install_chart_crds(kube)
    name = f"dorgu-prbac-{uuid.uuid4().hex[:6]}"
    kube.create(Namespace(metadata=ObjectMeta(name=name)))
    objects = [
        o for o in render(f"fullnameOverride={name}", "admission.engine=policy",
                          f"admission.policyName={name}", f"operator.peering={name}",
                          f"webhook.configurationName={name}-validate", namespace=name)
        if o["kind"] in RBAC_KINDS
    ]  # fmt: skip
    try:
        for obj in objects:
            kube.apply(codecs.from_dict(obj), force=True)
        account = str(next(o for o in objects if o["kind"] == "ServiceAccount")["metadata"]["name"])  # type: ignore[index]
        minted = kube.create(
            ServiceAccount.Token(metadata=ObjectMeta(name=account, namespace=name),
                                 spec=TokenRequestSpec(audiences=[], expirationSeconds=3600)),
            account, namespace=name,
        )  # fmt: skip
        yield (
            name,
            name,
            _token_kubeconfig(testbed, minted.status.token, tmp_path / "sa.kubeconfig"),
        )
    finally:
        delete_quietly(kube, PEERING, name)
        for action in ("deny", "warn", "audit"):
            delete_quietly(kube, ValidatingAdmissionPolicyBinding, f"{name}-{action}")
            delete_quietly(kube, ValidatingAdmissionPolicy, f"{name}-{action}")
        for obj in objects:
            if obj["kind"] in {"ClusterRole", "ClusterRoleBinding"}:
                delete_quietly(kube, type(codecs.from_dict(obj)), obj["metadata"]["name"])  # type: ignore[index]
        delete_quietly(kube, Namespace, name)


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def test_policy_engine_runs_under_the_chart_service_account(
    release: tuple[str, str, Path], kube: Client, ns: str, tmp_path: Path, eventually: Any
) -> None:
    name, policy, kubeconfig = release
    operator = OperatorProcess(
        kubeconfig=kubeconfig, namespace=name, log=tmp_path / "operator.log",
        configuration=f"{name}-validate", peering=name,
        extra=("--priority", "100", "--admission", "policy", "--policy-name", policy),
    )  # fmt: skip
    try:
        operator.wait_ready()
        assert kube.get(ValidatingAdmissionPolicy, f"{policy}-deny")
        kube.create(codecs.from_dict(persona("api", mode="enforce")), namespace=ns)
        over = deployment("api", cpu="8")
        message = eventually(lambda: denial(kube, ns, over, dry_run=True), timeout=30)
        assert f"ValidatingAdmissionPolicy '{policy}-deny'" in message
        param = kube.get(PARAMS, "api", namespace=ns)  # written under the chart's RBAC
        assert param.metadata.ownerReferences[0].name == "api"
        kube.create(codecs.from_dict(deployment("api")), namespace=ns)
        hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "api-hpa"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                        "minReplicas": 2, "maxReplicas": 4}}  # fmt: skip
        kube.create(codecs.from_dict(hpa), namespace=ns)

        def marked() -> bool:
            annotations = kube.get(Deployment, "api", namespace=ns).metadata.annotations or {}
            return annotations.get(AUTOSCALED_ANNOTATION) == "api-hpa"

        eventually(marked, timeout=30)
    finally:
        code = operator.stop()
    log = operator.log.read_text(errors="replace")
    assert code == 0, operator.tail()
    lines = [line for line in log.splitlines() if not line.startswith("DEBUG httpcore")]
    # other tests' namespaces being deleted refuse new content with a 403 that is no RBAC gap
    # (the operator sees every namespace's personas and writes their PersonaPolicies)
    terminating = set(re.findall(r"in namespace (\S+) " + TERMINATING, log))
    terminating |= {t for t in set(re.findall(r"/namespaces/([^/?\s]+)/", log))
                    if t != ns and _gone_or_terminating(kube, t)}  # fmt: skip
    hits = [line for line in lines if FORBIDDEN.search(line) and TERMINATING not in line
            and "/events" not in line
            and not any(f"/namespaces/{t}/" in line for t in terminating)]  # fmt: skip
    assert hits == [], "\n".join(hits[:20])


def _gone_or_terminating(kube: Client, name: str) -> bool:
    from lightkube import ApiError

    try:
        found = kube.get(Namespace, name)
    except ApiError as error:
        return error.status.code == 404
    return bool(found.status and found.status.phase == "Terminating")
