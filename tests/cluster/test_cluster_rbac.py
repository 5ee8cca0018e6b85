from __future__ import annotations

from lightkube import ApiError, Client
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.core_v1 import ConfigMap, ServiceAccount
from lightkube.resources.rbac_authorization_v1 import Role, RoleBinding


def _status_of(call) -> int:
    try:
        call()
    except ApiError as error:
        return error.status.code
    return 200


def test_token_for_unprivileged_service_account_is_denied_then_allowed_by_a_role(
    testbed, kube: Client, namespace: str, eventually
) -> None:
    kube.create(ServiceAccount(metadata=ObjectMeta(name="reader")), namespace=namespace)
    token_request = kube.create(
        ServiceAccount.Token(
            metadata=ObjectMeta(name="reader", namespace=namespace),
            spec=TokenRequestSpec(audiences=[], expirationSeconds=600),
        ),
        "reader",
        namespace=namespace,
    )
    token = token_request.status.token

    with testbed.token_client(token, namespace=namespace) as reader:
        assert _status_of(lambda: list(reader.list(ConfigMap, namespace=namespace))) == 403

        kube.create(
            Role(
                metadata=ObjectMeta(name="read-config"),
                rules=[PolicyRule(apiGroups=[""], resources=["configmaps"], verbs=["get", "list"])],
            ),
            namespace=namespace,
        )
        kube.create(
            RoleBinding(
                metadata=ObjectMeta(name="reader-reads-config"),
                roleRef=RoleRef(
                    apiGroup="rbac.authorization.k8s.io", kind="Role", name="read-config"
                ),
                subjects=[Subject(kind="ServiceAccount", name="reader", namespace=namespace)],
            ),
            namespace=namespace,
        )

        assert eventually(
            lambda: _status_of(lambda: list(reader.list(ConfigMap, namespace=namespace))) == 200
        )
        # Still denied outside what the Role grants: writing, and other namespaces.
        write = ConfigMap(metadata=ObjectMeta(name="nope"), data={})
        assert _status_of(lambda: reader.create(write, namespace=namespace)) == 403
        assert _status_of(lambda: list(reader.list(ConfigMap, namespace="default"))) == 403


def test_garbage_token_is_unauthorized(testbed, namespace: str) -> None:
    with testbed.token_client("not-a-token", namespace=namespace) as stranger:
        assert _status_of(lambda: list(stranger.list(ConfigMap, namespace=namespace))) == 401
