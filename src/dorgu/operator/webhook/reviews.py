"""AdmissionReview v1 in and out.  Input is untrusted: a body that is not a review gives
``None`` (the server answers 400) and odd field types read as absent.

Must not decide anything or do I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_BODY_BYTES = 3 * 1024 * 1024
"""The API server caps objects at ~1.5 MiB; twice that for the review envelope."""


@dataclass(frozen=True)
class Review:
    """The parts of an ``AdmissionRequest`` the handler reads."""

    uid: str
    api_version: str
    group: str
    version: str
    kind: str
    resource: str
    sub_resource: str
    operation: str
    namespace: str
    name: str
    dry_run: bool
    object: Mapping[str, object] | None


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_review(body: bytes) -> Review | None:
    """The review in ``body``, or None when it is no AdmissionReview with a request uid."""
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    request = _map(data.get("request"))
    uid = _text(request.get("uid"))
    if not uid or len(uid) > 256:
        return None
    kind = _map(request.get("kind"))
    resource = _map(request.get("resource"))
    obj = request.get("object")
    return Review(
        uid=uid,
        api_version=_text(data.get("apiVersion")) or "admission.k8s.io/v1",
        group=_text(kind.get("group")),
        version=_text(kind.get("version")),
        kind=_text(kind.get("kind")),
        resource=_text(resource.get("resource")),
        sub_resource=_text(request.get("subResource")),
        operation=_text(request.get("operation")),
        namespace=_text(request.get("namespace")),
        name=_text(request.get("name")),
        dry_run=request.get("dryRun") is True,
        object=obj if isinstance(obj, Mapping) else None,
    )


def response_body(
    uid: str,
    *,
    allowed: bool,
    message: str = "",
    warnings: Sequence[str] = (),
    api_version: str = "admission.k8s.io/v1",
) -> bytes:
    """The AdmissionReview answering ``uid``."""
    response: dict[str, object] = {"uid": uid, "allowed": allowed}
    if warnings:
        response["warnings"] = list(warnings)
    if not allowed:
        response["status"] = {
            "code": 403,
            "reason": "Forbidden",
            "message": message or "denied by dorgu",
        }
    if api_version != "admission.k8s.io/v1":
        api_version = "admission.k8s.io/v1"
    review = {"apiVersion": api_version, "kind": "AdmissionReview", "response": response}
    return json.dumps(review, separators=(",", ":")).encode()
