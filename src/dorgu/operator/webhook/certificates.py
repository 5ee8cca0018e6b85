"""The webhook's TLS: a private CA and a serving certificate made with ``cryptography``,
stored in a Secret (so every replica serves the same certificate) and rotated before expiry.

Pure part: ``make_ca``, ``make_serving``, ``rotation_reason`` (why the stored certificates
must be renewed, or None), ``renew`` (the next certificates; a new CA keeps the old one in the
bundle until it expires, so the caBundle trusts both during a rotation).  I/O part:
``ensure_certificates`` reads/creates/updates the Secret with optimistic concurrency.

This is the ``self`` certificate source; with ``--certificates cert-manager`` a cert-manager
Certificate writes the Secret instead and ``certmanager`` reads it (nothing here runs then but
``TlsFiles``, which loads either kind of key pair).
Must not write keys anywhere but the Secret and the private directory ``TlsFiles`` uses.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure

CA_DAYS = 3650
SERVING_DAYS = 365
RENEW_SERVING_BEFORE = timedelta(days=30)
RENEW_CA_BEFORE = timedelta(days=365)
KEYS = ("ca.crt", "ca.key", "tls.crt", "tls.key", "ca-previous.crt")


@dataclass(frozen=True)
class Certificates:
    ca_pem: bytes
    ca_key_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    previous_ca_pem: bytes | None = None

    def bundle(self, now: datetime) -> bytes:
        """The caBundle: the CA, plus the previous CA while it is still valid."""
        old = self.previous_ca_pem
        if old and x509.load_pem_x509_certificate(old).not_valid_after_utc > now:
            return self.ca_pem + old
        return self.ca_pem


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(now: datetime, *, days: int = CA_DAYS) -> tuple[bytes, bytes]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dorgu-webhook-ca")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _pem(key)


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_serving(
    ca_pem: bytes, ca_key_pem: bytes, hosts: tuple[str, ...], now: datetime,
    *, days: int = SERVING_DAYS,
) -> tuple[bytes, bytes]:  # fmt: skip
    ca = x509.load_pem_x509_certificate(ca_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=days), ca.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _pem(key)


def _hosts_of(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    }


def rotation_reason(
    certs: Certificates | None,
    *,
    hosts: tuple[str, ...],
    now: datetime,
    renew_serving_before: timedelta = RENEW_SERVING_BEFORE,
    renew_ca_before: timedelta = RENEW_CA_BEFORE,
) -> str | None:
    """Why ``certs`` must be renewed now (missing, unreadable, ca-expiring, not-signed-by-ca,
    expiring, hosts-changed), or None when they are good."""
    if certs is None:
        return "missing"
    try:
        ca = x509.load_pem_x509_certificate(certs.ca_pem)
        cert = x509.load_pem_x509_certificate(certs.cert_pem)
        serialization.load_pem_private_key(certs.key_pem, password=None)
        serialization.load_pem_private_key(certs.ca_key_pem, password=None)
    except ValueError:
        return "unreadable"
    if ca.not_valid_after_utc - now <= renew_ca_before:
        return "ca-expiring"
    if cert.issuer != ca.subject:
        return "not-signed-by-ca"
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):
        return "not-signed-by-ca"
    if cert.not_valid_after_utc - now <= renew_serving_before or cert.not_valid_before_utc > now:
        return "expiring"
    if not set(hosts) <= _hosts_of(cert):
        return "hosts-changed"
    return None


def renew(
    certs: Certificates | None, reason: str, *, hosts: tuple[str, ...], now: datetime
) -> Certificates:
    """The next certificates for ``reason`` (the CA is kept unless it must change)."""
    new_ca = certs is None or reason in ("missing", "unreadable", "ca-expiring")
    if new_ca:
        ca_pem, ca_key = make_ca(now)
        previous = certs.ca_pem if certs is not None and reason == "ca-expiring" else None
    else:
        assert certs is not None
        ca_pem, ca_key, previous = certs.ca_pem, certs.ca_key_pem, certs.previous_ca_pem
    cert_pem, key_pem = make_serving(ca_pem, ca_key, hosts, now)
    return Certificates(ca_pem, ca_key, cert_pem, key_pem, previous)


def to_secret_data(certs: Certificates) -> dict[str, str]:
    values = (certs.ca_pem, certs.ca_key_pem, certs.cert_pem, certs.key_pem, certs.previous_ca_pem)
    return {k: base64.b64encode(v).decode() for k, v in zip(KEYS, values, strict=True) if v}


def from_secret_data(data: object) -> Certificates | None:
    if not isinstance(data, dict):
        return None
    try:
        raw = {k: base64.b64decode(str(data[k])) for k in KEYS if k in data}
        return Certificates(raw["ca.crt"], raw["ca.key"], raw["tls.crt"], raw["tls.key"],
                            raw.get("ca-previous.crt"))  # fmt: skip
    except (KeyError, ValueError):
        return None


async def ensure_certificates(
    api: Api, *, namespace: str, secret: str, hosts: tuple[str, ...], now: datetime
) -> tuple[Certificates, str | None]:
    """The certificates in the Secret, renewed (and stored) when needed; with the reason."""
    for _ in range(5):
        try:
            obj = await api.get(kinds.SECRETS, secret, namespace=namespace)
        except ApiFailure as error:
            if error.code != 404:
                raise
            obj = None
        current = from_secret_data(obj.get("data")) if obj else None
        reason = rotation_reason(current, hosts=hosts, now=now)
        if reason is None and current is not None:
            return current, None
        fresh = renew(current, reason or "missing", hosts=hosts, now=now)
        body: dict[str, object] = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": secret, "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": "dorgu-operator"}},
            "data": to_secret_data(fresh),
        }  # fmt: skip
        try:
            if obj is None:
                await api.create(kinds.SECRETS, body, namespace=namespace)
            else:
                meta = obj.get("metadata")
                version = meta.get("resourceVersion") if isinstance(meta, dict) else None
                body["metadata"] = {**body["metadata"], "resourceVersion": version}  # type: ignore[dict-item]
                await api.request(
                    "PUT", kinds.SECRETS.path(namespace=namespace, name=secret), body=body
                )
        except ApiFailure as error:
            if error.code == 409:  # another replica won; use theirs
                continue
            raise
        return fresh, reason
    raise ApiFailure(409, f"Secret {namespace}/{secret} kept changing while rotating certificates")


class KeyPair(Protocol):
    """A serving certificate (chain) and its private key, PEM."""

    @property
    def cert_pem(self) -> bytes: ...

    @property
    def key_pem(self) -> bytes: ...


class TlsFiles:
    """A private directory with the serving key pair, and an SSL context that reloads it."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(tempfile.mkdtemp(prefix="dorgu-webhook-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.cert_file, self.key_file = self.directory / "tls.crt", self.directory / "tls.key"
        self.listeners: list[Callable[[], None]] = []
        """Called after each load (a server that reads the files itself reloads them)."""

    def load(self, certs: KeyPair) -> None:
        cert, key = self.cert_file, self.key_file
        cert.write_bytes(certs.cert_pem)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(certs.key_pem)
        self.context.load_cert_chain(str(cert), str(key))
        for listener in list(self.listeners):
            listener()

    def reread(self) -> None:
        """Load the key pair another process wrote to the files (the webhook worker)."""
        self.context.load_cert_chain(str(self.cert_file), str(self.key_file))
        for listener in list(self.listeners):
            listener()
