"""The channel's TLS WebSocket endpoint: ``wss://HOST:PORT/watch?namespace=NS&name=NAME&resume=ID``
(no ``namespace``: every namespace).

The handshake authenticates (401 with ``WWW-Authenticate: Bearer``), authorises the
subscription (403), and caps connections per user (429); after it the watcher gets the events
after ``resume`` or, when those cannot all be given, a ``reset`` event and a snapshot (one event
per section of every persona in scope), then live events as JSON text frames.  Pings every
20 s; a watcher that falls behind is closed with code 1008 and the reason.

Must not write to the cluster.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.channel.auth import User, from_certificate, from_token, may_watch
from dorgu.operator.channel.hub import Event, Hub, Watcher

logger = logging.getLogger(__name__)
MAX_PER_USER = 10
NAME_LENGTH = 253


def _reply(status: HTTPStatus, text: str, **headers: str) -> Response:
    body = (text + "\n").encode()
    values = Headers({"Content-Type": "text/plain; charset=utf-8",
                      "Content-Length": str(len(body)), **headers})  # fmt: skip
    return Response(status.value, status.phrase, values, body)


class ChannelServer:
    def __init__(
        self,
        *,
        api: Api,
        hub: Hub,
        snapshot: Callable[[str | None, str | None], list[Event]],
        host: str,
        port: int,
        tls: ssl.SSLContext,
        max_per_user: int = MAX_PER_USER,
    ) -> None:
        self.api, self.hub, self.snapshot = api, hub, snapshot
        self.host, self.port, self.tls = host, port, tls
        self.max_per_user = max_per_user
        self._server: Server | None = None
        self._users: dict[int, tuple[User, str | None, str | None, str | None]] = {}

    async def start(self) -> int:
        self._server = await serve(self._handle, self.host, self.port, ssl=self.tls,
                                   process_request=self._admit, compression=None,
                                   max_size=4096, ping_interval=20, ping_timeout=20)  # fmt: skip
        sockets = list(self._server.sockets)
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path != "/watch":
            return _reply(HTTPStatus.NOT_FOUND, "the channel is at /watch")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        namespace, name = query.get("namespace") or None, query.get("name") or None
        if any(v is not None and len(v) > NAME_LENGTH for v in (namespace, name)):
            return _reply(HTTPStatus.BAD_REQUEST, "namespace and name are at most 253 characters")
        try:
            user = await self._authenticate(connection, request)
            if user is None:
                return _reply(HTTPStatus.UNAUTHORIZED, "authentication required: a bearer token "
                              "or a client certificate the cluster trusts",
                              **{"WWW-Authenticate": 'Bearer realm="dorgu"'})  # fmt: skip
            if not await may_watch(self.api, user, namespace):
                where = f"namespace {namespace}" if namespace else "every namespace"
                return _reply(HTTPStatus.FORBIDDEN, f"{user.name} may not get "
                              f"applicationpersonas.dorgu.io in {where}")  # fmt: skip
        except ApiFailure as error:
            logger.warning("channel: cannot check a watcher (%s)", error.code)
            return _reply(HTTPStatus.SERVICE_UNAVAILABLE, "cannot check credentials now; retry")
        if self.hub.count(user.name) + self._pending(user.name) >= self.max_per_user:
            return _reply(HTTPStatus.TOO_MANY_REQUESTS,
                          f"at most {self.max_per_user} watchers per user",
                          **{"Retry-After": "10"})  # fmt: skip
        self._users[id(connection)] = (user, namespace, name, query.get("resume") or None)
        return None

    def _pending(self, user: str) -> int:
        return sum(1 for u, *_ in self._users.values() if u.name == user)

    async def _authenticate(self, connection: ServerConnection, request: Request) -> User | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await from_token(self.api, token.strip())
        ssl_object = connection.transport.get_extra_info("ssl_object")
        peer: Any = ssl_object.getpeercert() if ssl_object is not None else None
        return from_certificate(peer)

    async def _handle(self, connection: ServerConnection) -> None:
        user, namespace, name, resume = self._users.pop(id(connection))
        watcher = Watcher(user=user.name, namespace=namespace, name=name)
        replay = self.hub.after(resume)
        if replay is None:
            reset: Event = {"id": f"{self.hub.epoch}-{self.hub.sequence}", "type": "reset",
                            "namespace": namespace or "", "persona": name or "",
                            "data": {"resumed": False}}  # fmt: skip
            backlog = [reset, *self.snapshot(namespace, name)]
        else:
            backlog = replay
        self.hub.attach(watcher, backlog)
        logger.info("channel: %s watching %s%s", user.name, namespace or "every namespace",
                    f"/{name}" if name else "")  # fmt: skip
        try:
            while True:
                event = await watcher.queue.get()
                if event is None:
                    await connection.close(1008, (watcher.dropped or "dropped")[:120])
                    return
                await connection.send(json.dumps(event, sort_keys=True, separators=(",", ":")))
        except asyncio.CancelledError:
            raise
        except Exception:  # the watcher went away
            return
        finally:
            self.hub.detach(watcher)
