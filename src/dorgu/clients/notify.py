"""Sending notification payloads (layer 2): ``NotifyTransport`` posts JSON to a URL and returns
a ``Reply`` (it never raises for a failed delivery, so a chat outage cannot break a caller),
``HttpxTransport`` is the real one, ``FakeTransport`` the in-repo fake, and ``interpret``
reads a reply the way Slack's Web API, Slack incoming webhooks, Teams Workflows webhooks and
plain webhooks mean it: success (with Slack's ``ts``), retry (429 with ``Retry-After``, 5xx,
``ratelimited``, a timeout) or a permanent failure (a wrong URL, ``channel_not_found``, an
invalid payload).

URLs and tokens are never logged and never appear in a ``Reply`` or an error text: a transport
error is named by its type (``ConnectTimeout``), a server error by its status and, for the
platforms' short error codes only, that code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dorgu.models.notifications import TargetKind

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API = "https://slack.com/api"
DEFAULT_TIMEOUT = 5.0
MAX_REPLY = 64 * 1024
_HTTP_LOGGERS = ("httpx", "httpcore")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_PERMANENT_SLACK = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
    "account_inactive", "token_revoked", "token_expired", "missing_scope", "no_permission",
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments",
    "cant_update_message", "message_not_found", "edit_window_closed", "restricted_action",
    "invalid_payload", "action_prohibited", "no_service", "channel_is_archived",
})  # fmt: skip


@dataclass(frozen=True)
class Reply:
    status: int
    """The HTTP status; 0 when no response came (``error`` names why)."""
    body: bytes = b""
    retry_after: float | None = None
    error: str | None = None

    def json(self) -> Mapping[str, Any] | None:
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None


class NotifyTransport(Protocol):
    async def post(
        self, url: str, payload: Mapping[str, Any], *, token: str | None = None
    ) -> Reply: ...

    async def aclose(self) -> None: ...


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the delay form; the HTTP-date form is not used by Slack or
    Teams and reads as unknown)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86_400 else None


class _HideUrls(logging.Filter):
    """Drops httpx's own log records that name a notification URL (httpx logs every request
    with its full URL at INFO; a webhook URL is a credential)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:
            return False
        return not any(url in text for url in self.urls)


class HttpxTransport:
    """Posts with httpx: a short timeout, no redirects (a webhook that redirects is
    misconfigured, and following it could send the payload elsewhere), a bounded reply.
    httpx's request log lines naming the URLs posted to are dropped while it is open."""

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, client: httpx.AsyncClient | None = None
    ):
        import httpx

        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False,
            headers={"User-Agent": "dorgu-notify"},
        )  # fmt: skip
        self._filter = _HideUrls()
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)

    async def post(
        self, url: str, payload: Mapping[str, Any], *, token: str | None = None
    ) -> Reply:
        import httpx

        self._filter.urls.add(url)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        try:
            async with self._client.stream("POST", url, content=body, headers=headers) as response:
                data = b""
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_REPLY:
                        break
                return Reply(status=response.status_code, body=data[:MAX_REPLY],
                             retry_after=retry_after(response.headers.get("retry-after")))  # fmt: skip
        except httpx.HTTPError as error:  # the text may hold the URL: only the type leaves
            return Reply(status=0, error=type(error).__name__)

    async def aclose(self) -> None:
        await self._client.aclose()
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)


@dataclass
class FakeTransport:
    """Records every post; answers from ``replies`` (in order, the last one repeated), else
    with a success in each platform's shape (Slack: ``{"ok": true, "ts": ...}``)."""

    replies: list[Reply] = field(default_factory=list)
    posts: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    closed: bool = False

    async def post(
        self, url: str, payload: Mapping[str, Any], *, token: str | None = None
    ) -> Reply:
        self.posts.append((url, json.loads(json.dumps(payload)), token))
        if self.replies:
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        ts = f"1700000000.{len(self.posts):06d}"
        return Reply(
            status=200, body=json.dumps({"ok": True, "ts": ts, "channel": "C0FAKE"}).encode()
        )

    async def aclose(self) -> None:
        self.closed = True


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message_id: str | None = None
    channel_id: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    error: str | None = None


def _code(text: str | None) -> str | None:
    return text if text is not None and _CODE.match(text) else None


def interpret(kind: TargetKind, reply: Reply) -> Outcome:
    """What ``reply`` means for a target of ``kind``."""
    if reply.status == 0:
        return Outcome(ok=False, error=f"no response ({reply.error or 'transport error'})")
    if kind is TargetKind.SLACK and reply.status == 200:
        data = reply.json() or {}
        if data.get("ok") is True:
            ts, channel = data.get("ts"), data.get("channel")
            return Outcome(ok=True, message_id=ts if isinstance(ts, str) else None,
                           channel_id=channel if isinstance(channel, str) else None)  # fmt: skip
        code = _code(data.get("error") if isinstance(data.get("error"), str) else None)
        if code == "ratelimited":
            return Outcome(ok=False, retry_after=reply.retry_after, error="Slack: ratelimited")
        return Outcome(ok=False, permanent=code in _PERMANENT_SLACK,
                       error=f"Slack: {code or 'unexpected reply'}")  # fmt: skip
    if 200 <= reply.status < 300:
        return Outcome(ok=True)
    code = None
    if kind is TargetKind.SLACK_WEBHOOK:
        code = _code(reply.body[:64].decode("utf-8", "replace").strip())
    detail = f"HTTP {reply.status}" + (f" {code}" if code else "")
    if reply.status in (408, 425, 429) or reply.status >= 500:
        return Outcome(ok=False, retry_after=reply.retry_after, error=detail)
    return Outcome(ok=False, permanent=True, error=detail)
