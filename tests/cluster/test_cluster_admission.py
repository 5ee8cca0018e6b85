"""The API server really calls a validating webhook over HTTPS (trusting our CA)."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration
from lightkube.resources.apps_v1 import Deployment

from dorgu.devcluster import certificates

DENIAL = "dorgu test webhook: deployments named 'forbidden' are not allowed"


class _Handler(BaseHTTPRequestHandler):
    calls: list[dict[str, object]]

    def do_POST(self) -> None:
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        request = review["request"]
        self.server.calls.append(request)  # type: ignore[attr-defined]
        allowed = request["name"] != "forbidden"
        response = {"uid": request["uid"], "allowed": allowed}
        if not allowed:
            response["status"] = {"code": 403, "message": DENIAL}
        body = json.dumps(
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebhookServer:
    def __init__(self, *, ca: certificates.KeyPair, directory: Path) -> None:
        serving = certificates.make_serving(ca=ca)
        cert, key = directory / "webhook.crt", directory / "webhook.key"
        cert.write_bytes(serving.cert_pem)
        key.write_bytes(serving.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.calls = []  # type: ignore[attr-defined]
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def calls(self) -> list[dict[str, object]]:
        return self.httpd.calls  # type: ignore[attr-defined, no-any-return]

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def webhook_server(testbed, tmp_path: Path) -> Iterator[WebhookServer]:
    server = WebhookServer(ca=testbed.ca, directory=tmp_path)
    try:
        yield server
    finally:
        server.shutdown()


def _webhook_configuration(name: str, *, port: int, ca_pem: bytes, namespace: str, policy: str):
    return codecs.from_dict(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [
                {
                    "name": "deployments.testbed.dorgu.dev",
                    "clientConfig": {
                        "url": f"https://127.0.0.1:{port}/validate",
                        "caBundle": base64.b64encode(ca_pem).decode(),
                    },
                    "rules": [
                        {
                            "apiGroups": ["apps"],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE", "UPDATE"],
                            "resources": ["deployments"],
                        }
                    ],
                    # Only this test's namespace: other tests share the control plane.
                    "namespaceSelector": {"matchLabels": {"dorgu.dev/test": namespace}},
                    "failurePolicy": policy,
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                    "timeoutSeconds": 5,
                }
            ],
        }
    )


def _deployment(name: str) -> Deployment:
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name),
        spec=DeploymentSpec(
            selector=LabelSelector(matchLabels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name="app", image="registry.invalid/app:1")]),
            ),
        ),
    )


def _create_error(kube: Client, name: str, namespace: str, *, dry_run: bool) -> str | None:
    """None when admitted, else the API server's message."""
    try:
        kube.create(_deployment(name), namespace=namespace, dry_run=dry_run)
    except ApiError as error:
        return error.status.message or str(error.status.code)
    return None


def test_validating_webhook_denies_a_deployment_with_its_message(
    testbed, kube: Client, namespace: str, webhook_server: WebhookServer, eventually
) -> None:
    name = f"deny-{namespace}"
    config = _webhook_configuration(
        name, port=webhook_server.port, ca_pem=testbed.ca_pem, namespace=namespace, policy="Fail"
    )
    kube.create(config)
    try:
        # The API server picks up new webhook configurations asynchronously.
        message = eventually(lambda: _create_error(kube, "forbidden", namespace, dry_run=True))
        assert DENIAL in message
        assert _create_error(kube, "forbidden", namespace, dry_run=False) is not None
        assert _create_error(kube, "allowed", namespace, dry_run=False) is None

        names = {call["name"] for call in webhook_server.calls}
        assert {"forbidden", "allowed"} <= names
        assert all(call["namespace"] == namespace for call in webhook_server.calls)
    finally:
        kube.delete(ValidatingWebhookConfiguration, name)


def test_ignore_policy_admits_when_the_webhook_is_down(
    testbed, kube: Client, namespace: str, webhook_server: WebhookServer, eventually
) -> None:
    name = f"ignore-{namespace}"
    port = webhook_server.port
    webhook_server.shutdown()
    fail = _webhook_configuration(
        name, port=port, ca_pem=testbed.ca_pem, namespace=namespace, policy="Fail"
    )
    kube.create(fail)
    try:
        # failurePolicy Fail + server down: rejected, naming the webhook.
        message = eventually(lambda: _create_error(kube, "probe", namespace, dry_run=True))
        assert "deployments.testbed.dorgu.dev" in message

        kube.patch(
            ValidatingWebhookConfiguration,
            name,
            {"webhooks": [{"name": "deployments.testbed.dorgu.dev", "failurePolicy": "Ignore"}]},
        )

        eventually(lambda: _create_error(kube, "probe", namespace, dry_run=True) is None)
        assert _create_error(kube, "admitted", namespace, dry_run=False) is None
        assert kube.get(Deployment, "admitted", namespace=namespace).metadata.name == "admitted"
    finally:
        kube.delete(ValidatingWebhookConfiguration, name)
