"""A local HTTP server that speaks the Prometheus HTTP API's query endpoints as documented
(https://prometheus.io/docs/prometheus/latest/querying/api/): form-encoded POSTs to
``/api/v1/query`` and ``/api/v1/query_range``, JSON envelopes with ``status``, ``data``
(``resultType`` vector/matrix/scalar/string), ``errorType``/``error`` and ``warnings``.

``answer(path, form) -> Reply`` scripts the replies; every request is recorded, and the
highest number of requests in flight at once is tracked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Reply:
    status: int = 200
    body: object = None  # a document (JSON-encoded) or raw bytes
    delay: float = 0.0
    content_type: str = "application/json"
    cut_after: int | None = None  # announce the whole body, send this many bytes, then hang up

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


def success(result_type: str, result: object, warnings: list[str] | None = None) -> Reply:
    body: dict[str, object] = {
        "status": "success",
        "data": {"resultType": result_type, "result": result},
    }
    if warnings:
        body["warnings"] = warnings
    return Reply(200, body)


def failure(status: int, error_type: str, error: str) -> Reply:
    return Reply(status, {"status": "error", "errorType": error_type, "error": error})


@dataclass
class PromServer:
    answer: Callable[[str, dict[str, str]], Reply]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()


@contextmanager
def serve(answer: Callable[[str, dict[str, str]], Reply]) -> Iterator[PromServer]:
    state = PromServer(answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length).decode()
            if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            return {}

        def do_POST(self) -> None:
            form = self._form()
            with state._lock:
                state.requests.append((self.path, form))
                state.authorizations.append(self.headers.get("authorization"))
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            try:
                reply = state.answer(self.path, form)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.payload()
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                if reply.cut_after is not None:
                    self.wfile.write(data[: reply.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with state._lock:
                    state.in_flight -= 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
