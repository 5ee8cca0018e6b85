from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dorgu.devcluster import certificates


def _cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def test_ca_is_a_self_signed_certificate_authority() -> None:
    ca = _cert(certificates.make_ca().cert_pem)

    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.issuer == ca.subject
    ca.verify_directly_issued_by(ca)


def test_serving_certificate_covers_loopback_and_localhost_and_chains_to_the_ca() -> None:
    ca = certificates.make_ca()
    serving = _cert(certificates.make_serving(ca=ca).cert_pem)

    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    usages = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usages
    serving.verify_directly_issued_by(_cert(ca.cert_pem))


def test_client_certificate_carries_user_in_cn_and_groups_in_o() -> None:
    ca = certificates.make_ca()
    client = _cert(
        certificates.make_client(ca=ca, user="alice", groups=("system:masters", "devs")).cert_pem
    )

    subject = client.subject
    assert [a.value for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == ["alice"]
    assert [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == [
        "system:masters",
        "devs",
    ]
    client.verify_directly_issued_by(_cert(ca.cert_pem))


def test_service_account_public_key_matches_its_private_key() -> None:
    pair = certificates.make_service_account_keys()

    private = serialization.load_pem_private_key(pair.key_pem, password=None)
    public = serialization.load_pem_public_key(pair.cert_pem)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.public_key().public_numbers() == public.public_numbers()


def test_bundles_are_fresh_each_time() -> None:
    assert certificates.make_bundle().ca.key_pem != certificates.make_bundle().ca.key_pem


def test_written_keys_are_private_to_the_owner(tmp_path: Path) -> None:
    files = certificates.write_bundle(certificates.make_bundle(), tmp_path / "pki")

    for key in (files.ca_key, files.serving_key, files.admin_key, files.service_account_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert files.ca_cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
