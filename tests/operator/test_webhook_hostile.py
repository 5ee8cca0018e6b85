"""Hostile clients against the real webhook servers over TLS on loopback (granian, the
default, and hypercorn): malformed reviews, oversized bodies, early disconnects, HTTP/2
stream resets, garbage bytes and slow trickles.  Each gets a clean outcome, at most one log
line and no traceback, and the server still answers a real review afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import httpx
import pytest

from dorgu.operator.metrics import Metrics
from dorgu.operator.options import WEBHOOK_PATH
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.asgi import AsgiServer, webhook_asgi
from dorgu.operator.webhook.certificates import TlsFiles, renew
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.rsgi import GranianServer, WebhookRsgi
from tests.operator.cluster_support import deployment, persona

BODY_TIMEOUT = 1.0
CLIENT_LOGGERS = ("httpx", "httpcore", "hpack", "h2.")
"""The test's own clients; every other logger (the servers', asyncio's) counts."""
MIB = 1024 * 1024


def _view() -> ClusterView:
    view = ClusterView()
    body = persona("shop", mode="enforce")
    body["metadata"].update(namespace="ns", generation=1)
    view.personas.put(body)
    return view


def _review(uid: str = "u-1") -> bytes:
    request = {
        "uid": uid,
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "operation": "CREATE", "namespace": "ns", "name": "shop",
        "object": deployment("shop", cpu="2"),
    }  # fmt: skip
    return json.dumps(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    ).encode()


class Stage:
    """A started server, its port and a TLS context for clients (h2 and http/1.1 by ALPN)."""

    def __init__(self, server: AsgiServer | GranianServer, port: int, ca: Path) -> None:
        self.server, self.port = server, port
        self.client_tls = ssl.create_default_context(cafile=str(ca))

    def tls(self, alpn: list[str]) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.client_tls_ca)
        context.set_alpn_protocols(alpn)
        return context

    async def still_answers(self) -> None:
        async with httpx.AsyncClient(verify=self.client_tls, http2=True) as client:
            response = await client.post(self.url, content=_review("after"))
        assert response.status_code == 200
        assert response.json()["response"] == {**response.json()["response"], "uid": "after",
                                               "allowed": False}  # fmt: skip

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    client_tls_ca: str = ""


async def _staged(kind: str, directory: Path, body: Callable[[Stage], Awaitable[None]]) -> None:
    certs = renew(None, "missing", hosts=("127.0.0.1",), now=datetime.now(UTC))
    tls = TlsFiles(directory / "tls")
    tls.load(certs)
    ca = directory / "ca.crt"
    ca.write_bytes(certs.ca_pem)
    handler = AdmissionHandler(view=_view())
    server: AsgiServer | GranianServer
    if kind == "hypercorn":
        app = webhook_asgi(handler=handler, metrics=Metrics(), body_timeout=BODY_TIMEOUT)
        server = AsgiServer(app, host="127.0.0.1", port=0, tls=tls.context)
    else:
        rsgi = WebhookRsgi(handler=handler, metrics=Metrics(), body_timeout=BODY_TIMEOUT)
        server = GranianServer(rsgi, host="127.0.0.1", port=0, tls=tls)
    port = await server.start()
    stage = Stage(server, port, ca)
    stage.client_tls_ca = str(ca)
    try:
        await body(stage)
        await asyncio.sleep(0.3)  # let the server log what it would log about it
        await stage.still_answers()
    finally:
        await server.stop()


def _run(kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
         body: Callable[[Stage], Awaitable[None]]) -> list[logging.LogRecord]:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    asyncio.run(_staged(kind, tmp_path, body))
    records = [r for r in caplog.records if r.levelno >= logging.INFO
               and not r.name.startswith(CLIENT_LOGGERS)
               and not r.getMessage().startswith(("serving https", "denied ", "Running on"))]  # fmt: skip
    assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in records), [
        r.getMessage() for r in records
    ]
    assert len(records) <= 1, [r.getMessage() for r in records]
    return records


SERVERS = ["granian", "hypercorn"]


async def _h2(stage: Stage) -> tuple[asyncio.StreamReader, asyncio.StreamWriter,
                                     h2.connection.H2Connection]:  # fmt: skip
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", stage.port, ssl=stage.tls(["h2"]), server_hostname="127.0.0.1"
    )
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    await writer.drain()
    return reader, writer, connection


