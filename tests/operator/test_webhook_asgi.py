"""The webhook's apps and servers (granian with RSGI, the default; hypercorn with ASGI): the routes, hostile requests, metrics, and
real HTTPS on loopback over HTTP/2 (what the API server uses when offered) and HTTP/1.1."""

from __future__ import annotations

import asyncio
import json
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from dorgu.operator.metrics import Metrics
from dorgu.operator.options import WEBHOOK_PATH
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.asgi import AsgiServer, webhook_asgi
from dorgu.operator.webhook.certificates import TlsFiles, renew
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.reviews import MAX_BODY_BYTES
from dorgu.operator.webhook.rsgi import GranianServer, WebhookRsgi
from tests.operator.cluster_support import deployment, persona


def _view() -> ClusterView:
    view = ClusterView()
    body = persona("shop", mode="enforce")
    body["metadata"].update(namespace="ns", generation=1)
    view.personas.put(body)
    return view


def _review(cpu: str) -> bytes:
    request = {
        "uid": "u-1",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "operation": "CREATE", "namespace": "ns", "name": "shop",
        "object": deployment("shop", cpu=cpu),
    }  # fmt: skip
    return json.dumps(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    ).encode()


async def _call(
    app: Any, method: str, path: str, body: bytes, chunk: int = 65536
) -> tuple[int, bytes]:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)]  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": method, "path": path}, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def app_and_metrics() -> tuple[Any, Metrics]:
    metrics = Metrics()
    return webhook_asgi(handler=AdmissionHandler(view=_view()), metrics=metrics), metrics


def test_enforce_denial_and_admission_with_metrics(app_and_metrics: tuple[Any, Metrics]) -> None:
    app, metrics = app_and_metrics
    status, body = asyncio.run(_call(app, "POST", WEBHOOK_PATH, _review(cpu="2")))
    assert status == 200 and json.loads(body)["response"]["allowed"] is False
    status, body = asyncio.run(_call(app, "POST", WEBHOOK_PATH, _review(cpu="200m"), chunk=100))
    assert status == 200 and json.loads(body)["response"]["allowed"] is True
    assert metrics.admission_decisions.value(result="denied", mode="enforce") == 1
    admitted = sum(
        metrics.admission_decisions.value(result=r, mode="enforce") for r in ("allowed", "warned")
    )
    assert admitted == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", WEBHOOK_PATH, b"\xff\xfe not json", 400),
        ("POST", WEBHOOK_PATH, b'{"kind": "AdmissionReview"}', 400),
        ("POST", WEBHOOK_PATH, b"x" * (MAX_BODY_BYTES + 1), 413),
        ("GET", WEBHOOK_PATH, b"", 405),
        ("POST", "/elsewhere", b"{}", 404),
    ],
)
def test_hostile_requests_get_a_clear_status(
    app_and_metrics: tuple[Any, Metrics], method: str, path: str, body: bytes, status: int
) -> None:
    app, _ = app_and_metrics
    got, text = asyncio.run(_call(app, method, path, body))
    assert got == status and text.endswith(b"\n")


def _tls_pair(directory: Path) -> tuple[TlsFiles, ssl.SSLContext]:
    """Serving files for 127.0.0.1 from the operator's own CA, and a client trusting it."""
    certs = renew(None, "missing", hosts=("127.0.0.1",), now=datetime.now(UTC))
    tls = TlsFiles(directory / "tls")
    tls.load(certs)
    (directory / "ca.crt").write_bytes(certs.ca_pem)
    return tls, ssl.create_default_context(cafile=str(directory / "ca.crt"))


SERVERS = ["granian", "hypercorn"]


