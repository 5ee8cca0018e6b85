"""cert-manager as the webhook's certificate source: the mode choice, reading the Secret a
Certificate writes (and refusing a broken one clearly), the configuration it annotates without
owning caBundle, and the provisioner never writing the Secret."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from dorgu.errors import ClusterError
from dorgu.operator import api as kinds
from dorgu.operator.api import ApiFailure, JsonObject, Kind
from dorgu.operator.metrics import Metrics
from dorgu.operator.options import FIELD_MANAGER, OperatorOptions
from dorgu.operator.webhook.certificates import make_ca, make_serving
from dorgu.operator.webhook.certmanager import (
    INJECT_CA_FROM,
    cert_manager_served,
    choose_source,
    inject_ca_from,
    parse_serving_secret,
    serves_certificates,
)
from dorgu.operator.webhook.configuring import (
    WEBHOOK_NAME,
    ca_bundle_owned_by,
    webhook_configuration,
)
from dorgu.operator.webhook.provisioning import TlsProvisioner

NOW = datetime(2025, 6, 1, tzinfo=UTC)
NS, SECRET = "dorgu-system", "dorgu-webhook-certs"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pair(host: str = "127.0.0.1") -> tuple[bytes, bytes, bytes]:
    """(ca.crt, tls.crt, tls.key) as a CA Issuer would make them."""
    ca, ca_key = make_ca(NOW)
    cert, key = make_serving(ca, ca_key, (host,), NOW)
    return ca, cert, key


def _secret(
    ca: bytes, cert: bytes, key: bytes, *, certificate: str | None = "dorgu-webhook"
) -> JsonObject:
    """A Secret the way cert-manager writes it."""
    annotations = {
        "cert-manager.io/issuer-name": "dorgu-ca",
        "cert-manager.io/issuer-kind": "Issuer",
    }
    if certificate:
        annotations["cert-manager.io/certificate-name"] = certificate
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": SECRET, "namespace": NS, "annotations": annotations},
        "data": {"ca.crt": _b64(ca), "tls.crt": _b64(cert), "tls.key": _b64(key)},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("requested", "served", "chosen"),
    [
        ("auto", True, "cert-manager"),
        ("auto", False, "self"),
        ("self", True, "self"),
        ("cert-manager", False, "cert-manager"),
    ],
)
def test_auto_means_cert_manager_exactly_when_its_api_is_served(requested, served, chosen) -> None:  # type: ignore[no-untyped-def]
    assert choose_source(requested, cert_manager_served=served) == chosen


def test_only_a_served_certificates_resource_counts_as_cert_manager() -> None:
    listing = {"kind": "APIResourceList", "groupVersion": "cert-manager.io/v1"}
    assert serves_certificates(
        {**listing, "resources": [{"name": "issuers"}, {"name": "certificates"}]}
    )
    assert not serves_certificates({**listing, "resources": [{"name": "issuers"}]})
    assert not serves_certificates({**listing, "resources": "junk"})
    assert not serves_certificates({})  # fmt: skip


def test_a_cert_manager_secret_gives_the_key_pair_and_its_certificate() -> None:
    ca, cert, key = _pair()

    serving = parse_serving_secret(_secret(ca, cert, key), namespace=NS, name=SECRET)

    assert (serving.cert_pem, serving.key_pem, serving.ca_pem) == (cert, key, ca)
    assert serving.certificate == "dorgu-webhook"
    assert serving.key_algorithm == "EC"


def test_without_cert_managers_annotation_the_certificate_is_named_like_the_secret() -> None:
    serving = parse_serving_secret(_secret(*_pair(), certificate=None), namespace=NS, name=SECRET)
    assert serving.certificate == SECRET


def test_an_rsa_pkcs1_key_and_a_chained_certificate_are_accepted() -> None:
    """cert-manager's default: RSA in PKCS#1; tls.crt may carry the issuing CA after the leaf."""
    ca, ca_key = make_ca(NOW)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = x509.load_pem_x509_certificate(ca)
    signer = serialization.load_pem_private_key(ca_key, password=None)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dorgu")]))
        .issuer_name(issuer.subject)
        .public_key(rsa_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(datetime(2026, 6, 1, tzinfo=UTC))
        .sign(signer, hashes.SHA256())  # type: ignore[arg-type]
    )
    key_pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca

    serving = parse_serving_secret(_secret(ca, chain, key_pem), namespace=NS, name=SECRET)

    assert key_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert serving.key_algorithm == "RSA" and serving.cert_pem == chain


