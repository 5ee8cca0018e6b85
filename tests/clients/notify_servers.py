"""Local stand-ins, on real sockets, for the endpoints notifications go to, speaking their wire
formats as documented:

- Slack Web API: ``POST /api/chat.postMessage`` and ``/api/chat.update`` with
  ``Authorization: Bearer xoxb-...`` and a JSON body; HTTP 200 with ``{"ok": true, "channel",
  "ts"}`` or ``{"ok": false, "error": "channel_not_found" | "invalid_auth" | ...}``; rate limits
  as HTTP 429 with ``Retry-After`` (seconds).
- Slack incoming webhooks: ``POST /services/T/B/X``; HTTP 200 with the body ``ok``, or HTTP 400
  ``invalid_payload`` / ``no_text``, 404 ``no_service``.
- Teams Workflows webhooks: ``POST /workflows/...``; HTTP 202 for a valid message with one
  Adaptive Card attachment, 400 otherwise.
- a generic webhook: 200 for any JSON.

The Slack stand-in checks every Block Kit payload with ``check_block_kit`` and the Teams one
every card with the strict Adaptive Card model, so a malformed payload fails like the real
service.  ``script`` queues replies for a path prefix, served before the normal ones.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from dorgu.generation.notifications import check_block_kit
from dorgu.generation.notifications.adaptivecards import WorkflowsMessage

TOKEN = "xoxb-0000000000-test-token-value"
CHANNELS = {"#incidents": "C0INCIDENTS", "#payments": "C0PAYMENTS", "C0INCIDENTS": "C0INCIDENTS",
            "C0PAYMENTS": "C0PAYMENTS"}  # fmt: skip


@dataclass
class Request:
    path: str
    body: Any
    authorization: str | None


@dataclass
class StandIn:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    script: list[tuple[str, int, bytes, dict[str, str]]] = field(default_factory=list)
    """``(path prefix, status, body, headers)``: served once, to the first request it matches."""
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Slack: ts -> the message as last posted or updated (with ``thread_ts`` if a reply)."""
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posted(self, prefix: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(prefix)]


def _slack(state: StandIn, path: str, body: Any, auth: str | None) -> tuple[int, Any]:
    if auth != f"Bearer {TOKEN}":
        return 200, {"ok": False, "error": "invalid_auth"}
    try:
        check_block_kit(body)
    except ValueError:
        return 200, {"ok": False, "error": "invalid_blocks"}
    channel = CHANNELS.get(body.get("channel", ""))
    if channel is None:
        return 200, {"ok": False, "error": "channel_not_found"}
    if path.endswith("chat.update"):
        if body.get("ts") not in state.messages:
            return 200, {"ok": False, "error": "message_not_found"}
        state.messages[body["ts"]] = {**state.messages[body["ts"]], **body}
        return 200, {"ok": True, "channel": channel, "ts": body["ts"]}
    thread = body.get("thread_ts")
    if thread is not None and thread not in state.messages:
        return 200, {"ok": False, "error": "thread_not_found"}
    state.counter += 1
    ts = f"1767607200.{state.counter:06d}"
    state.messages[ts] = body
    return 200, {"ok": True, "channel": channel, "ts": ts}


def _answer(
    state: StandIn, path: str, raw: bytes, auth: str | None
) -> tuple[int, bytes, dict[str, str]]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    with state.lock:
        state.requests.append(Request(path, body, auth))
        for index, (prefix, status, reply, headers) in enumerate(state.script):
            if path.startswith(prefix):
                del state.script[index]
                return status, reply, headers
        if path.startswith("/api/"):
            status, reply = _slack(state, path, body, auth)
            return status, json.dumps(reply).encode(), {"Content-Type": "application/json"}
    if path.startswith("/services/"):
        if path.rstrip("/").endswith("/gone"):
            return 404, b"no_service", {}
        if not isinstance(body, dict) or not body.get("text"):
            return 400, b"no_text", {}
        try:
            check_block_kit(body)
        except ValueError:
            return 400, b"invalid_blocks", {}
        return 200, b"ok", {"Content-Type": "text/html"}
    if path.startswith("/workflows/"):
        try:
            WorkflowsMessage.model_validate(body)
        except ValidationError:
            return 400, b'{"error":{"code":"InvalidRequestContent"}}', {}
        return 202, b"", {}
    if body is None:
        return 400, b"not json", {}
    return 200, b"{}", {"Content-Type": "application/json"}


class _Handler(BaseHTTPRequestHandler):
    state: StandIn

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        status, body, headers = _answer(
            self.state, self.path, raw, self.headers.get("Authorization")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def stand_in() -> Iterator[StandIn]:
    state = StandIn()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
