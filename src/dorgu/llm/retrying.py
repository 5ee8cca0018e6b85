"""Retries with exponential backoff and jitter, ``Retry-After``, and one-line errors.

Retries 408/409/425/429/5xx/529 replies and transient connection failures, at most
``max_attempts`` times; honours ``Retry-After`` (seconds or an HTTP date) and
``retry-after-ms``, but gives up at once when the provider asks for a longer wait than
``max_retry_after``.  Ctrl-C (``KeyboardInterrupt``) is never caught: it ends a request or a
backoff sleep immediately.  Must not log or echo request bodies.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject
from dorgu.llm.sending import HttpReply, Transport, TransportError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
_REASONS = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    413: "request too large",
    429: "rate limited",
    529: "overloaded",
}
_HINTS = {
    401: "check the API key for this provider",
    403: "check the API key and its permissions",
    404: "check the model name and llm.base_url",
    413: "lower the amount of data sent (smaller app or llm.max_tokens)",
}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 20.0
    max_retry_after: float = 60.0


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or HTTP date); None if absent
    or unreadable.  Dates in the past mean 0."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, policy: RetryPolicy, rand: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**(attempt-1)``."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return float(ceiling * (0.5 + rand() / 2))


def provider_message(body: bytes) -> str:
    """The provider's own error message from a JSON error body, one line, at most 200 chars."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    message: object = None
    if isinstance(data, dict):
        error = data.get("error", data.get("message"))
        message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str):
        message = body.decode("utf-8", "replace") if body and data is None else ""
    return " ".join(message.split())[:200]


def status_error(label: str, reply: HttpReply, *, attempts: int) -> ProviderError:
    reason = _REASONS.get(reply.status, "server error" if reply.status >= 500 else "error")
    detail = provider_message(reply.body)
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"{label}: HTTP {reply.status} {reason}{tried}" + (f": {detail}" if detail else "")
    return ProviderError(message, hint=_HINTS.get(reply.status))


@dataclass
class Requester:
    """Posts JSON through a ``Transport`` with the retry policy; clock and sleep injectable."""

    transport: Transport
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    now: Callable[[], float] = time.time

    def send(self, url: str, *, headers: Mapping[str, str], body: bytes, label: str) -> HttpReply:
        attempts = max(1, self.policy.max_attempts)
        for attempt in range(1, attempts + 1):
            try:
                reply = self.transport.post(url, headers=headers, body=body)
            except TransportError as e:
                if not e.retryable or attempt == attempts:
                    raise ProviderError(f"{label}: {e.message}", hint=e.hint) from e
                delay = backoff_delay(attempt, self.policy, self.rand)
                why = e.message
            else:
                if reply.status < 400:
                    return reply
                if reply.status not in RETRY_STATUSES or attempt == attempts:
                    raise status_error(label, reply, attempts=attempt)
                delay = self._wait_for(reply, attempt, label)
                why = f"HTTP {reply.status}"
            logger.info(
                "%s: %s; retrying in %.1fs (attempt %d/%d)",
                label,
                why,
                delay,
                attempt + 1,
                attempts,
            )
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_for(self, reply: HttpReply, attempt: int, label: str) -> float:
        wait = parse_retry_after(reply.headers.get("retry-after"), now=self.now())
        millis = reply.headers.get("retry-after-ms")
        if wait is None and millis is not None:
            wait = parse_retry_after(millis, now=0.0)
            wait = wait / 1000 if wait is not None else None
        if wait is None:
            return backoff_delay(attempt, self.policy, self.rand)
        if wait > self.policy.max_retry_after:
            raise ProviderError(
                f"{label}: HTTP {reply.status} {_REASONS.get(reply.status, 'busy')}; "
                f"the provider asks to retry after {wait:.0f}s",
                hint="try again later",
            )
        return wait

    def post_json(
        self, url: str, *, headers: Mapping[str, str], payload: JsonObject, label: str
    ) -> JsonObject:
        """POST ``payload`` as JSON and return the reply body as a JSON object."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        all_headers = {"content-type": "application/json", "accept": "application/json", **headers}
        reply = self.send(url, headers=all_headers, body=body, label=label)
        try:
            data = json.loads(reply.body)
        except ValueError as e:
            raise ProviderError(f"{label}: the reply is not JSON (HTTP {reply.status})") from e
        if not isinstance(data, dict):
            raise ProviderError(f"{label}: the reply is not a JSON object")
        return data