def _broken(change: str) -> JsonObject:
    ca, cert, key = _pair()
    secret = _secret(ca, cert, key)
    data = secret["data"]
    assert isinstance(data, dict)
    if change == "no-ca":
        del data["ca.crt"]
    elif change == "no-data":
        del secret["data"]
    elif change == "empty-key":
        data["tls.key"] = ""
    elif change == "not-base64":
        data["tls.crt"] = "%%%not base64%%%"
    elif change == "crt-not-pem":
        data["tls.crt"] = _b64(b"hello")
    elif change == "ca-not-pem":
        data["ca.crt"] = _b64(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    elif change == "key-not-pem":
        data["tls.key"] = _b64(b"not a key")
    elif change == "encrypted-key":
        other = serialization.load_pem_private_key(key, password=None)
        data["tls.key"] = _b64(
            other.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            )
        )
    elif change == "foreign-key":
        data["tls.key"] = _b64(_pair()[2])
    return secret


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no-ca", f"Secret {NS}/{SECRET} has no ca.crt"),
        ("no-data", f"Secret {NS}/{SECRET} has no tls.crt, tls.key, ca.crt"),
        ("empty-key", f"Secret {NS}/{SECRET} has no tls.key"),
        ("not-base64", f"Secret {NS}/{SECRET}: tls.crt is not base64"),
        ("crt-not-pem", f"Secret {NS}/{SECRET}: tls.crt is not a PEM certificate"),
        ("ca-not-pem", f"Secret {NS}/{SECRET}: ca.crt is not a PEM certificate"),
        ("key-not-pem", f"Secret {NS}/{SECRET}: tls.key is not an unencrypted PEM private key"),
        ("encrypted-key", f"Secret {NS}/{SECRET}: tls.key is not an unencrypted PEM private key"),
        ("foreign-key", f"Secret {NS}/{SECRET}: tls.key does not belong to the certificate"),
    ],
)
def test_a_broken_secret_is_a_clear_cluster_error(change: str, message: str) -> None:
    with pytest.raises(ClusterError) as raised:
        parse_serving_secret(_broken(change), namespace=NS, name=SECRET)

    assert raised.value.message.startswith(message), raised.value.message
    assert "describe certificate" in str(raised.value)  # what to check


def test_cert_manager_configuration_is_annotated_and_leaves_ca_bundle_alone() -> None:
    config = webhook_configuration(
        name="dorgu-validate-deployment", ca_bundle=None, operator_namespace=NS,
        service="dorgu-webhook", annotations=inject_ca_from(NS, "dorgu-webhook"),
    )  # fmt: skip

    assert config["metadata"]["annotations"] == {INJECT_CA_FROM: f"{NS}/dorgu-webhook"}  # type: ignore[index]
    (hook,) = config["webhooks"]  # type: ignore[misc]
    assert "caBundle" not in hook["clientConfig"]
    assert hook["clientConfig"]["service"]["name"] == "dorgu-webhook"


def test_self_managed_configuration_carries_its_ca_bundle_and_no_annotation() -> None:
    config = webhook_configuration(
        name="dorgu-validate-deployment", ca_bundle=b"CA", operator_namespace=NS, url="https://x"
    )
    assert "annotations" not in config["metadata"]  # type: ignore[operator]
    (hook,) = config["webhooks"]  # type: ignore[misc]
    assert hook["clientConfig"]["caBundle"] == _b64(b"CA")


def _stored(manager: str, *, owns_ca_bundle: bool, operation: str = "Apply") -> JsonObject:
    client_fields: dict[str, object] = {"f:url": {}}
    if owns_ca_bundle:
        client_fields["f:caBundle"] = {}
    return {
        "metadata": {
            "name": "dorgu-validate-deployment",
            "managedFields": [
                {"manager": manager, "operation": operation, "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:webhooks": {f'k:{{"name":"{WEBHOOK_NAME}"}}': {
                     ".": {}, "f:clientConfig": client_fields}}}},
            ],
        },
        "webhooks": [{"name": WEBHOOK_NAME, "clientConfig": {"url": "https://x", "caBundle": _b64(b"OLD")}}],
    }  # fmt: skip


