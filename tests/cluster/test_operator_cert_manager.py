"""``dorgu operator run --certificates cert-manager`` against the testbed, with the test playing
cert-manager: it issues a CA and a serving certificate with ``cryptography`` and writes them into
the Secret the way a Certificate does, and injects the caBundle the way cainjector does.

The operator waits (not ready) until the Secret exists, serves that key pair, annotates its
webhook configuration with ``cert-manager.io/inject-ca-from``, denies an over-bound Deployment in
enforce through the real API server, reloads a renewed key pair from a new CA, and never writes
the Secret or the caBundle."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lightkube import Client, codecs
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration
from lightkube.resources.core_v1 import Namespace, Secret

from dorgu.operator import api as kinds
from dorgu.operator.api import Api
from dorgu.operator.connecting import connect
from dorgu.operator.options import FIELD_MANAGER
from dorgu.operator.webhook.configuring import WEBHOOK_NAME
from tests.operator.cluster_support import (
    OperatorProcess,
    delete_quietly,
    delete_webhook_configuration,
    denial,
    deployment,
    install_crds,
    persona,
    temporary_namespace,
)

CERTIFICATE = "dorgu-webhook-serving"  # the Certificate "writing" the Secret
ISSUING = "cert-manager-certificates-issuing"  # cert-manager's field manager for the Secret
CAINJECTOR = "cert-manager-cainjector"  # cainjector's field manager for the caBundle


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _issue() -> tuple[bytes, bytes, bytes]:
    """(ca.crt, tls.crt, tls.key): a fresh CA and a serving certificate for 127.0.0.1 signed by
    it, as a cert-manager CA Issuer makes them (ECDSA P-256, PKCS#8 key)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"test-ca-{uuid.uuid4().hex[:6]}")]
    )
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _pem(ca), _pem(cert), key_pem


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _write_secret(kube: Client, namespace: str, name: str, pair: tuple[bytes, bytes, bytes]) -> str:
    """Write the Secret as cert-manager does (type, annotations, keys); its resourceVersion."""
    ca, cert, key = pair
    secret = Secret(
        metadata=ObjectMeta(
            name=name, namespace=namespace, labels={"controller.cert-manager.io/fao": "true"},
            annotations={
                "cert-manager.io/certificate-name": CERTIFICATE,
                "cert-manager.io/common-name": "127.0.0.1",
                "cert-manager.io/ip-sans": "127.0.0.1",
                "cert-manager.io/issuer-group": "cert-manager.io",
                "cert-manager.io/issuer-kind": "Issuer",
                "cert-manager.io/issuer-name": "dorgu-ca",
            },
        ),
        type="kubernetes.io/tls",
        data={"ca.crt": _b64(ca), "tls.crt": _b64(cert), "tls.key": _b64(key)},
    )  # fmt: skip
    written = kube.apply(secret, field_manager=ISSUING, force=True)
    return str(written.metadata.resourceVersion)


def _inject_ca_bundle(testbed: Any, configuration: str, ca: bytes) -> None:
    """What cainjector does: a forced server-side apply of the caBundle only."""
    body = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": configuration},
        "webhooks": [{"name": WEBHOOK_NAME, "clientConfig": {"caBundle": _b64(ca)}}],
    }

    async def apply() -> None:
        async with connect(kubeconfig=testbed.kubeconfig).http_client() as http:
            api = Api(http, field_manager=CAINJECTOR)
            await api.patch(kinds.WEBHOOK_CONFIGURATIONS, configuration, body, patch="apply", force=True)  # fmt: skip

    asyncio.run(apply())


def _served_certificate(port: int) -> x509.Certificate:
    pem = ssl.get_server_certificate(("127.0.0.1", port), timeout=5)
    return x509.load_pem_x509_certificate(pem.encode())


def _fields_of(config: ValidatingWebhookConfiguration, manager: str) -> str:
    entries = [m for m in config.metadata.managedFields or [] if m.manager == manager]
    return json.dumps([m.fieldsV1 for m in entries])


