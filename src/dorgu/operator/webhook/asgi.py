"""The webhook's HTTPS server on hypercorn (``--webhook-server hypercorn``; granian in
``webhook.rsgi`` is the default): a small ASGI app, HTTP/2 and HTTP/1.1 by ALPN.

HTTP/2 matters: the API server multiplexes its admission calls over one connection to an h2
webhook, but opens (and closes, beyond its idle pool of 25) a TLS connection per concurrent
call to an HTTP/1.1 one.  Measured on the testbed with 100 clients creating back to back, the
same no-op webhook adds about 50 ms at p50 over HTTP/2 and about 108 ms over HTTP/1.1.

The request itself is answered by ``webhook.answering`` (bounded body, 400/408/413, metrics).
hypercorn raises a KeyError (logged by the event loop as a traceback) when a frame arrives on
an HTTP/2 stream it has just closed, and a client vanishing mid-request cancels a task that
asyncio's streams report as an error; both are turned into one debug line.
Must not call the Kubernetes API or wait on anything but the request body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from dorgu.errors import DorguError
from dorgu.operator.metrics import Metrics
from dorgu.operator.webhook.answering import BODY_TIMEOUT_S, Answerer, Reply, read_body, route
from dorgu.operator.webhook.handling import AdmissionHandler

logger = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]


async def _reply(send: Send, reply: Reply) -> None:
    headers = _JSON if reply.json else _TEXT
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return
        yield message.get("body") or b""
        if not message.get("more_body"):
            return


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _content_length(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return bytes(value).decode("latin-1")
    return None


def webhook_asgi(
    *, handler: AdmissionHandler, metrics: Metrics, body_timeout: float = BODY_TIMEOUT_S
) -> App:
    answerer = Answerer(handler=handler, metrics=metrics)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        early = route(str(scope.get("method")), str(scope.get("path")), _content_length(scope))
        if early is not None:
            await _reply(send, early)
            return
        started = time.perf_counter()
        body = await read_body(_chunks(receive), timeout=body_timeout)
        reply = body if isinstance(body, Reply) else answerer.answer(body, started=started)
        await _reply(send, reply)

    return app


def _closed_stream_race(error: object) -> bool:
    """hypercorn's KeyError for a frame on an HTTP/2 stream it already closed (the client went
    on sending after the answer, or closed right after it), however it is grouped; or the
    cancellation of a connection's task when its client vanished mid-request (which asyncio's
    streams report as an "exception in callback" on Python 3.11)."""
    if isinstance(error, asyncio.CancelledError):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_closed_stream_race(inner) for inner in error.exceptions)
    if not isinstance(error, KeyError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.endswith(
        os.path.join("hypercorn", "protocol", "h2.py")
    )


def _quiet_closed_streams(loop: asyncio.AbstractEventLoop) -> None:
    """Route hypercorn's closed-stream race to one debug line instead of an error traceback;
    everything else goes to the handler that was there."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _closed_stream_race(context.get("exception")):
            logger.debug("a client left while its request was being served")
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    if not getattr(previous, "dorgu_quiet_closed_streams", False):  # once per loop
        setattr(handle, "dorgu_quiet_closed_streams", True)  # noqa: B010
        loop.set_exception_handler(handle)


def _report_exit(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the webhook server stopped: %s", task.exception())


class AsgiServer:
    """``app`` on hypercorn over a socket we bind (port 0: any; ``port`` once started), with
    TLS from ``tls`` (the context object is kept, so reloading its certificate takes effect on
    new connections) offering h2 and http/1.1."""

    def __init__(self, app: App, *, host: str, port: int, tls: ssl.SSLContext) -> None:
        self.app, self.host, self.requested_port, self.tls = app, host, port, tls
        self.port = port
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        from dorgu.operator.webhook.serving import bind

        tls = self.tls
        tls.set_alpn_protocols(["h2", "http/1.1"])
        _quiet_closed_streams(asyncio.get_running_loop())

        class _Config(Config):
            def create_ssl_context(self) -> ssl.SSLContext:
                return tls

            @property
            def ssl_enabled(self) -> bool:
                return True

        sock = bind(self.host, self.requested_port)
        self.port = sock.getsockname()[1]
        config = _Config()
        config.bind = [f"fd://{sock.detach()}"]
        config.accesslog = None
        config.errorlog = logging.getLogger("dorgu.operator.webhook.http")
        config.include_server_header = False
        config.graceful_timeout = 5.0
        config.h2_max_concurrent_streams = 256
        config.keep_alive_timeout = 75.0
        # hypercorn closes a connection after this many requests, dropping the streams in
        # flight (the API server then fails open): never, for the API server's one h2 connection
        config.keep_alive_max_requests = 1 << 62
        self._task = asyncio.create_task(
            serve(self.app, config, shutdown_trigger=self._stop.wait, mode="asgi"),  # type: ignore[arg-type]
            name="webhook-server",
        )
        self._task.add_done_callback(_report_exit)
        for _ in range(3):  # let hypercorn set up; a failure to start surfaces here
            await asyncio.sleep(0)
        if self._task.done() and not self._task.cancelled() and self._task.exception():
            raise DorguError(f"the webhook server did not start: {self._task.exception()}")
        logger.info("serving https (h2, http/1.1) on %s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None