def test_a_ca_bundle_is_kept_only_while_the_operator_still_owns_it() -> None:
    assert ca_bundle_owned_by(_stored(FIELD_MANAGER, owns_ca_bundle=True), FIELD_MANAGER) == b"OLD"
    assert ca_bundle_owned_by(_stored(FIELD_MANAGER, owns_ca_bundle=False), FIELD_MANAGER) is None
    injected = _stored("cert-manager-cainjector", owns_ca_bundle=True)
    assert ca_bundle_owned_by(injected, FIELD_MANAGER) is None
    updated = _stored(FIELD_MANAGER, owns_ca_bundle=True, operation="Update")
    assert ca_bundle_owned_by(updated, FIELD_MANAGER) is None
    assert ca_bundle_owned_by(None, FIELD_MANAGER) is None
    assert ca_bundle_owned_by({"metadata": "junk", "webhooks": 3}, FIELD_MANAGER) is None


class FakeApi:
    """Answers the provisioner's requests: the Secret from a script, discovery, and the
    webhook configuration; records every apply and fails any other write."""

    def __init__(self, secrets: list[JsonObject | int], *, discovery: JsonObject | int = 404):
        self.secrets, self.discovery = secrets, discovery
        self.stored: JsonObject | None = None
        self.applied: list[JsonObject] = []

    async def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> JsonObject:
        if kind == kinds.SECRETS:
            assert (namespace, name) == (NS, SECRET)
            answer = self.secrets.pop(0) if len(self.secrets) > 1 else self.secrets[0]
        else:
            assert kind == kinds.WEBHOOK_CONFIGURATIONS
            answer = self.stored if self.stored is not None else 404
        if isinstance(answer, int):
            raise ApiFailure(answer, "scripted")
        return answer

    async def raw(self, path: str) -> JsonObject:
        assert path == "/apis/cert-manager.io/v1"
        if isinstance(self.discovery, int):
            raise ApiFailure(self.discovery, "scripted")
        return self.discovery

    async def patch(self, kind: Kind, name: str, body: JsonObject, **kw: object) -> JsonObject:
        assert kind == kinds.WEBHOOK_CONFIGURATIONS and kw == {"patch": "apply", "force": True}
        self.applied.append(body)
        return body

    async def create(self, *args: object, **kw: object) -> JsonObject:
        raise AssertionError(f"unexpected create {args}")

    async def request(self, *args: object, **kw: object) -> JsonObject:
        raise AssertionError(f"unexpected request {args}")


def _provisioner(api: FakeApi, tmp_path: Path, **options: object) -> TlsProvisioner:
    settings = OperatorOptions(namespace=NS, cert_secret=SECRET, cert_dir=tmp_path / "tls",
                               cert_poll_interval=0.01, **options)  # type: ignore[arg-type]  # fmt: skip
    return TlsProvisioner(api=api, options=settings, metrics=Metrics(), hosts=("127.0.0.1",))  # type: ignore[arg-type]


def test_cert_manager_mode_waits_for_the_secret_then_serves_it_and_annotates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ca, cert, key = _pair()
    incomplete = _broken("no-ca")
    api = FakeApi([404, 404, incomplete, _secret(ca, cert, key)])
    provisioner = _provisioner(api, tmp_path, certificates="cert-manager")

    async def start() -> None:
        await provisioner.start()
        await provisioner.configure(url="https://127.0.0.1:9443/validate-deployment")

    with caplog.at_level(logging.INFO, logger="dorgu.operator.webhook"):
        asyncio.run(start())

    assert (tmp_path / "tls" / "tls.crt").read_bytes() == cert
    waited = "\n".join(r.getMessage() for r in caplog.records)
    assert f"waiting up to 300s for the Secret {NS}/{SECRET} that cert-manager writes" in waited
    assert "it does not exist yet" in waited and "has no ca.crt" in waited
    (applied,) = api.applied
    assert applied["metadata"]["annotations"] == {INJECT_CA_FROM: f"{NS}/dorgu-webhook"}  # type: ignore[index]
    assert "caBundle" not in applied["webhooks"][0]["clientConfig"]  # type: ignore[index]
    assert provisioner.metrics.certificate_loads.value(source="cert-manager") == 1
    assert provisioner.metrics.certificate_writes.values == {}