@pytest.mark.parametrize("process", ["inline", "separate"])
def test_operator_serves_cert_managers_certificate_reloads_it_and_never_writes_it(
    testbed: Any, kube: Client, tmp_path: Path, eventually: Any, process: str
) -> None:
    """``separate``: the webhook worker process serves and reloads the key pair the operator
    reads (on the operator's ``reload`` command)."""
    suffix = uuid.uuid4().hex[:6]
    home, configuration = f"dorgu-cm-{suffix}", f"dorgu-cm-{suffix}"
    secret = f"{configuration}-certs"  # what OperatorProcess passes as --cert-secret
    install_crds(kube)
    kube.create(Namespace(metadata=ObjectMeta(name=home)))
    operator = OperatorProcess(
        kubeconfig=testbed.kubeconfig, namespace=home, log=tmp_path / "operator.log",
        configuration=configuration,
        extra=("--certificates", "cert-manager", "--webhook-process", process),
    )  # fmt: skip

    def log() -> str:
        return operator.log.read_text(errors="replace") if operator.log.exists() else ""

    try:
        # no Secret yet: the operator says what it waits for and stays unready
        eventually(lambda: f"for the Secret {home}/{secret} that cert-manager writes" in log(),
                   timeout=60)  # fmt: skip
        assert operator.get("/readyz")[0] == 503
        assert operator.process.poll() is None
        eventually(lambda: "it does not exist yet" in log(), timeout=30)  # after its first GET

        # cert-manager issues the Certificate: the operator serves it and annotates its config
        first = _issue()
        _write_secret(kube, home, secret, first)
        operator.wait_ready()
        config = kube.get(ValidatingWebhookConfiguration, configuration)
        assert config.metadata.annotations == {
            "cert-manager.io/inject-ca-from": f"{home}/{CERTIFICATE}"
        }
        assert not config.webhooks[0].clientConfig.caBundle  # left to cainjector
        port = urlsplit(config.webhooks[0].clientConfig.url).port
        assert port is not None
        assert _served_certificate(port) == x509.load_pem_x509_certificate(first[1])

        with temporary_namespace(kube) as ns:
            # cainjector injects the CA: enforce denies through the real API server
            _inject_ca_bundle(testbed, configuration, first[0])
            kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
            probe = deployment("probe", app="shop", cpu="8")
            eventually(lambda: denial(kube, ns, probe, dry_run=True), timeout=30)
            message = denial(kube, ns, deployment("shop", cpu="2"))
            assert message is not None and "persona.resource-bounds" in message, message
            assert "500m" in message

            # cert-manager renews with a new CA; cainjector's caBundle goes first, so the
            # operator's re-apply on reload comes after it and must leave it in place
            second = _issue()
            _inject_ca_bundle(testbed, configuration, second[0])
            written = _write_secret(kube, home, secret, second)
            renewed = x509.load_pem_x509_certificate(second[1])
            eventually(lambda: _served_certificate(port) == renewed, timeout=40)

            # the API server now trusts only the new CA: a denial proves it reaches the
            # reloaded certificate and that the caBundle survived the operator's re-apply.
            # granian swaps its worker on reload; for a moment the old one (old certificate)
            # may still take a connection, so enforcement resumes within seconds, not at once
            eventually(lambda: denial(kube, ns, probe, dry_run=True), timeout=30)
            message = denial(kube, ns, deployment("shop-2", app="shop", cpu="2"))
            assert message is not None and "persona.resource-bounds" in message, message

        # the operator never wrote the Secret nor the caBundle
        stored = kube.get(Secret, secret, namespace=home)
        assert stored.metadata.resourceVersion == written
        assert {m.manager for m in stored.metadata.managedFields or []} == {ISSUING}
        config = kube.get(ValidatingWebhookConfiguration, configuration)
        assert config.webhooks[0].clientConfig.caBundle == _b64(second[0])
        assert "f:caBundle" in _fields_of(config, CAINJECTOR)
        ours = _fields_of(config, FIELD_MANAGER)
        assert "f:url" in ours and "f:caBundle" not in ours
        assert log().count(f"webhook configuration {configuration} applied") == 2  # start, reload
        assert operator.metric("dorgu_webhook_certificate_loads_total", source="cert-manager") == 2
        assert operator.metric("dorgu_webhook_certificate_writes_total") == 0
    finally:
        code = operator.stop()
        delete_webhook_configuration(kube, configuration)
        delete_quietly(kube, Namespace, home)
    assert code == 0, operator.tail()
