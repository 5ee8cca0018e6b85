"""Argo CD's REST API (the server's grpc-gateway JSON) for users who may not touch Application
objects directly: read an Application, patch it (turning automated sync off), and ask the server
for a rollback, with a bearer token.

The token is set on the client only: never logged, never in an error message.  Errors are
``ClusterError`` lines naming the server and what to check.

Must not decide anything (``dorgu.services.rollbacks`` does) or print.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote, urlsplit

import httpx

from dorgu.clients.kube import JsonObject
from dorgu.errors import ClusterError, UsageError

MAX_REPLY_BYTES = 16 * 1024 * 1024


class ArgoApi(Protocol):
    server: str

    def get_application(self, name: str, *, app_namespace: str | None) -> JsonObject: ...

    def patch_application(
        self, name: str, patch: Mapping[str, object], *, app_namespace: str | None
    ) -> JsonObject: ...

    def rollback(
        self, name: str, history_id: int, *, app_namespace: str | None, prune: bool, dry_run: bool
    ) -> JsonObject: ...


def check_server(url: str) -> str:
    """``url`` without a trailing slash; ``UsageError`` unless it is an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--server {url!r}: not an http(s) URL",
                         hint="give Argo CD's address, e.g. https://argocd.example.com")  # fmt: skip
    if parts.username or parts.password:
        raise UsageError("--server: credentials do not belong in the URL",
                         hint="put the token in ARGOCD_AUTH_TOKEN or --auth-token-file")  # fmt: skip
    return url.rstrip("/")


class ArgoRestClient:
    def __init__(
        self,
        server: str,
        *,
        token: str,
        insecure: bool = False,
        timeout_seconds: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = check_server(server)
        self._http = httpx.Client(
            base_url=self.server,
            timeout=timeout_seconds,
            verify=not insecure,
            follow_redirects=False,
            transport=transport,
            headers={"accept": "application/json"},
        )
        self._http.headers["authorization"] = f"Bearer {token}"  # a secret: never echoed

    def close(self) -> None:
        self._http.close()

    def get_application(self, name: str, *, app_namespace: str | None) -> JsonObject:
        return self._send("GET", name, "", params=_params(app_namespace))

    def patch_application(
        self, name: str, patch: Mapping[str, object], *, app_namespace: str | None
    ) -> JsonObject:
        body: dict[str, object] = {"name": name, "patch": json.dumps(patch, sort_keys=True),
                                   "patchType": "merge"}  # fmt: skip
        if app_namespace:
            body["appNamespace"] = app_namespace
        return self._send("PATCH", name, "", body=body)

    def rollback(
        self, name: str, history_id: int, *, app_namespace: str | None, prune: bool, dry_run: bool
    ) -> JsonObject:
        body: dict[str, object] = {"name": name, "id": history_id, "prune": prune,
                                   "dryRun": dry_run}  # fmt: skip
        if app_namespace:
            body["appNamespace"] = app_namespace
        return self._send("POST", name, "/rollback", body=body)

    def _send(
        self,
        method: str,
        name: str,
        suffix: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
    ) -> JsonObject:
        path = f"/api/v1/applications/{quote(name, safe='')}{suffix}"
        what = f"{method} {path} on Argo CD at {self.server}"
        try:
            reply = self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as error:
            raise ClusterError(f"{what}: no answer in time", hint="is the server up?") from error
        except httpx.HTTPError as error:
            raise ClusterError(f"cannot reach Argo CD at {self.server}: {type(error).__name__}",
                               hint="check --server (and --insecure for a self-signed "
                               "certificate)") from error  # fmt: skip
        data = _json(reply.content[: MAX_REPLY_BYTES + 1])
        if reply.status_code == 401:
            raise ClusterError(f"Argo CD at {self.server} rejected the token (401)",
                               hint="log in again: argocd account generate-token")  # fmt: skip
        if reply.status_code == 403:
            raise ClusterError(f"Argo CD at {self.server}: permission denied for {method} "
                               f"application {name} (403)",
                               hint="ask for an Argo CD RBAC policy on applications")  # fmt: skip
        if reply.status_code == 404:
            raise ClusterError(f"Argo CD at {self.server} has no application {name!r} (404)",
                               hint="check the name and --app-namespace")  # fmt: skip
        if reply.status_code >= 400 or data is None:
            message = str(data.get("message") or data.get("error") or "") if data else ""
            raise ClusterError(f"{what} failed ({reply.status_code}): "
                               f"{message[:300] or 'not a JSON reply'}")  # fmt: skip
        return data


def _params(app_namespace: str | None) -> dict[str, str]:
    return {"appNamespace": app_namespace} if app_namespace else {}


def _json(body: bytes) -> JsonObject | None:
    if len(body) > MAX_REPLY_BYTES:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
