"""aiohttp plumbing: ``bind`` (a listening socket, port 0 for any) and ``Server`` (an aiohttp
application on it, optionally with TLS), used for the health and metrics endpoints.  The
webhook itself is served by ``webhook.asgi`` (HTTP/2).
"""

from __future__ import annotations

import logging
import socket
import ssl

from aiohttp import web

from dorgu.errors import UsageError

logger = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port; read it from ``getsockname()``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                         hint="choose another port (--webhook-port, --metrics-port, "
                              "--alertmanager-listen) or stop "
                              "what is listening there") from error  # fmt: skip
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
        self.runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=5.0
        )
        await self.runner.setup()
        site = web.SockSite(self.runner, sock, ssl_context=self.tls)
        await site.start()
        logger.info("serving %s on %s:%d", "https" if self.tls else "http", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
