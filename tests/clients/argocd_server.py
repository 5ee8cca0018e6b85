"""A local HTTP server speaking Argo CD's REST API for Applications as its server does
(grpc-gateway JSON): ``GET /api/v1/applications/{name}``, ``PATCH`` with
``{name, patch, patchType: merge}``, and ``POST .../rollback {id, dryRun, prune}``, which it
refuses while automated sync is on, and otherwise turns into the same ``operation`` the real
server writes.  It plays the application controller too: a set operation is carried out on the
next GET.  Bearer tokens are checked; errors are ``{error, code, message}`` bodies.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class ArgoServer:
    app: dict[str, object]
    token: str = "argo-token"
    url: str = ""
    calls: list[tuple[str, str, object]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    outcome: str = "Succeeded"


def _merge(target: dict[str, object], patch: dict[str, object]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)  # type: ignore[arg-type]
        else:
            target[key] = copy.deepcopy(value)


@contextmanager
def serve(app: dict[str, object], *, outcome: str = "Succeeded") -> Iterator[ArgoServer]:
    state = ArgoServer(copy.deepcopy(app), outcome=outcome)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, code: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, code: int, grpc: int, message: str) -> None:
            self._reply(code, {"error": message, "code": grpc, "message": message})

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            path = urlsplit(self.path).path
            with lock:
                state.calls.append((method, path, body))
                state.authorizations.append(self.headers.get("authorization"))
                if self.headers.get("authorization") != f"Bearer {state.token}":
                    return self._error(401, 16, "invalid session: token is malformed")
                name = state.app["metadata"]["name"]  # type: ignore[index]
                if not path.startswith(f"/api/v1/applications/{name}"):
                    return self._error(404, 5, f'applications.argoproj.io "{path}" not found')
                app = state.app
                if method == "GET":
                    operation = app.pop("operation", None)
                    if operation is not None:  # the controller takes it up
                        app["status"]["operationState"] = {  # type: ignore[index]
                            "operation": operation, "phase": state.outcome,
                            "message": "successfully synced", "startedAt": "2099-01-01T00:00:00Z",
                        }  # fmt: skip
                    return self._reply(200, app)
                if method == "PATCH":
                    _merge(app, json.loads(body["patch"]))
                    return self._reply(200, app)
                if method == "POST" and path.endswith("/rollback"):
                    policy = app["spec"].get("syncPolicy") or {}  # type: ignore[union-attr]
                    if policy.get("automated"):
                        return self._error(400, 9, "rollback cannot be initiated when auto-sync "
                                           "is enabled")  # fmt: skip
                    entry = next((h for h in app["status"]["history"]  # type: ignore[index]
                                  if h["id"] == body["id"]), None)  # fmt: skip
                    if entry is None:
                        return self._error(400, 3, f"application {name} does not have "
                                           f"deployment with id {body['id']}")  # fmt: skip
                    sync = {"revision": entry.get("revision"), "source": entry.get("source"),
                            "prune": body.get("prune"), "syncStrategy": {"apply": {}}}  # fmt: skip
                    app["operation"] = {"sync": sync, "initiatedBy": {"username": "admin"}}
                    return self._reply(200, app)
                return self._error(405, 12, "method not allowed")

        def do_GET(self) -> None:
            self._handle("GET")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def do_POST(self) -> None:
            self._handle("POST")

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