def test_cert_manager_mode_gives_up_after_the_timeout_with_a_clear_error(tmp_path: Path) -> None:
    provisioner = _provisioner(FakeApi([404]), tmp_path, certificates="cert-manager",
                               cert_wait_timeout=0.05)  # fmt: skip

    with pytest.raises(ClusterError) as raised:
        asyncio.run(provisioner.start())

    text = str(raised.value)
    assert f"the Secret {NS}/{SECRET} held no usable webhook certificate after 0s" in text
    assert "it does not exist yet" in text and "--certificates self" in text


def test_a_forbidden_secret_fails_at_once_naming_the_permission(tmp_path: Path) -> None:
    provisioner = _provisioner(FakeApi([403]), tmp_path, certificates="cert-manager")
    with pytest.raises(ClusterError, match=f"may not read the Secret {NS}/{SECRET}"):
        asyncio.run(provisioner.start())


def test_a_changed_secret_is_reloaded_and_a_broken_one_ignored(tmp_path: Path) -> None:
    first, second = _pair(), _pair()
    api = FakeApi([_secret(*first)])
    provisioner = _provisioner(api, tmp_path, certificates="cert-manager")

    async def run() -> list[bytes]:
        await provisioner.start()
        await provisioner.configure(url="https://127.0.0.1:9443/validate-deployment")
        served = [(tmp_path / "tls" / "tls.crt").read_bytes()]
        await provisioner.refresh()  # unchanged: nothing happens
        api.secrets = [_broken("foreign-key")]
        await provisioner.refresh()  # unusable: the current pair stays
        served.append((tmp_path / "tls" / "tls.crt").read_bytes())
        api.secrets = [_secret(*second, certificate="renamed")]
        await provisioner.refresh()
        served.append((tmp_path / "tls" / "tls.crt").read_bytes())
        return served

    served = asyncio.run(run())

    assert served == [first[1], first[1], second[1]]
    assert provisioner.metrics.certificate_loads.value(source="cert-manager") == 2
    assert len(api.applied) == 2  # at start, and once for the new Secret
    assert api.applied[-1]["metadata"]["annotations"] == {INJECT_CA_FROM: f"{NS}/renamed"}  # type: ignore[index]
    assert all("caBundle" not in a["webhooks"][0]["clientConfig"] for a in api.applied)  # type: ignore[index]


def test_switching_from_self_keeps_the_ca_bundle_the_operator_still_owns(tmp_path: Path) -> None:
    api = FakeApi([_secret(*_pair())])
    api.stored = _stored(FIELD_MANAGER, owns_ca_bundle=True)
    provisioner = _provisioner(api, tmp_path, certificates="cert-manager")

    async def run() -> None:
        await provisioner.start()
        await provisioner.configure(url="https://x")

    asyncio.run(run())

    (applied,) = api.applied
    assert applied["webhooks"][0]["clientConfig"]["caBundle"] == _b64(b"OLD")  # type: ignore[index]
    assert provisioner.metrics.certificate_writes.values == {}


def test_auto_asks_discovery_and_refuses_to_guess_when_it_fails(tmp_path: Path) -> None:
    listing: JsonObject = {"resources": [{"name": "certificates"}]}
    assert asyncio.run(cert_manager_served(FakeApi([404], discovery=listing))) is True  # type: ignore[arg-type]
    assert asyncio.run(cert_manager_served(FakeApi([404], discovery=404))) is False  # type: ignore[arg-type]
    with pytest.raises(ClusterError, match="cannot tell whether cert-manager is installed"):
        asyncio.run(cert_manager_served(FakeApi([404], discovery=503)))  # type: ignore[arg-type]

    api = FakeApi([_secret(*_pair())], discovery=listing)
    provisioner = _provisioner(api, tmp_path)  # certificates="auto", the default
    asyncio.run(provisioner.start())
    assert provisioner.source == "cert-manager"
