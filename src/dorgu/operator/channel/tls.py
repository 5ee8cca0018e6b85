"""The channel's certificate: a CA and a serving certificate made once and kept in the Secret
``dorgu-channel-tls`` of the operator's namespace (so every replica serves the same one), with
the CA published in the ConfigMap ``dorgu-channel`` (``ca.crt``, ``port``), which any user who
may read it uses to trust the channel: trust bootstrapped through the API server.  Client
certificates are requested (optional) and verified against the cluster's client CA.
"""

from __future__ import annotations

import base64
import os
import shutil
import ssl
import tempfile
from datetime import UTC, datetime

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.channel.auth import CONFIG_MAPS
from dorgu.operator.webhook.certificates import make_ca, make_serving

SECRET = "dorgu-channel-tls"
CONFIG_MAP = "dorgu-channel"


def _decode(secret: JsonObject, key: str) -> bytes:
    data = secret.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    return base64.b64decode(str(value)) if value else b""


async def _material(api: Api, namespace: str, hosts: tuple[str, ...]) -> tuple[bytes, bytes, bytes]:
    try:
        secret = await api.get(kinds.SECRETS, SECRET, namespace=namespace)
    except ApiFailure as error:
        if error.code != 404:
            raise
        now = datetime.now(UTC)
        ca, ca_key = make_ca(now)
        cert, key = make_serving(ca, ca_key, hosts, now)
        body: JsonObject = {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": SECRET, "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": "dorgu"}},
            "data": {k: base64.b64encode(v).decode() for k, v in
                     (("ca.crt", ca), ("tls.crt", cert), ("tls.key", key))},
        }  # fmt: skip
        try:
            secret = await api.create(kinds.SECRETS, body, namespace=namespace)
        except ApiFailure as race:
            if race.code != 409:
                raise
            secret = await api.get(kinds.SECRETS, SECRET, namespace=namespace)
    return _decode(secret, "ca.crt"), _decode(secret, "tls.crt"), _decode(secret, "tls.key")


async def channel_tls(
    api: Api, *, namespace: str, hosts: tuple[str, ...], client_ca: str | None
) -> tuple[ssl.SSLContext, bytes]:
    """The server's TLS context and the CA certificate (PEM) that signed its certificate."""
    ca, cert, key = await _material(api, namespace, hosts)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    folder = tempfile.mkdtemp(prefix="dorgu-channel-")
    cert_file, key_file = os.path.join(folder, "tls.crt"), os.path.join(folder, "tls.key")
    try:  # ssl loads key pairs only from files: written 0600, removed once loaded
        for path, data in ((cert_file, cert), (key_file, key)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                out.write(data)
        context.load_cert_chain(cert_file, key_file)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if client_ca:
        context.load_verify_locations(cadata=client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    else:
        context.verify_mode = ssl.CERT_NONE
    return context, ca


async def publish(api: Api, *, namespace: str, ca: bytes, port: int, host: str) -> None:
    """The ``dorgu-channel`` ConfigMap: the CA to trust, the port to connect to and the host
    name the certificate is for (a client connecting through a port-forward checks it)."""
    body = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CONFIG_MAP, "namespace": namespace},
            "data": {"ca.crt": ca.decode(), "port": str(port), "host": host}}  # fmt: skip
    await api.patch(CONFIG_MAPS, CONFIG_MAP, body, namespace=namespace, patch="apply", force=True)
