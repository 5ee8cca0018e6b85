"""cert-manager as the source of the webhook's serving certificate (``--certificates
cert-manager``, or ``auto`` when cert-manager's ``certificates.cert-manager.io`` API is served).

A cert-manager ``Certificate`` writes the Secret ``--cert-secret`` (``tls.crt``, ``tls.key``,
``ca.crt``, annotated ``cert-manager.io/certificate-name``) and renews it; cert-manager's
cainjector copies ``ca.crt`` into the caBundle of every webhook configuration annotated
``cert-manager.io/inject-ca-from: <namespace>/<certificate>``.  So in this mode the operator
only reads that Secret (waiting for it at start, reloading it when it changes) and puts the
annotation on its configuration: it never writes the Secret, never rotates, never sets caBundle.

Pure: ``choose_source``, ``serves_certificates``, ``parse_serving_secret``, ``inject_ca_from``.
I/O: ``cert_manager_served`` (one discovery GET) and ``SecretSource`` (GETs of one Secret).
Must not write to the cluster.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from dorgu.errors import ClusterError
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.options import CertificateSource

logger = logging.getLogger(__name__)

GROUP, VERSION = "cert-manager.io", "v1"
CERTIFICATE_NAME = "cert-manager.io/certificate-name"
"""The annotation cert-manager puts on the Secrets its Certificates write."""
INJECT_CA_FROM = "cert-manager.io/inject-ca-from"
"""The annotation that asks cainjector to put a Certificate's ``ca.crt`` into caBundle."""
SECRET_KEYS = ("tls.crt", "tls.key", "ca.crt")
Source = Literal["self", "cert-manager"]


@dataclass(frozen=True)
class ServingSecret:
    """A usable serving key pair from a cert-manager Secret."""

    cert_pem: bytes
    """The serving certificate, possibly followed by intermediates (served as the chain)."""
    key_pem: bytes
    ca_pem: bytes
    """What cainjector injects as caBundle (the operator only checks it is there)."""
    certificate: str
    """The Certificate that wrote the Secret (its annotation), else the Secret's own name."""
    key_algorithm: str


def choose_source(requested: CertificateSource, *, cert_manager_served: bool) -> Source:
    """``self`` or ``cert-manager``: ``auto`` means cert-manager exactly when it is served."""
    if requested == "auto":
        return "cert-manager" if cert_manager_served else "self"
    return requested


def serves_certificates(resources: JsonObject) -> bool:
    """Whether an APIResourceList (``GET /apis/cert-manager.io/v1``) serves ``certificates``."""
    items = resources.get("resources")
    return isinstance(items, list) and any(
        isinstance(i, dict) and i.get("name") == "certificates" for i in items
    )


def inject_ca_from(namespace: str, certificate: str) -> dict[str, str]:
    """The annotation asking cainjector to inject ``certificate``'s CA into the caBundle."""
    return {INJECT_CA_FROM: f"{namespace}/{certificate}"}


def _algorithm(key: PrivateKeyTypes) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC"
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519"
    return type(key).__name__


