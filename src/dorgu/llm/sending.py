"""Sending one HTTP request to a provider: the only module that imports ``httpx``.

``httpx`` is imported inside ``HttpxTransport.__init__``, so importing this module costs
nothing.  Enforces a total deadline (a trickling body cannot hold the command hostage), a size
cap on replies, and no redirects (an API call that redirects is a misconfiguration, and
following it could carry the key elsewhere); loopback URLs never go through a proxy.  Must not
retry (see ``retrying``), log request bodies, or put the API key anywhere but the headers it is
given.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from dorgu.errors import ProviderError

if TYPE_CHECKING:
    import httpx

MAX_REPLY_BYTES = 8 * 1024 * 1024
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class HttpReply:
    """A complete reply; header names are lower-case."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class TransportError(ProviderError):
    """The request did not produce a reply; ``retryable`` for transient network failures."""

    def __init__(self, message: str, *, retryable: bool = False, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable


class Transport(Protocol):
    def post(self, url: str, *, headers: Mapping[str, str], body: bytes) -> HttpReply: ...

    def close(self) -> None: ...


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


class HttpxTransport:
    """``httpx`` with a per-read timeout and a total deadline of ``timeout`` seconds."""

    def __init__(self, *, timeout: float, max_bytes: int = MAX_REPLY_BYTES) -> None:
        import httpx  # lazy: only when a provider is really used

        self._httpx = httpx
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._clients: dict[bool, httpx.Client] = {}

    def _client_for(self, url: str) -> httpx.Client:
        """One client for loopback URLs (never proxied), one for the rest; made on first use."""
        loopback = (urlsplit(url).hostname or "") in _LOOPBACK
        if loopback not in self._clients:
            self._clients[loopback] = self._httpx.Client(
                timeout=self._limits, follow_redirects=False, trust_env=not loopback
            )
        return self._clients[loopback]

    def post(self, url: str, *, headers: Mapping[str, str], body: bytes) -> HttpReply:
        httpx = self._httpx
        deadline = time.monotonic() + self._timeout
        where = host_of(url)
        try:
            client = self._client_for(url)
            with client.stream("POST", url, headers=dict(headers), content=body) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise TransportError(
                            f"{where} sent more than {self._max_bytes // (1024 * 1024)} MiB"
                        )
                    if time.monotonic() > deadline:
                        raise TransportError(
                            f"{where} timed out after {self._timeout:g}s (reply too slow)",
                            hint="raise llm.timeout_seconds",
                        )
                    chunks.append(chunk)
                return HttpReply(
                    status=response.status_code,
                    body=b"".join(chunks),
                    headers={k.lower(): v for k, v in response.headers.items()},
                )
        except httpx.TimeoutException as e:
            raise TransportError(
                f"{where} timed out after {self._timeout:g}s", hint="raise llm.timeout_seconds"
            ) from e
        except httpx.ConnectError as e:
            raise TransportError(
                f"cannot connect to {where}", hint="check llm.base_url and that the server runs"
            ) from e
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
            raise TransportError(f"connection to {where} failed: {e}", retryable=True) from e
        except httpx.InvalidURL as e:
            raise TransportError(
                f"invalid provider URL {url!r}: {e}", hint="check llm.base_url"
            ) from e
        except httpx.HTTPError as e:
            raise TransportError(f"request to {where} failed: {type(e).__name__}: {e}") from e

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
