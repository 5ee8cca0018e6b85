"""``dorgu operator run --admission both`` against the testbed: the policies judge the compiled
rules, the webhook only the rest, so a Deployment is denied by whichever engine owns the broken
rule and every warning arrives exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from lightkube import Client, codecs
from lightkube.resources.admissionregistration_v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    ValidatingWebhookConfiguration,
)

from dorgu.operator.connecting import connect
from tests.operator.cluster_support import (
    OperatorProcess,
    delete_quietly,
    denial,
    deployment,
    persona,
    running_operator,
    temporary_namespace,
)

POLICY = f"dorgu-b-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    extra = ("--admission", "both", "--policy-name", POLICY)
    try:
        with running_operator(testbed, tmp_path_factory.mktemp("operator"), extra=extra) as process:
            yield process
    finally:
        with testbed.client() as kube:
            for action in ("deny", "warn", "audit"):
                delete_quietly(kube, ValidatingAdmissionPolicyBinding, f"{POLICY}-{action}")
                delete_quietly(kube, ValidatingAdmissionPolicy, f"{POLICY}-{action}")


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def _host_port(body: dict[str, Any]) -> dict[str, Any]:
    body["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"containerPort": 8080, "hostPort": 8080}
    ]
    return body


def _warnings(testbed: Any, ns: str, body: dict[str, Any]) -> tuple[int, list[str]]:
    async def send() -> tuple[int, list[str]]:
        async with connect(kubeconfig=testbed.kubeconfig).http_client() as http:
            response = await http.post(
                f"/apis/apps/v1/namespaces/{ns}/deployments", params={"dryRun": "All"}, json=body
            )
            return response.status_code, response.headers.get_list("warning")

    return asyncio.run(send())


def test_each_engine_denies_the_rules_it_owns(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.get(ValidatingWebhookConfiguration, operator.configuration)
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    eventually(
        lambda: denial(kube, ns, _host_port(deployment("p1", app="shop")), dry_run=True), timeout=30
    )
    eventually(
        lambda: denial(kube, ns, deployment("p2", app="shop", cpu="8"), dry_run=True), timeout=30
    )

    compiled = denial(kube, ns, deployment("shop", cpu="2"), dry_run=True) or ""
    webhook_only = denial(kube, ns, _host_port(deployment("shop")), dry_run=True) or ""

    assert f"ValidatingAdmissionPolicy '{POLICY}-deny'" in compiled
    assert "persona.resource-bounds" in compiled
    assert "validate-deployment.dorgu.io" in webhook_only
    assert "security.host-ports" in webhook_only
    assert "persona.resource-bounds" not in webhook_only
    assert denial(kube, ns, deployment("shop"), dry_run=True) is None


def test_every_warning_arrives_once(
    operator: OperatorProcess, testbed, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("cart", mode="warn")), namespace=ns)
    body = deployment("cart", cpu="2")  # compiled: resource bounds, probes; webhook: PDB missing

    def both_spoke() -> list[str] | None:
        _, warnings = _warnings(testbed, ns, body)
        text = " ".join(warnings)
        seen = "persona.resource-bounds" in text and "reliability.disruption-budget-missing" in text
        return warnings if seen else None

    warnings = eventually(both_spoke, timeout=30)
    rules = [w.split("dorgu ", 1)[1].split(": ")[1] for w in warnings if "dorgu " in w]
    assert len(rules) == len(set(rules)), rules
    assert "reliability.readiness-probe" in rules