def _headers(stage: Stage, length: int | None) -> list[tuple[str, str]]:
    headers = [(":method", "POST"), (":scheme", "https"), (":path", WEBHOOK_PATH),
               (":authority", f"127.0.0.1:{stage.port}"), ("content-type", "application/json")]  # fmt: skip
    return headers + ([("content-length", str(length))] if length is not None else [])


async def _h2_status(reader: asyncio.StreamReader, connection: h2.connection.H2Connection,
                     writer: asyncio.StreamWriter, stream: int) -> int | None:  # fmt: skip
    """The status answering ``stream`` (None: the server reset it or closed)."""
    async with asyncio.timeout(10):
        while True:
            data = await reader.read(65536)
            if not data:
                return None
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                    return int(dict(event.headers)[b":status"])
                if isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                    return None
            writer.write(connection.data_to_send())
            await writer.drain()


def _abort(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:  # an RST, not a FIN: the rudest way to leave
        with contextlib.suppress(OSError):  # already closed by the server
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    transport.abort()


@pytest.mark.parametrize("kind", SERVERS)
def test_malformed_reviews_get_400_over_h2(kind: str, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    statuses: list[int] = []

    async def body(stage: Stage) -> None:
        async with httpx.AsyncClient(verify=stage.client_tls, http2=True) as client:
            for junk in (b"\xff\xfe not json", b"[]", b'{"request": {"uid": 7}}', b"{" * 100_000):
                statuses.append((await client.post(stage.url, content=junk)).status_code)

    _run(kind, tmp_path, caplog, body)
    assert statuses == [400, 400, 400, 400]


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("declared", [True, False])
def test_a_20_mib_body_gets_413(kind: str, declared: bool, tmp_path: Path,
                                caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """With a content-length (refused before reading) and without one (refused once the
    bytes read pass the limit); the client sends as fast as flow control lets it."""
    statuses: list[int | None] = []

    async def body(stage: Stage) -> None:
        reader, writer, connection = await _h2(stage)
        connection.send_headers(1, _headers(stage, 20 * MIB if declared else None))
        left = 20 * MIB
        async with asyncio.timeout(30):
            while True:
                window = min(connection.local_flow_control_window(1), left)
                while window > 0:
                    size = min(window, connection.max_outbound_frame_size)
                    connection.send_data(1, b"x" * size)
                    window, left = window - size, left - size
                writer.write(connection.data_to_send())
                await writer.drain()
                data = await reader.read(65536)
                if not data:
                    statuses.append(None)
                    break
                events = connection.receive_data(data)
                writer.write(connection.data_to_send())
                done = [
                    e
                    for e in events
                    if isinstance(e, h2.events.ResponseReceived | h2.events.StreamReset)
                ]
                if done:
                    event = done[0]
                    statuses.append(int(dict(event.headers)[b":status"])
                                    if isinstance(event, h2.events.ResponseReceived) else None)  # fmt: skip
                    # like curl: the upload goes on a little after the answer (hypercorn used
                    # to log a KeyError traceback for DATA on a stream it had closed)
                    with contextlib.suppress(h2.exceptions.H2Error):
                        for _ in range(8):
                            connection.send_data(1, b"x" * 16384)
                    writer.write(connection.data_to_send())
                    await writer.drain()
                    await asyncio.sleep(0.3)
                    break
                if left == 0:
                    connection.end_stream(1)
        _abort(writer)

    _run(kind, tmp_path, caplog, body)
    assert statuses == [413]


@pytest.mark.parametrize("kind", SERVERS)
def test_h2_client_closing_right_after_its_response(kind: str, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """hypercorn used to log a KeyError traceback (h2.py) for exactly this."""
    statuses: list[int | None] = []

    async def body(stage: Stage) -> None:
        for _ in range(20):
            reader, writer, connection = await _h2(stage)
            review = _review()
            connection.send_headers(1, _headers(stage, len(review)))
            connection.send_data(1, review, end_stream=True)
            writer.write(connection.data_to_send())
            await writer.drain()
            statuses.append(await _h2_status(reader, connection, writer, 1))
            _abort(writer)

    _run(kind, tmp_path, caplog, body)
    assert statuses == [200] * 20


@pytest.mark.parametrize("kind", SERVERS)
def test_h2_stream_resets_mid_body(kind: str, tmp_path: Path,
                                   caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    answered: list[int | None] = []

    async def body(stage: Stage) -> None:
        reader, writer, connection = await _h2(stage)
        review = _review()
        for stream in range(1, 41, 2):  # 20 streams: half a body, then RST_STREAM
            connection.send_headers(stream, _headers(stage, len(review)))
            connection.send_data(stream, review[:100])
            connection.reset_stream(stream)
        connection.send_headers(41, _headers(stage, len(review)))  # the connection lives on
        connection.send_data(41, review, end_stream=True)
        writer.write(connection.data_to_send())
        await writer.drain()
        answered.append(await _h2_status(reader, connection, writer, 41))
        _abort(writer)

    _run(kind, tmp_path, caplog, body)
    assert answered == [200]


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("tls", [True, False])
def test_garbage_bytes_are_dropped(kind: str, tls: bool, tmp_path: Path,
                                   caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """Garbage after a TLS handshake (h2 preface expected) and garbage instead of one."""
    closed: list[bool] = []

    async def body(stage: Stage) -> None:
        for alpn in (["h2"], ["http/1.1"]):
            context = stage.tls(alpn) if tls else None
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", stage.port, ssl=context, server_hostname="127.0.0.1" if tls else None
            )
            writer.write(bytes(range(256)) * 64 + b"\r\n\r\n")
            try:
                await writer.drain()
                async with asyncio.timeout(15):
                    while await reader.read(65536):
                        pass
                closed.append(True)
            except (OSError, ssl.SSLError):
                closed.append(True)
            finally:
                _abort(writer)

    _run(kind, tmp_path, caplog, body)
    assert closed == [True, True]


@pytest.mark.parametrize("kind", SERVERS)
def test_a_trickled_body_gets_408_and_the_connection_lives_on(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Slowloris on a stream: one byte at a time, slower than the body timeout allows."""
    statuses: list[int | None] = []

    async def body(stage: Stage) -> None:
        reader, writer, connection = await _h2(stage)
        review = _review()
        connection.send_headers(1, _headers(stage, len(review)))
        writer.write(connection.data_to_send())
        await writer.drain()
        status = asyncio.create_task(_h2_status(reader, connection, writer, 1))
        for byte in review[:40]:
            if status.done():
                break
            connection.send_data(1, bytes([byte]))
            writer.write(connection.data_to_send())
            await writer.drain()
            await asyncio.sleep(0.1)
        statuses.append(await status)
        _abort(writer)

    _run(kind, tmp_path, caplog, body)
    assert statuses == [408]


@pytest.mark.parametrize("kind", SERVERS)
def test_half_sent_http1_headers_are_dropped(kind: str, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """Slowloris on headers: a client that never finishes them is let go of, not waited on
    by the rest (the real review afterwards is answered at once)."""

    async def body(stage: Stage) -> None:
        writers = []
        for _ in range(20):
            _, writer = await asyncio.open_connection(
                "127.0.0.1", stage.port, ssl=stage.tls(["http/1.1"]), server_hostname="127.0.0.1"
            )
            writer.write(f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
            await writer.drain()
            writers.append(writer)
        await stage.still_answers()
        for writer in writers:
            _abort(writer)

    _run(kind, tmp_path, caplog, body)


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("alpn", ["h2", "http/1.1"])
def test_clients_leaving_mid_body(kind: str, alpn: str, tmp_path: Path,
                                  caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    async def body(stage: Stage) -> None:
        review = _review()
        for _ in range(10):
            if alpn == "h2":
                _, writer, connection = await _h2(stage)
                connection.send_headers(1, _headers(stage, len(review)))
                connection.send_data(1, review[:200])
                writer.write(connection.data_to_send())
            else:
                _, writer = await asyncio.open_connection(
                    "127.0.0.1",
                    stage.port,
                    ssl=stage.tls(["http/1.1"]),
                    server_hostname="127.0.0.1",
                )
                head = f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(review)}\r\n\r\n"
                writer.write(head.encode() + review[:200])
            await writer.drain()
            await asyncio.sleep(0.05)  # the server is now waiting for the rest
            _abort(writer)

    _run(kind, tmp_path, caplog, body)
