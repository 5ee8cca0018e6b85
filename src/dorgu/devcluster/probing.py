"""Health probes over HTTP(S) with the standard library (no client dependency at this level)."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any


def tls_context(
    *, ca_cert: Path | None, client_cert: Path | None, client_key: Path | None
) -> ssl.SSLContext:
    """Verify the server against ``ca_cert`` (or not at all when None) and present a client cert."""
    if ca_cert is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=str(ca_cert))
    if client_cert is not None and client_key is not None:
        context.load_cert_chain(str(client_cert), str(client_key))
    return context


def fetch(
    url: str, *, context: ssl.SSLContext | None = None, timeout: float = 2.0
) -> tuple[int, bytes]:
    """(status, body) of a GET; status 0 when nothing answers.  Never goes through a proxy."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=timeout) as response:
            status: int = response.status
            return status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError, ssl.SSLError):
        return 0, b""


def fetch_json(url: str, *, context: ssl.SSLContext | None = None) -> dict[str, Any] | None:
    """The JSON object at ``url`` when it answers 200, else None."""
    status, body = fetch(url, context=context)
    if status != 200:
        return None
    value = json.loads(body)
    return value if isinstance(value, dict) else None


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.1,
    abort: Callable[[], str | None] = lambda: None,
) -> str | None:
    """Poll ``check`` until it holds; returns None on success, else why it gave up.

    ``abort`` is asked between polls; a non-None answer (for example "the process exited")
    stops the wait early and is returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return None
        reason = abort()
        if reason is not None:
            return reason
        if time.monotonic() >= deadline:
            return f"not ready after {timeout:.0f}s"
        time.sleep(interval)
