"""Translating every failure of the Kubernetes client into one ``ClusterError`` line that says
what failed, where, and what to do.

Must not retry, log at warning level or print: callers decide what a failure means.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx2
from lightkube import ApiError
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from dorgu.clients.kube import CRD_GROUP, CRDS_MISSING
from dorgu.errors import ClusterError

_CHECK_CONTEXT = "check --context/KUBECONFIG"


@dataclass(frozen=True)
class Operation:
    """What was attempted, for messages: ``verb`` (get, list, apply ...), the ``resource``
    (plural, with group: ``applicationpersonas.dorgu.io``), and optionally name and namespace."""

    verb: str
    resource: str
    name: str | None = None
    namespace: str | None = None

    def describe(self) -> str:
        target = f"{self.resource}/{self.name}" if self.name else self.resource
        where = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{self.verb} {target}{where}"


def translate(error: BaseException, *, server: str, operation: Operation) -> ClusterError:
    """The ``ClusterError`` for ``error`` (raise it ``from error``)."""
    if isinstance(error, ApiError):
        return _api_error(error, server=server, operation=operation)
    if isinstance(error, httpx2.HTTPStatusError):
        code = error.response.status_code
        if code == 404:  # a plain-text 404: nothing serves this resource type
            return _type_missing(server=server, operation=operation)
        return _status(code, error.response.reason_phrase, server=server, operation=operation)
    if isinstance(error, httpx2.TimeoutException):
        return ClusterError(f"cannot reach the cluster at {server}: timed out", hint=_CHECK_CONTEXT)
    if isinstance(error, httpx2.TransportError | OSError):
        return ClusterError(
            f"cannot reach the cluster at {server}: {_transport_reason(error)}",
            hint=_CHECK_CONTEXT,
        )
    if isinstance(error, LightkubeConfigError):
        return ClusterError(f"invalid kubeconfig: {error}", hint=_CHECK_CONTEXT)
    return ClusterError(f"{operation.describe()} failed: {type(error).__name__}: {error}")


def _transport_reason(error: BaseException) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "certificate" in text:
        return "the server's TLS certificate is not trusted (check the CA in the kubeconfig)"
    if "connection refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "host not found"
    if "no route to host" in text or "network is unreachable" in text:
        return "no route to host"
    if "reset by peer" in text or "disconnected" in text:
        return "connection closed by the server"
    return str(error).strip() or type(error).__name__


def translate_status(code: int, body: object, *, server: str, operation: Operation) -> ClusterError:
    """The ``ClusterError`` for an HTTP error answered with a ``Status`` document ``body``
    (the raw requests that bypass lightkube: pages of a list, updates, reviews)."""
    status = body if isinstance(body, dict) else {}
    message = str(status.get("message") or "").strip()
    details = status.get("details")
    named = isinstance(details, dict) and bool(details.get("name"))
    if code == 404 and not named and operation.verb in {"list", "create"}:
        return _type_missing(server=server, operation=operation)
    return _status(code, message, server=server, operation=operation)


def _api_error(error: ApiError, *, server: str, operation: Operation) -> ClusterError:
    status = error.status
    code = int(status.code or 0)
    message = (status.message or "").strip()
    if code == 404 and _resource_missing(error, operation):
        return _type_missing(server=server, operation=operation)
    return _status(code, message, server=server, operation=operation)


def _type_missing(*, server: str, operation: Operation) -> ClusterError:
    if operation.resource.endswith("." + CRD_GROUP):
        return ClusterError(CRDS_MISSING)
    return ClusterError(
        f"the cluster at {server} does not serve {operation.resource}",
        hint="is its CRD or API installed?",
    )


def _resource_missing(error: ApiError, operation: Operation) -> bool:
    """A 404 for the resource type (no CRD), not for one object of it."""
    details = error.status.details
    if details is not None and details.name:
        return False
    return operation.verb in {"apply", "list", "create"} or not (
        (error.status.message or "").endswith("not found")
    )


def _status(code: int, message: str, *, server: str, operation: Operation) -> ClusterError:
    what = operation.describe()
    if code == 401:
        return ClusterError(
            f"the cluster at {server} rejected the credentials (401 Unauthorized) to {what}",
            hint="log in again or check the user in the kubeconfig",
        )
    if code == 403:
        return ClusterError(
            f"forbidden (403): not allowed to {what}",
            hint="ask for RBAC permission or use another --context",
        )
    if code == 404:
        return ClusterError(f"not found (404): {what}: {message or 'no such object'}")
    if code == 409 and operation.verb == "update":
        return ClusterError(
            f"conflict (409): {what}: the object changed since it was read",
            hint="someone else updated it; run the command again",
        )
    if code == 409:
        return ClusterError(
            f"conflict (409): {what}: {message}",
            hint="another field manager owns these fields; re-run with --force to take them over",
        )
    if code == 422 or code == 400:
        return ClusterError(f"the API server rejected {what} ({code}): {message}")
    return ClusterError(f"{what} failed ({code}): {message or 'no details'}")
