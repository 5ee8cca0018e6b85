"""The webhook's HTTPS server by default: granian (Rust: TLS, HTTP/2 and HTTP/1.1 by ALPN, run
in its own thread outside the interpreter), embedded in the operator's event loop, calling a
small RSGI app for each request.

Profiled under the benchmark load, hypercorn's pure-Python HTTP/2 framing, stream priority
tree and TLS writes took about two thirds of the webhook's CPU per review; with granian only
the RSGI call, the body read and the evaluation run in Python (docs/performance.md).

Hostile clients are granian's to handle before any Python runs (garbage, resets, early
disconnects, slow headers: no traceback, no log line); the app bounds the body in size (413)
and time (408).  TLS comes from the files ``TlsFiles`` writes: when they are reloaded (rotation,
cert-manager renewal) the server respawns its worker, which reads them again; connections
open at that moment are closed gracefully and the API server reconnects.
Must not call the Kubernetes API or wait on anything but the request body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

from dorgu.errors import DorguError
from dorgu.operator.metrics import Metrics
from dorgu.operator.webhook.answering import BODY_TIMEOUT_S, Answerer, Reply, read_body, route
from dorgu.operator.webhook.certificates import TlsFiles
from dorgu.operator.webhook.handling import AdmissionHandler

logger = logging.getLogger(__name__)
_JSON = [("content-type", "application/json")]
_TEXT = [("content-type", "text/plain; charset=utf-8")]
_QUIET = {"Embedded server is experimental!", "Starting granian (embedded)"}


class _Headers(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...


class _Scope(Protocol):
    proto: str
    method: str
    path: str

    @property
    def headers(self) -> _Headers: ...


class _Transport(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...


class WebhookRsgi:
    """The RSGI application: one review per ``POST /validate-deployment``."""

    def __init__(
        self, *, handler: AdmissionHandler, metrics: Metrics, body_timeout: float = BODY_TIMEOUT_S
    ) -> None:
        self.answerer = Answerer(handler=handler, metrics=metrics)
        self.body_timeout = body_timeout

    async def __rsgi__(self, scope: _Scope, protocol: _Transport) -> None:
        if scope.proto != "http":
            return
        early = route(scope.method, scope.path, scope.headers.get("content-length"))
        if early is not None:
            _send(protocol, early)
            return
        started = time.perf_counter()
        try:
            body = await read_body(protocol, timeout=self.body_timeout)
        except RuntimeError:  # granian's "protocol closed": the client left mid-body
            return
        _send(
            protocol,
            body if isinstance(body, Reply) else self.answerer.answer(body, started=started),
        )


def _send(protocol: _Transport, reply: Reply) -> None:
    with contextlib.suppress(RuntimeError):  # the client went away: nothing to answer
        protocol.response_bytes(reply.status, _JSON if reply.json else _TEXT, reply.body)


class _Quiet(logging.Filter):
    """granian's start-up chatter (it is embedded on purpose) stays out of the operator log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in _QUIET and not record.getMessage().startswith(
            ("Listening at", "Spawning worker", "Stopping worker", "Respawning worker",
             "Stopping old worker", "Shutting down")
        )  # fmt: skip


def _free_port(host: str, port: int) -> int:
    """``port`` (0: any free one) after checking it can be bound (a clear error if not)."""
    from dorgu.operator.webhook.serving import bind

    sock = bind(host, port)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


async def _listening(host: str, port: int, task: asyncio.Task[None]) -> None:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    for _ in range(200):
        if task.done():
            error = None if task.cancelled() else task.exception()
            raise DorguError(f"the webhook server did not start: {error or 'it stopped'}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(target, port, family=family)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        await asyncio.sleep(0.025)
    raise DorguError(f"the webhook server did not start listening on {host}:{port} within 5s")


def _report_exit(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the webhook server stopped: %s", task.exception())


class GranianServer:
    """``app`` on an embedded granian server (port 0: any; ``port`` once started), TLS from
    ``tls``'s files, h2 and http/1.1; reloads the certificate whenever ``tls`` loads one."""

    def __init__(self, app: WebhookRsgi, *, host: str, port: int, tls: TlsFiles) -> None:
        self.app, self.host, self.requested_port, self.tls = app, host, port, tls
        self.port = port
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None
        self._threads: int | None = None

    async def start(self) -> int:
        from granian.constants import HTTPModes, Interfaces
        from granian.http import HTTP1Settings, HTTP2Settings
        from granian.log import LogLevels
        from granian.server.embed import Server

        logging.getLogger("_granian").addFilter(_Quiet())
        self._threads = _thread_count()
        self.port = _free_port(self.host, self.requested_port)
        self._server = Server(
            self.app, address=self.host, port=self.port, interface=Interfaces.RSGI,
            http=HTTPModes.auto, websockets=False, backlog=1024,
            http1_settings=HTTP1Settings(header_read_timeout=10_000),
            http2_settings=HTTP2Settings(max_concurrent_streams=256, keep_alive_interval=30_000,
                                         keep_alive_timeout=20),
            ssl_cert=self.tls.cert_file, ssl_key=self.tls.key_file,
            # incremental: granian only sets its own logger's level; the operator's logging
            # configuration is left alone (a full dictConfig would replace it)
            log_level=LogLevels.warning, log_access=False,
            log_dictconfig={"version": 1, "incremental": True, "handlers": {}, "loggers": {}},
        )  # fmt: skip
        self._server.workers_kill_timeout = 5
        self._task = asyncio.create_task(self._server.serve(), name="webhook-server")
        self._task.add_done_callback(_report_exit)
        await _listening(self.host, self.port, self._task)
        self.tls.listeners.append(self._reload)
        logger.info("serving https (h2, http/1.1; granian) on %s:%d", self.host, self.port)
        return self.port

    def _reload(self) -> None:
        if self._server is not None:
            self._server.reload()

    async def stop(self) -> None:
        if self._task is not None:
            with contextlib.suppress(ValueError):
                self.tls.listeners.remove(self._reload)
            self._server.stop()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None
            await _threads_ended(self._threads)


def _thread_count() -> int | None:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


async def _threads_ended(before: int | None) -> None:
    """Wait (bounded) until granian's runtime threads are gone: the interpreter must not
    finalize under a Rust thread still holding Python objects (it aborts the process)."""
    for _ in range(40):
        now = _thread_count()
        if before is None or now is None:
            await asyncio.sleep(0.3)
            return
        if now <= before:
            return
        await asyncio.sleep(0.025)
