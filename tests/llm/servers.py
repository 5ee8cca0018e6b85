"""Local HTTP servers that speak each LLM provider's wire protocol, for contract tests.

Each server listens on 127.0.0.1, records every request (method, path, headers, body and the
raw bytes received) and answers from a script of ``Reply`` objects (the last one repeats).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: object = b""  # bytes, or anything JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    trickle: float | None = None  # seconds between body bytes (slow streaming)

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    raw: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class FakeServer:
    def __init__(self, replies: list[Reply] | Callable[[Seen], Reply]) -> None:
        self.replies = replies
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                raw = self.raw_requestline + bytes(self.headers) + body
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    raw,
                )
                server.requests.append(seen)
                reply = server.next_reply(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if reply.trickle is None:
                        self.wfile.write(data)
                    else:
                        for i in range(len(data)):
                            self.wfile.write(data[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def next_reply(self, seen: Seen) -> Reply:
        if callable(self.replies):
            return self.replies(seen)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index]

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# -- success replies in each provider's format --------------------------------------------


def openai_reply(answer: object, *, finish: str = "stop") -> dict:
    content = answer if isinstance(answer, str) else json.dumps(answer)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def anthropic_reply(answer: object, *, name: str = "dorgu_app_enhancement") -> dict:
    if isinstance(answer, str):
        content = [{"type": "text", "text": answer}]
        stop = "end_turn"
    else:
        content = [{"type": "tool_use", "id": "toolu_1", "name": name, "input": answer}]
        stop = "tool_use"
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": content,
        "stop_reason": stop,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def gemini_reply(answer: object, *, finish: str = "STOP") -> dict:
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return {
        "candidates": [
            {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": finish}
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10},
    }


def ollama_reply(answer: object, *, done_reason: str = "stop") -> dict:
    content = answer if isinstance(answer, str) else json.dumps(answer)
    return {
        "model": "llama-test",
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": done_reason,
    }


SUCCESS = {
    "openai": openai_reply,
    "anthropic": anthropic_reply,
    "gemini": gemini_reply,
    "ollama": ollama_reply,
}

ERRORS = {
    "openai": lambda message: {
        "error": {"message": message, "type": "invalid_request_error", "code": None}
    },
    "anthropic": lambda message: {
        "type": "error",
        "error": {"type": "authentication_error", "message": message},
    },
    "gemini": lambda message: {
        "error": {"code": 401, "message": message, "status": "UNAUTHENTICATED"}
    },
    "ollama": lambda message: {"error": message},
}
