"""The client side of the operator's live channel (``dorgu watch``): find it (the
``dorgu-channel`` ConfigMap gives the CA to trust, the port and the certificate's host name),
present the kubeconfig's credentials (a bearer token, or the client certificate), and stream
events, reconnecting with backoff and resuming from the last event id, so nothing is missed or
repeated across reconnects and operator restarts (after a restart the operator says ``reset``
and sends a fresh snapshot).

Must not print (events go to a callback) or decide what to show.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from dorgu.clients.kube import ConnectionOptions, JsonObject, KubeClient, ResourceKind
from dorgu.errors import ClusterError, UsageError

CONFIG_MAPS = ResourceKind("v1", "ConfigMap", "configmaps", namespaced=True)
CONFIG_MAP = "dorgu-channel"
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class Credentials:
    token: str | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None


@dataclass(frozen=True)
class Endpoint:
    url: str
    ca_pem: bytes
    server_hostname: str | None


def credentials(options: ConnectionOptions) -> Credentials:
    """The kubeconfig user's token or client certificate (exec plugins are not supported)."""
    from dorgu.clients.kubeconfigs import resolve_connection

    single = resolve_connection(options).config
    user = single.user
    if user is None:
        raise ClusterError("the kubeconfig context has no user", hint="check --context")
    if user.token or user.token_file:
        token = user.token or Path(str(single.abs_file(user.token_file or ""))).read_text().strip()
        return Credentials(token=token)

    def pem(data: str | None, file: str | None) -> bytes | None:
        if data:
            return base64.b64decode(data)
        return Path(str(single.abs_file(file))).read_bytes() if file else None

    cert = pem(user.client_cert_data, user.client_cert)
    key = pem(user.client_key_data, user.client_key)
    if cert and key:
        return Credentials(cert_pem=cert, key_pem=key)
    raise ClusterError(
        "the kubeconfig user has neither a token nor a client certificate",
        hint="dorgu watch cannot run exec or auth-provider plugins; use a token "
        "(kubectl create token ...) in the kubeconfig",
    )


def find_endpoint(client: KubeClient, *, namespace: str, server: str | None) -> Endpoint:
    found = client.get(CONFIG_MAPS, CONFIG_MAP, namespace=namespace)
    if found is None:
        raise ClusterError(
            f"no live channel announced in namespace {namespace} (configmap {CONFIG_MAP})",
            hint="run the operator with --channel-port (the chart enables it), or pass "
            "--operator-namespace",
        )
    data = found.get("data")
    data = data if isinstance(data, dict) else {}
    ca, port, host = data.get("ca.crt"), data.get("port"), data.get("host")
    if not isinstance(ca, str) or not str(port).isdigit():
        raise ClusterError(f"configmap {namespace}/{CONFIG_MAP} has no ca.crt and port")
    if server is None:
        url = f"wss://127.0.0.1:{port}"
    else:
        parts = urlsplit(server)
        if parts.scheme != "wss" or not parts.hostname:
            raise UsageError(f"--server {server!r}: not a wss:// URL",
                             hint="e.g. wss://127.0.0.1:8445 after kubectl port-forward")  # fmt: skip
        url = server.rstrip("/")
    return Endpoint(
        url=url, ca_pem=ca.encode(), server_hostname=host if isinstance(host, str) else None
    )


def _context(endpoint: Endpoint, creds: Credentials) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=endpoint.ca_pem.decode())
    if creds.cert_pem and creds.key_pem:
        folder = tempfile.mkdtemp(prefix="dorgu-watch-")
        cert, key = os.path.join(folder, "c.pem"), os.path.join(folder, "k.pem")
        try:
            for path, data in ((cert, creds.cert_pem), (key, creds.key_pem)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as stream:
                    stream.write(data)
            context.load_cert_chain(cert, key)
        finally:
            for path in (cert, key):
                if os.path.exists(path):
                    os.remove(path)
            os.rmdir(folder)
    return context


async def stream(
    locate: Callable[[], Endpoint],
    creds: Credentials,
    *,
    namespace: str | None,
    name: str | None,
    on_event: Callable[[JsonObject], bool],
    resume: str | None = None,
) -> None:
    """Deliver events to ``on_event`` until it returns False; reconnects with backoff, looking
    the channel up again (``locate``) after a failure: a restarted operator may serve it on
    another port."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    headers = {"Authorization": f"Bearer {creds.token}"} if creds.token else {}
    backoff, last = 0.5, resume
    endpoint = locate()
    while True:
        context = _context(endpoint, creds)
        query = {k: v for k, v in (("namespace", namespace), ("name", name), ("resume", last)) if v}
        url = f"{endpoint.url}/watch" + (f"?{urlencode(query)}" if query else "")
        try:
            async with connect(url, ssl=context, additional_headers=headers,
                               server_hostname=endpoint.server_hostname,
                               open_timeout=10, max_size=2**20) as connection:  # fmt: skip
                backoff = 0.5
                async for message in connection:
                    event = json.loads(message)
                    if not isinstance(event, dict):
                        continue
                    if not event.get("snapshot") and event.get("id"):
                        last = str(event["id"])
                    if not on_event(event):
                        return
        except InvalidStatus as error:
            status = error.response.status_code
            text = error.response.body.decode(errors="replace").strip()[:300]
            if status in (401, 403, 400, 404):
                raise ClusterError(
                    f"the live channel refused the watch ({status}): {text}",
                    hint="check your credentials and RBAC on applicationpersonas",
                ) from error
        except (ConnectionClosed, OSError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except ssl.SSLError as error:
            raise ClusterError(f"TLS with the live channel failed: {error.reason}",
                               hint="is --server the operator's channel?") from error  # fmt: skip
        await asyncio.sleep(backoff * (0.5 + random.random()))
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        with contextlib.suppress(ClusterError):  # the cluster is away too: keep the last address
            endpoint = await asyncio.to_thread(locate)
