"""``dorgu operator run --admission policy`` against the testbed: the operator installs the
ValidatingAdmissionPolicies and bindings (no webhook configuration), enforce denies with the
webhook's message without any webhook, personas in other modes and namespaces without personas
are unaffected, and HPA-scaled Deployments get the autoscaled marker."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.resources.admissionregistration_v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    ValidatingWebhookConfiguration,
)
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.autoscaling_v2 import HorizontalPodAutoscaler
from lightkube.types import PatchType

from dorgu.models.persona_params import PARAM_FIELDS
from dorgu.rules.cel import AUTOSCALED_ANNOTATION
from tests.operator.cluster_support import (
    AP,
    PARAMS,
    OperatorProcess,
    delete_quietly,
    denial,
    deployment,
    persona,
    running_operator,
    temporary_namespace,
)

POLICY = f"dorgu-t-{uuid.uuid4().hex[:6]}"
ACTIONS = ("deny", "warn", "audit")


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    extra = ("--admission", "policy", "--policy-name", POLICY, "--policy-refresh", "5")
    try:
        with running_operator(testbed, tmp_path_factory.mktemp("operator"), extra=extra) as process:
            yield process
    finally:  # the policies outlive the operator by design: remove them for the other tests
        with testbed.client() as kube:
            for action in ACTIONS:
                delete_quietly(kube, ValidatingAdmissionPolicyBinding, f"{POLICY}-{action}")
                delete_quietly(kube, ValidatingAdmissionPolicy, f"{POLICY}-{action}")


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def test_installs_policies_and_bindings_and_no_webhook(
    operator: OperatorProcess, kube: Client
) -> None:
    for action in ACTIONS:
        policy = kube.get(ValidatingAdmissionPolicy, f"{POLICY}-{action}")
        binding = kube.get(ValidatingAdmissionPolicyBinding, f"{POLICY}-{action}")
        assert policy.spec.paramKind.kind == "PersonaPolicy"
        assert binding.spec.validationActions == [action.capitalize()]
        assert binding.spec.paramRef.parameterNotFoundAction == "Allow"
    with pytest.raises(ApiError):
        kube.get(ValidatingWebhookConfiguration, operator.configuration)
    assert operator.metric("dorgu_admission_decisions_total") == 0


def test_enforce_denies_in_the_api_server_with_the_webhooks_message(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    probe = deployment("probe", app="shop", cpu="8")
    eventually(lambda: denial(kube, ns, probe, dry_run=True) is not None, timeout=30)

    message = denial(kube, ns, deployment("shop", cpu="2"))

    assert message is not None
    assert f"ValidatingAdmissionPolicy '{POLICY}-deny'" in message
    assert (
        f"persona shop: denied by dorgu (enforce): 1 error; persona.resource-bounds: "
        f"Deployment/{ns}/shop spec.template.spec.containers[0].resources.limits.cpu "
        "(container shop): cpu limit 2 is above the persona's bound 500m (resources.limits.cpu); "
        "fix: lower limits.cpu to at most 500m, or raise resources.limits.cpu in the persona"
    ) in message
    assert denial(kube, ns, deployment("shop", cpu="400m")) is None


def test_the_parameter_follows_the_persona_through_create_update_and_delete(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("cart", mode="audit")), namespace=ns)
    stored = kube.get(AP, "cart", namespace=ns)
    param = eventually(lambda: _param(kube, ns, "cart"), timeout=30)
    [owner] = param["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "ApplicationPersona", "cart", stored.metadata.uid)  # fmt: skip
    assert "status" not in param
    assert set(param["spec"]) <= set(PARAM_FIELDS)
    assert param["spec"]["validation"] == {"mode": "audit"}
    over = deployment("cart", cpu="2")
    assert denial(kube, ns, over, dry_run=True) is None

    kube.patch(AP, "cart", {"spec": {"validation": {"mode": "enforce"}}}, namespace=ns,
               patch_type=PatchType.MERGE)  # fmt: skip
    message = eventually(lambda: denial(kube, ns, over, dry_run=True), timeout=30)
    assert "persona cart: denied by dorgu (enforce)" in message

    kube.delete(AP, "cart", namespace=ns)
    eventually(lambda: _param(kube, ns, "cart") is None, timeout=30)
    assert denial(kube, ns, over, dry_run=True) is None


def _param(kube: Client, ns: str, name: str) -> dict | None:  # type: ignore[type-arg]
    try:
        return kube.get(PARAMS, name, namespace=ns).to_dict()  # type: ignore[no-any-return]
    except ApiError as error:
        if error.status.code == 404:
            return None
        raise


def test_audit_personas_and_persona_less_namespaces_are_admitted(
    operator: OperatorProcess, kube: Client, ns: str
) -> None:
    kube.create(codecs.from_dict(persona("ledger", mode="audit")), namespace=ns)
    assert denial(kube, ns, deployment("ledger", cpu="2")) is None
    assert denial(kube, ns, deployment("nobody", cpu="64")) is None


def test_hpa_scaled_deployments_get_the_marker(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("web", mode="warn")), namespace=ns)
    kube.create(codecs.from_dict(deployment("web")), namespace=ns)
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web-hpa"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 4,
        },
    }
    kube.create(codecs.from_dict(hpa), namespace=ns)

    def marker() -> str | None:
        annotations = kube.get(Deployment, "web", namespace=ns).metadata.annotations or {}
        return annotations.get(AUTOSCALED_ANNOTATION)

    assert eventually(marker, timeout=30) == "web-hpa"
    kube.delete(HorizontalPodAutoscaler, "web-hpa", namespace=ns)
    eventually(lambda: marker() is None, timeout=30)


def test_switching_back_to_the_webhook_removes_the_policies_and_parameters(
    operator: OperatorProcess, testbed, kube: Client, ns: str, eventually, tmp_path
) -> None:
    """Last in this module: it stops the policy operator and starts a webhook one."""
    kube.create(codecs.from_dict(persona("left", mode="enforce")), namespace=ns)
    eventually(lambda: _param(kube, ns, "left"), timeout=30)
    assert operator.stop() == 0

    with running_operator(testbed, tmp_path, extra=("--policy-name", POLICY)) as webhook:
        for action in ACTIONS:
            for resource in (ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding):
                with pytest.raises(ApiError) as gone:
                    kube.get(resource, f"{POLICY}-{action}")
                assert gone.value.status.code == 404
        assert _param(kube, ns, "left") is None
        found = re.search(r"removed (\d+) objects of an earlier --admission policy run",
                          webhook.tail(400))  # fmt: skip
        assert found is not None and int(found.group(1)) >= 7  # 6 policy objects, 1+ params
        # the webhook alone judges now: one denial, its own
        message = eventually(
            lambda: denial(kube, ns, deployment("left", cpu="2"), dry_run=True), timeout=20
        )
        assert message.count("persona left:") == 1