def _server(kind: str, metrics: Metrics, tls: TlsFiles) -> AsgiServer | GranianServer:
    handler = AdmissionHandler(view=_view())
    if kind == "hypercorn":
        return AsgiServer(webhook_asgi(handler=handler, metrics=metrics), host="127.0.0.1",
                          port=0, tls=tls.context)  # fmt: skip
    return GranianServer(WebhookRsgi(handler=handler, metrics=metrics), host="127.0.0.1",
                         port=0, tls=tls)  # fmt: skip


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("http2", [True, False])
def test_served_over_tls_with_h2_and_http1(tmp_path: Path, http2: bool, kind: str) -> None:
    tls, client_tls = _tls_pair(tmp_path)

    async def run() -> tuple[str, dict[str, Any]]:
        server = _server(kind, Metrics(), tls)
        port = await server.start()
        try:
            async with httpx.AsyncClient(verify=client_tls, http2=http2, http1=not http2) as client:
                response = await client.post(f"https://127.0.0.1:{port}{WEBHOOK_PATH}",
                                             content=_review(cpu="2"))  # fmt: skip
                return response.http_version, response.json()
        finally:
            await server.stop()

    version, review = asyncio.run(run())
    assert version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert review["response"]["allowed"] is False and review["response"]["uid"] == "u-1"


@pytest.mark.parametrize("kind", SERVERS)
def test_one_h2_connection_serves_more_than_a_thousand_reviews(tmp_path: Path, kind: str) -> None:
    """hypercorn closes a connection after 1,000 requests by default, dropping the streams in
    flight (the API server then fails open); the webhook turns that limit off."""
    metrics = Metrics()
    tls, client_tls = _tls_pair(tmp_path)
    body = _review(cpu="2")

    async def run() -> list[int]:
        server = _server(kind, metrics, tls)
        port = await server.start()
        limits = httpx.Limits(max_connections=1)
        try:
            async with httpx.AsyncClient(verify=client_tls, http2=True, limits=limits) as client:
                url = f"https://127.0.0.1:{port}{WEBHOOK_PATH}"
                codes: list[int] = []
                for _ in range(11):  # 1,100 requests, 100 concurrent streams at a time
                    batch = await asyncio.gather(
                        *(client.post(url, content=body) for _ in range(100))
                    )
                    codes += [r.status_code for r in batch if r.http_version == "HTTP/2"]
                return codes
        finally:
            await server.stop()

    codes = asyncio.run(run())
    assert codes == [200] * 1100
    assert metrics.admission_decisions.value(result="denied", mode="enforce") == 1100


def test_a_taken_port_is_a_one_line_usage_error() -> None:
    from dorgu.errors import UsageError
    from dorgu.operator.webhook.serving import bind

    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(UsageError, match=r"cannot listen on 127\.0\.0\.1:\d+: .*in use"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_granian_serves_a_reloaded_certificate(tmp_path: Path) -> None:
    """A rotation (or a renewed cert-manager Secret) loads new files: granian respawns its
    worker and the next connection gets the new certificate, from a new CA."""
    tls, old_client = _tls_pair(tmp_path)
    renewed = renew(None, "missing", hosts=("127.0.0.1",), now=datetime.now(UTC))
    (tmp_path / "new-ca.crt").write_bytes(renewed.ca_pem)
    new_client = ssl.create_default_context(cafile=str(tmp_path / "new-ca.crt"))

    async def post(port: int, client_tls: ssl.SSLContext) -> int:
        async with httpx.AsyncClient(verify=client_tls, http2=True) as client:
            url = f"https://127.0.0.1:{port}{WEBHOOK_PATH}"
            return (await client.post(url, content=_review(cpu="2"))).status_code

    async def run() -> tuple[int, int, bool]:
        server = _server("granian", Metrics(), tls)
        port = await server.start()
        try:
            before = await post(port, old_client)
            tls.load(renewed)
            for _ in range(100):  # the worker respawns in the background
                try:
                    after = await post(port, new_client)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                after = 0
            old_still_served = True
            for _ in range(200):  # until the old worker has finished its graceful stop
                try:
                    await post(port, old_client)
                except httpx.ConnectError:
                    old_still_served = False
                    break
                await asyncio.sleep(0.05)
            return before, after, old_still_served
        finally:
            await server.stop()

    assert asyncio.run(run()) == (200, 200, False)
