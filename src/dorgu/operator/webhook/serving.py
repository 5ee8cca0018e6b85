"""The webhook's HTTPS server (aiohttp): ``POST /validate-deployment`` on every replica.

The request handler reads the body, calls ``AdmissionHandler.handle`` (synchronous CPU work
on cached data) and observes the metrics.  A body that is no AdmissionReview gets a 400 (the
API server then applies the failure policy).  Nothing is written to the cluster from here: the
active replica's reconciler records admitted workloads in the persona's status.

Must not call the Kubernetes API or wait on anything but the request body.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time

from aiohttp import web

from dorgu.operator.metrics import Metrics
from dorgu.operator.options import WEBHOOK_PATH
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.reviews import MAX_BODY_BYTES

logger = logging.getLogger(__name__)


def webhook_app(
    *,
    handler: AdmissionHandler,
    metrics: Metrics,
) -> web.Application:
    async def validate(request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="admission review too large\n")
        outcome = handler.handle(body)
        if outcome is None:
            metrics.admission_decisions.inc(result="invalid", mode="none")
            return web.Response(
                status=400, text="expected an admission.k8s.io/v1 AdmissionReview\n"
            )
        if outcome.result == "error":
            metrics.admission_errors.inc()
        elif outcome.denial is not None:
            logger.info("denied %s", outcome.denial)
        metrics.admission_decisions.inc(result=outcome.result, mode=outcome.mode)
        metrics.admission_duration.observe(
            time.perf_counter() - started, result=outcome.result, mode=outcome.mode
        )
        return web.Response(body=outcome.body, content_type="application/json")

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(WEBHOOK_PATH, validate)
    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port; read it from ``getsockname()``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class Server:
    """An aiohttp application on a socket, optionally with TLS; ``port`` once started."""

    def __init__(
        self, app: web.Application, *, host: str, port: int, tls: ssl.SSLContext | None = None
    ) -> None:
        self.app, self.host, self.requested_port, self.tls = app, host, port, tls
        self.runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> int:
        sock = bind(self.host, self.requested_port)
        self.port = sock.getsockname()[1]
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.SockSite(self.runner, sock, ssl_context=self.tls, shutdown_timeout=5.0)
        await site.start()
        logger.info("serving %s on %s:%d", "https" if self.tls else "http", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
