"""Certificates for the testbed, made with ``cryptography``: a CA, a serving certificate for
127.0.0.1/localhost, client certificates, and the service-account signing key pair.

Everything is ECDSA P-256 (fast to generate, accepted by every component) and PEM-encoded.
Pure apart from the clock and the random generator; writing to disk is ``write_bundle``.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=365)
_CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class KeyPair:
    """A certificate (or public key) and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class Bundle:
    """All key material one control plane needs."""

    ca: KeyPair
    serving: KeyPair
    admin: KeyPair
    controller_manager: KeyPair
    service_account: KeyPair  # cert_pem holds the *public* key


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + VALIDITY)
    )


def make_ca(common_name: str = "dorgu-testbed-ca") -> KeyPair:
    """A self-signed CA that signs every other certificate of the testbed."""
    key = _new_key()
    name = _name(common_name)
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _sign_leaf(
    *,
    ca: KeyPair,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    hosts: tuple[str, ...] = (),
) -> KeyPair:
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("the testbed CA key must be an EC key")
    key = _new_key()
    builder = (
        _builder(subject, ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if hosts:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_serving(*, ca: KeyPair, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> KeyPair:
    """A TLS server certificate for ``hosts`` (IP addresses and DNS names), signed by ``ca``."""
    return _sign_leaf(
        ca=ca, subject=_name(hosts[0]), usage=ExtendedKeyUsageOID.SERVER_AUTH, hosts=hosts
    )


def make_client(*, ca: KeyPair, user: str, groups: tuple[str, ...] = ()) -> KeyPair:
    """A client certificate: Kubernetes reads the user from CN and the groups from O."""
    return _sign_leaf(ca=ca, subject=_name(user, groups), usage=ExtendedKeyUsageOID.CLIENT_AUTH)


def make_service_account_keys() -> KeyPair:
    """The key pair that signs service-account tokens (public key PEM, private key PEM)."""
    key = _new_key()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(public, _key_pem(key))


def make_bundle() -> Bundle:
    """Fresh key material for one control plane."""
    ca = make_ca()
    return Bundle(
        ca=ca,
        serving=make_serving(ca=ca),
        admin=make_client(ca=ca, user="dorgu-admin", groups=("system:masters",)),
        controller_manager=make_client(
            ca=ca, user="system:kube-controller-manager", groups=("system:masters",)
        ),
        service_account=make_service_account_keys(),
    )


@dataclass(frozen=True)
class BundleFiles:
    """Where ``write_bundle`` put each PEM file."""

    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path
    controller_manager_cert: Path
    controller_manager_key: Path
    service_account_public: Path
    service_account_key: Path


def write_bundle(bundle: Bundle, directory: Path) -> BundleFiles:
    """Write every PEM file of ``bundle`` into ``directory`` (keys readable by the owner only)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = BundleFiles(
        ca_cert=directory / "ca.crt",
        ca_key=directory / "ca.key",
        serving_cert=directory / "apiserver.crt",
        serving_key=directory / "apiserver.key",
        admin_cert=directory / "admin.crt",
        admin_key=directory / "admin.key",
        controller_manager_cert=directory / "controller-manager.crt",
        controller_manager_key=directory / "controller-manager.key",
        service_account_public=directory / "sa.pub",
        service_account_key=directory / "sa.key",
    )
    pairs = (
        (bundle.ca, files.ca_cert, files.ca_key),
        (bundle.serving, files.serving_cert, files.serving_key),
        (bundle.admin, files.admin_cert, files.admin_key),
        (bundle.controller_manager, files.controller_manager_cert, files.controller_manager_key),
        (bundle.service_account, files.service_account_public, files.service_account_key),
    )
    for pair, cert_path, key_path in pairs:
        cert_path.write_bytes(pair.cert_pem)
        key_path.touch(mode=0o600)
        key_path.write_bytes(pair.key_pem)
    return files
