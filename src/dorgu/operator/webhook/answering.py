"""What the webhook answers to one HTTP request, whichever server carries it (granian's RSGI
in ``webhook.rsgi``, hypercorn's ASGI in ``webhook.asgi``).

``route`` answers what needs no body (404, 405, a declared length over the limit: 413);
``read_body`` gathers the body in chunks, bounded in size (413) and in time (408: a client
trickling its body cannot hold a stream for longer than ``BODY_TIMEOUT_S``);
``answer`` runs ``AdmissionHandler.handle`` (synchronous CPU work on cached data), observes
the metrics and logs a denial (one line).  A body that is no AdmissionReview gets a 400 (the
API server then applies the failure policy).
Must not call the Kubernetes API or wait on anything but the request body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass

from dorgu.operator.metrics import Metrics
from dorgu.operator.options import WEBHOOK_PATH
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.reviews import MAX_BODY_BYTES

logger = logging.getLogger("dorgu.operator.webhook.asgi")
BODY_TIMEOUT_S = 10.0
"""The API server sends a review in one go; a body still arriving after this is a trickle."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    json: bool = False


NOT_FOUND = Reply(404, b"not found\n")
NOT_ALLOWED = Reply(405, b"POST an AdmissionReview\n")
TOO_LARGE = Reply(413, b"admission review too large\n")
TOO_SLOW = Reply(408, b"admission review body not received in time\n")
INVALID = Reply(400, b"expected an admission.k8s.io/v1 AdmissionReview\n")


def route(method: str, path: str, content_length: str | None) -> Reply | None:
    """The reply that needs no body, or None: read the body and ``answer`` it."""
    if path != WEBHOOK_PATH:
        return NOT_FOUND
    if method != "POST":
        return NOT_ALLOWED
    if (
        content_length is not None
        and content_length.isdigit()
        and int(content_length) > MAX_BODY_BYTES
    ):
        return TOO_LARGE
    return None


async def read_body(
    chunks: AsyncIterable[bytes], *, timeout: float = BODY_TIMEOUT_S
) -> bytes | Reply:
    """The body from ``chunks``, or the reply refusing it (too large, too slow).  Read in this
    task (granian's body iterator only works in the task that serves the request)."""
    parts: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in chunks:
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    return TOO_LARGE
                parts.append(chunk)
    except TimeoutError:
        return TOO_SLOW
    return b"".join(parts)


class Answerer:
    """Reviews in, replies out, with the metrics and the denial log line."""

    def __init__(self, *, handler: AdmissionHandler, metrics: Metrics) -> None:
        self.handler, self.metrics = handler, metrics

    def answer(self, body: bytes, *, started: float) -> Reply:
        outcome = self.handler.handle(body)
        metrics = self.metrics
        if outcome is None:
            metrics.admission_decisions.inc(result="invalid", mode="none")
            return INVALID
        if outcome.result == "error":
            metrics.admission_errors.inc()
        elif outcome.denial is not None:
            logger.info("denied %s", outcome.denial)
        metrics.admission_decisions.inc(result=outcome.result, mode=outcome.mode)
        metrics.admission_duration.observe(
            time.perf_counter() - started, result=outcome.result, mode=outcome.mode
        )
        return Reply(200, outcome.body, json=True)
