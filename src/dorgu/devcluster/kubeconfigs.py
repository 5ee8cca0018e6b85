"""Render kubeconfig files (pure: data in, YAML text out)."""

from __future__ import annotations

import base64

import yaml


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def render_kubeconfig(
    *,
    server: str,
    ca_pem: bytes,
    user: str,
    cert_pem: bytes | None = None,
    key_pem: bytes | None = None,
    token: str | None = None,
    cluster: str = "dorgu-testbed",
    namespace: str = "default",
) -> str:
    """A one-context kubeconfig with the credentials embedded (client cert or bearer token)."""
    credentials: dict[str, str] = {}
    if cert_pem is not None and key_pem is not None:
        credentials["client-certificate-data"] = _b64(cert_pem)
        credentials["client-key-data"] = _b64(key_pem)
    if token is not None:
        credentials["token"] = token
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "users": [{"name": user, "user": credentials}],
        "contexts": [
            {
                "name": cluster,
                "context": {"cluster": cluster, "user": user, "namespace": namespace},
            }
        ],
        "current-context": cluster,
        "preferences": {},
    }
    return yaml.safe_dump(document, sort_keys=True)