def _public(item: x509.Certificate | PrivateKeyTypes) -> bytes:
    return item.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_serving_secret(obj: JsonObject, *, namespace: str, name: str) -> ServingSecret:
    """The key pair in a Secret as cert-manager writes it, or a ``ClusterError`` naming the
    Secret, what is wrong with it (missing or malformed keys, a key that does not match the
    certificate) and what to check."""
    where = f"Secret {namespace}/{name}"
    hint = (
        f"a cert-manager Certificate with secretName {name} writes tls.crt, tls.key and ca.crt; "
        f"check it with kubectl -n {namespace} describe certificate"
    )
    data = obj.get("data")
    data = data if isinstance(data, dict) else {}
    missing = [k for k in SECRET_KEYS if not data.get(k)]
    if missing:
        raise ClusterError(f"{where} has no {', '.join(missing)}", hint=hint)
    raw: dict[str, bytes] = {}
    for field in SECRET_KEYS:
        try:
            raw[field] = base64.b64decode(str(data[field]), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ClusterError(f"{where}: {field} is not base64", hint=hint) from error
    try:
        chain = x509.load_pem_x509_certificates(raw["tls.crt"])
    except ValueError as error:
        raise ClusterError(f"{where}: tls.crt is not a PEM certificate", hint=hint) from error
    try:
        x509.load_pem_x509_certificates(raw["ca.crt"])
    except ValueError as error:
        raise ClusterError(f"{where}: ca.crt is not a PEM certificate", hint=hint) from error
    try:
        private = serialization.load_pem_private_key(raw["tls.key"], password=None)
    except (ValueError, TypeError) as error:
        raise ClusterError(
            f"{where}: tls.key is not an unencrypted PEM private key", hint=hint
        ) from error
    if _public(private) != _public(chain[0]):
        raise ClusterError(f"{where}: tls.key does not belong to the certificate in tls.crt",
                           hint=hint)  # fmt: skip
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    owner = annotations.get(CERTIFICATE_NAME) if isinstance(annotations, dict) else None
    return ServingSecret(
        cert_pem=raw["tls.crt"],
        key_pem=raw["tls.key"],
        ca_pem=raw["ca.crt"],
        certificate=str(owner) if owner else name,
        key_algorithm=_algorithm(private),
    )


async def cert_manager_served(api: Api) -> bool:
    """Whether the API server serves ``certificates.cert-manager.io`` (v1)."""
    path = f"/apis/{GROUP}/{VERSION}"
    try:
        return serves_certificates(await api.raw(path))
    except ApiFailure as error:
        if error.code == 404:
            return False
        raise ClusterError(f"cannot tell whether cert-manager is installed: GET {path}: {error}",
                           hint="pass --certificates self or --certificates cert-manager") from error  # fmt: skip


class SecretSource:
    """Reads the serving key pair from the Secret a cert-manager Certificate writes."""

    def __init__(self, *, api: Api, namespace: str, name: str) -> None:
        self.api, self.namespace, self.name = api, namespace, name
        self._problem = ""

    @property
    def where(self) -> str:
        return f"Secret {self.namespace}/{self.name}"

    async def read(self) -> ServingSecret:
        """The key pair; ``ApiFailure`` when the Secret cannot be read, ``ClusterError`` when
        its content is unusable."""
        obj = await self.api.get(kinds.SECRETS, self.name, namespace=self.namespace)
        return parse_serving_secret(obj, namespace=self.namespace, name=self.name)

    async def _attempt(self) -> tuple[ServingSecret | None, str]:
        try:
            return await self.read(), ""
        except ApiFailure as error:
            if error.code == 403:
                raise ClusterError(f"the operator may not read the {self.where}: {error.message}",
                                   hint="grant get on it (the Helm chart's Role does)") from error  # fmt: skip
            return None, "it does not exist yet" if error.code == 404 else str(error)
        except ClusterError as error:
            return None, error.message

    async def wait(self, *, timeout: float, interval: float = 2.0) -> ServingSecret:
        """The key pair, polling until the Secret is usable; a ``ClusterError`` after
        ``timeout`` seconds (with the last problem)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        logger.info("waiting up to %.0fs for the %s that cert-manager writes (tls.crt, tls.key, "
                    "ca.crt); not ready until then", timeout, self.where)  # fmt: skip
        while True:
            found, problem = await self._attempt()
            if found is not None:
                logger.info("webhook certificate loaded from the %s (cert-manager Certificate %s)",
                            self.where, found.certificate)  # fmt: skip
                return found
            if problem != self._problem:
                logger.info("still waiting for the %s: %s", self.where, problem)
                self._problem = problem
            if loop.time() + interval > deadline:
                raise ClusterError(
                    f"the {self.where} held no usable webhook certificate after {timeout:.0f}s: "
                    f"{problem}",
                    hint=f"check the cert-manager Certificate with secretName {self.name} "
                    f"(kubectl -n {self.namespace} describe certificate), or run with "
                    "--certificates self",
                )
            await asyncio.sleep(interval)

    async def changed(self, current: ServingSecret) -> ServingSecret | None:
        """The Secret's key pair when it differs from ``current``; None when it is unchanged or
        unusable (then the current one keeps being served; each new problem is logged once)."""
        found, problem = await self._attempt()
        if found is None:
            if problem != self._problem:
                logger.warning("keeping the current webhook certificate: the %s is unusable: %s",
                               self.where, problem)  # fmt: skip
            self._problem = problem
            return None
        self._problem = ""
        if found == current:
            return None
        if found.key_algorithm != current.key_algorithm:
            logger.warning("the webhook key changed from %s to %s: restart the operator so the "
                           "old %s certificate is no longer offered", current.key_algorithm,
                           found.key_algorithm, current.key_algorithm)  # fmt: skip
        return found
