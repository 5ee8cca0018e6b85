"""The chart against the testbed: CRDs applied for real, every rendered object accepted in a
server-side dry run, and the RBAC granting exactly what the operator uses (SubjectAccessReview
for the chart's ServiceAccount)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from lightkube import Client, codecs
from lightkube.models.authorization_v1 import (
    ResourceAttributes,
    SubjectAccessReviewSpec,
)
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.authorization_v1 import SubjectAccessReview

from dorgu.clients import ConnectionOptions, connect
from tests.deploy.charting import chart_crds, render

# (verb, group, resource, namespaced-in-release, name): what src/dorgu/operator calls.
NEEDED = [
    ("watch", "dorgu.io", "applicationpersonas", False, None),
    ("patch", "dorgu.io", "applicationpersonas/status", False, None),
    ("create", "dorgu.io", "clusterpersonas", False, None),
    ("patch", "dorgu.io", "clusterpersonas/status", False, None),
    ("list", "apps", "deployments", False, None),
    ("watch", "apps", "statefulsets", False, None),
    ("watch", "apps", "daemonsets", False, None),
    ("watch", "autoscaling", "horizontalpodautoscalers", False, None),
    ("watch", "policy", "poddisruptionbudgets", False, None),
    ("watch", "", "services", False, None),
    ("watch", "", "serviceaccounts", False, None),
    ("watch", "", "namespaces", False, None),
    ("list", "", "nodes", False, None),
    ("create", "", "events", False, None),
    ("list", "apiextensions.k8s.io", "customresourcedefinitions", False, None),
    ("create", "kopf.dev", "clusterkopfpeerings", False, None),
    ("patch", "kopf.dev", "clusterkopfpeerings", False, None),
    ("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations", False, None),
    ("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", False, "dorgu-validate-deployment"),
    ("create", "", "secrets", True, None),
    ("get", "", "secrets", True, "dorgu-webhook-certs"),
    ("update", "", "secrets", True, "dorgu-webhook-certs"),
]  # fmt: skip
FORBIDDEN = [
    ("get", "", "secrets", False, "dorgu-webhook-certs"),  # other namespaces
    ("get", "", "secrets", True, "someone-elses"),
    ("patch", "apps", "deployments", False, None),
    ("delete", "dorgu.io", "applicationpersonas", False, None),
    ("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", False, "other"),
    ("create", "", "pods", False, None),
]


def _established(kube: Client, name: str) -> bool:
    status = kube.get(CustomResourceDefinition, name).status
    return any(
        c.type == "Established" and c.status == "True"
        for c in (status.conditions if status else None) or []
    )


@pytest.fixture(scope="module")
def crds(testbed) -> list[str]:  # type: ignore[no-untyped-def]
    names = []
    with testbed.client() as kube:
        for crd in chart_crds():
            kube.apply(codecs.from_dict(crd), force=True)
            names.append(str(crd["metadata"]["name"]))  # type: ignore[index]
        deadline = time.monotonic() + 30
        while not all(_established(kube, n) for n in names):
            assert time.monotonic() < deadline, "chart CRDs never became Established"
            time.sleep(0.2)
    return names


def test_every_rendered_object_is_accepted_in_a_server_side_dry_run(
    crds: list[str], namespace: str, testbed
) -> None:  # type: ignore[no-untyped-def]
    assert "clusterkopfpeerings.kopf.dev" in crds
    client = connect(ConnectionOptions(kubeconfig=testbed.kubeconfig, namespace=namespace))
    try:
        kinds = []
        for obj in render(namespace=namespace):
            client.apply(obj, dry_run=True)  # raises ClusterError with the server's reason
            kinds.append(obj["kind"])
        for values in (
            ("webhook.enabled=false",),
            ("metrics.enabled=false", "podDisruptionBudget.enabled=false"),
        ):
            for obj in render(*values, namespace=namespace):
                client.apply(obj, dry_run=True)
        # certManager mode: the testbed has no cert-manager CRDs, so its Issuers and
        # Certificates are skipped here (their shape is checked offline in
        # tests/deploy/test_chart.py).  Stand-in CRDs are not an option on this shared testbed:
        # they would make cert-manager look installed to later tests (`--certificates auto`
        # operators, add-on discovery).  Every other object is applied.
        skipped = []
        for obj in render("webhook.certificates=certManager", namespace=namespace):
            if str(obj["apiVersion"]).startswith("cert-manager.io/"):
                skipped.append(obj["kind"])
                continue
            client.apply(obj, dry_run=True)
    finally:
        client.close()
    assert len(kinds) == 10
    assert sorted(skipped) == ["Certificate", "Certificate", "Issuer", "Issuer"]


@pytest.fixture
def installed_rbac(
    crds: list[str], namespace: str, kube: Client, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The chart's ServiceAccount and RBAC (rendered with ``request.param`` values, if any)
    applied for real; removed afterwards."""
    values = getattr(request, "param", ())
    applied = [
        o
        for o in render(*values, namespace=namespace)
        if o["kind"]
        in {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    ]
    for obj in applied:
        kube.apply(codecs.from_dict(obj), force=True)
    try:
        yield f"system:serviceaccount:{namespace}:dorgu"
    finally:
        for obj in applied:
            if obj["kind"] in {"ClusterRole", "ClusterRoleBinding"}:
                resource = type(codecs.from_dict(obj))
                kube.delete(resource, obj["metadata"]["name"])  # type: ignore[index]


def _allowed(
    kube: Client, user: str, namespace: str, check: tuple[str, str, str, bool, str | None]
) -> bool:
    verb, group, resource, in_release, name = check
    main, _, sub = resource.partition("/")
    review = SubjectAccessReview(
        spec=SubjectAccessReviewSpec(
            user=user,
            groups=["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            resourceAttributes=ResourceAttributes(
                verb=verb, group=group, resource=main, subresource=sub or None, name=name,
                namespace=namespace if in_release else "some-app",
            ),
        )
    )  # fmt: skip
    result = kube.create(review)
    return bool(result.status and result.status.allowed)


def test_rbac_grants_what_the_operator_uses_and_nothing_more(
    installed_rbac: str, namespace: str, kube: Client
) -> None:
    missing = [c for c in NEEDED if not _allowed(kube, installed_rbac, namespace, c)]
    assert missing == []
    extra = [c for c in FORBIDDEN if _allowed(kube, installed_rbac, namespace, c)]
    assert extra == []


# cert-manager mode: the operator reads its Secret (GET, polling) and never writes it.
NEEDED_WITH_CERT_MANAGER = [c for c in NEEDED if c[2] != "secrets"] + [
    ("get", "", "secrets", True, "dorgu-webhook-certs")
]
FORBIDDEN_WITH_CERT_MANAGER = [
    *FORBIDDEN,
    ("create", "", "secrets", True, None),
    ("update", "", "secrets", True, "dorgu-webhook-certs"),
    ("patch", "", "secrets", True, "dorgu-webhook-certs"),
    ("delete", "", "secrets", True, "dorgu-webhook-certs"),
    ("list", "", "secrets", True, None),
]


@pytest.mark.parametrize("installed_rbac", [("webhook.certificates=certManager",)], indirect=True)
def test_with_cert_manager_the_rbac_only_reads_the_certificate_secret(
    installed_rbac: str, namespace: str, kube: Client
) -> None:
    missing = [
        c for c in NEEDED_WITH_CERT_MANAGER if not _allowed(kube, installed_rbac, namespace, c)
    ]
    assert missing == []
    extra = [c for c in FORBIDDEN_WITH_CERT_MANAGER if _allowed(kube, installed_rbac, namespace, c)]
    assert extra == []
