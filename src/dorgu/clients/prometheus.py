"""``PrometheusClient``: the Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``)
over httpx, gentle with the server.

At most ``max_in_flight`` (6) requests at once; a per-request timeout; retries with
exponential backoff for what may pass (connection failures, timeouts, 429, 502/503/504) but
not for what will not (400 ``bad_data``, 422 ``execution``); a hard cap on the number of
requests sent (``max_queries``, retries included); ``stats`` counts what was sent.  Queries
go as form-encoded POSTs, so long pod regexes never hit a URL length limit.

Every failure is a ``PrometheusError`` (a ``ClusterError``, exit 6) naming the URL and what to
do.  Must not build PromQL from user input (``dorgu.services.recommending`` does, escaping),
print, or read settings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dorgu.errors import ClusterError, UsageError

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)
MAX_IN_FLIGHT = 6
MIN_STEP_SECONDS = 1.0  # the anomaly watch reads at the scrape cadence
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_REPLY_BYTES = 64 * 1024 * 1024


class PrometheusError(ClusterError):
    """Prometheus is unreachable, too slow, not Prometheus, or refused a query."""

    def __init__(self, message: str, *, hint: str | None = None, retryable: bool = False):
        super().__init__(message, hint=hint)
        self.retryable = retryable


class QueryBudgetError(PrometheusError):
    """Sending one more query would exceed ``--max-queries``."""


class Series:
    """One labelled series; its samples kept as two arrays of doubles (16 bytes a sample, not
    the ~150 of a parsed JSON pair), so long range queries stay small in memory."""

    __slots__ = ("labels", "times", "values")

    def __init__(self, labels: dict[str, str], samples: Iterable[tuple[float, float]] = ()):
        self.labels = labels
        self.times = array("d")
        self.values = array("d")
        for timestamp, value in samples:
            self.times.append(timestamp)
            self.values.append(value)

    @property
    def samples(self) -> tuple[tuple[float, float], ...]:
        return tuple(zip(self.times, self.values, strict=True))

    def __len__(self) -> int:
        return len(self.times)

    def __repr__(self) -> str:
        return f"Series({self.labels!r}, {len(self)} samples)"


@dataclass(frozen=True)
class QueryResult:
    result_type: str
    series: tuple[Series, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class QueryStats:
    sent: int = 0
    retries: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)


def check_url(url: str) -> str:
    """``url`` without a trailing slash; ``UsageError`` unless it is ``http(s)://host[:port]...``
    without credentials.  Messages never repeat the URL's user information or query."""
    example = "for example --prometheus-url http://prometheus.monitoring:9090"
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when not a number in 0..65535
        host = parts.hostname
    except ValueError as error:
        raise UsageError(
            f"Prometheus URL {_shown(text)!r} is not a valid URL ({error})", hint=example
        ) from error
    if "@" in parts.netloc:
        raise UsageError(
            "the Prometheus URL must not carry credentials",
            hint="use prometheus.bearer_token_file or prometheus.username + password_file "
            "(docs/configuration.md), or an authenticating proxy",
        )
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"Prometheus URL {_shown(text)!r} is not an http(s) URL", hint=example)
    if port == 0:
        raise UsageError(f"Prometheus URL {_shown(text)!r} has port 0", hint=example)
    return text.rstrip("/")


def _shown(url: str) -> str:
    """``url`` as it may appear in a message: no user information, no query, at most 200
    characters."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    if "@" in head:
        scheme, _, rest = head.rpartition("://")
        head = (scheme + "://" if scheme else "") + "***@" + rest.rsplit("@", 1)[1]
    return head[:200]


def _number(text: object) -> float:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, str):
        return float(text)  # Prometheus writes "NaN", "+Inf", "-Inf", "1e+06" as strings
    raise ValueError(f"not a sample value: {text!r}")


def _pair(item: object) -> tuple[float, float]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError(f"not a [time, value] pair: {item!r}")
    return _number(item[0]), _number(item[1])


def _labels(item: dict[str, object]) -> dict[str, str]:
    metric = item.get("metric") or {}
    if not isinstance(metric, dict):
        raise ValueError("metric is not an object")
    return {str(k): str(v) for k, v in metric.items()}


def parse_response(status: int, body: bytes, *, where: str) -> QueryResult:
    """A ``QueryResult`` from an HTTP reply of the query APIs, or a ``PrometheusError``."""
    try:
        document = json.loads(body)
    except ValueError as error:
        raise PrometheusError(
            f"{where} answered HTTP {status} with something that is not JSON",
            hint="is this the Prometheus base URL (the one serving /api/v1/query)?",
        ) from error
    if not isinstance(document, dict) or "status" not in document:
        raise PrometheusError(
            f"{where} answered HTTP {status} without a Prometheus API envelope",
            hint="is this the Prometheus base URL (the one serving /api/v1/query)?",
        )
    warnings = tuple(str(w) for w in document.get("warnings") or [])
    if document.get("status") != "success":
        kind = document.get("errorType") or "error"
        message = str(document.get("error") or "no error message")
        raise PrometheusError(
            f"{where} refused the query ({kind}, HTTP {status}): {message}",
            retryable=status in RETRY_STATUSES or kind in ("timeout", "unavailable"),
        )
    data = document.get("data")
    if not isinstance(data, dict):
        raise PrometheusError(f"{where}: the reply has no data")
    kind = str(data.get("resultType"))
    result = data.get("result")
    try:
        if kind == "vector":
            series = tuple(
                Series(_labels(item), (_pair(item["value"]),))
                for item in _objects(result)
                if "value" in item  # native-histogram samples carry "histogram" instead
            )
        elif kind == "matrix":
            series = tuple(
                Series(_labels(item), map(_pair, _items(item.get("values"))))
                for item in _objects(result)
            )
        elif kind == "scalar":
            series = (Series({}, (_pair(result),)),)
        elif kind == "string":
            series = ()
        else:
            raise ValueError(f"unknown resultType {kind!r}")
    except (ValueError, KeyError, TypeError) as error:
        raise PrometheusError(f"{where}: malformed reply: {error}") from error
    return QueryResult(kind, series, warnings)


def _items(value: object) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("values is not a list")
    return value


def _objects(value: object) -> list[dict[str, object]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("result is not a list of objects")
    return value


class PrometheusClient:
    """Queries against one Prometheus (or a compatible API: Thanos, Mimir, VictoriaMetrics)."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 30.0,
        retries: int = 2,
        backoff_seconds: float = 0.5,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_queries: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        authorization: str | None = None,
    ) -> None:
        import httpx

        self.url = check_url(url)
        self.stats = QueryStats()
        self._timeout = timeout_seconds
        self._retries = retries
        self._backoff = backoff_seconds
        self._limit = asyncio.Semaphore(min(max(max_in_flight, 1), MAX_IN_FLIGHT))
        self._max_queries = max_queries
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            transport=transport,
            trust_env=urlsplit(self.url).hostname not in ("127.0.0.1", "localhost", "::1"),
            headers={"accept": "application/json"},
        )
        self._authenticated = authorization is not None
        if authorization is not None:  # a secret: set on the client, never logged or echoed
            self._http.headers["authorization"] = authorization

    async def query(
        self, promql: str, *, at: float | None = None, retries: int | None = None
    ) -> QueryResult:
        """An instant query; ``retries`` overrides the client's (0: a probe that fails fast)."""
        form = {"query": promql, "timeout": f"{self._timeout:g}s"}
        if at is not None:
            form["time"] = f"{at:.3f}"
        return await self._send("/api/v1/query", form, retries=retries)

    async def query_range(
        self, promql: str, *, start: float, end: float, step: float
    ) -> QueryResult:
        if step < MIN_STEP_SECONDS or not math.isfinite(step):
            raise ValueError(f"step {step}s is below the {MIN_STEP_SECONDS:g}s minimum")
        form = {
            "query": promql,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}s",
            "timeout": f"{self._timeout:g}s",
        }
        return await self._send("/api/v1/query_range", form)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _post(self, path: str, form: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """The reply and at most ``MAX_REPLY_BYTES + 1`` bytes of its body: a huge reply is
        cut off while it streams in, never held whole in memory."""
        async with self._http.stream("POST", self.url + path, data=form) as reply:
            chunks: list[bytes] = []
            size = 0
            async for chunk in reply.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    break
            return reply, b"".join(chunks)[: MAX_REPLY_BYTES + 1]

    async def _send(
        self, path: str, form: dict[str, str], *, retries: int | None = None
    ) -> QueryResult:
        import httpx

        allowed = self._retries if retries is None else retries
        where = f"Prometheus at {_shown(self.url)}"
        attempt = 0
        while True:
            if self._max_queries is not None and self.stats.sent >= self._max_queries:
                raise QueryBudgetError(
                    f"the query budget of {self._max_queries} is spent",
                    hint="narrow the scope (-n, WORKLOAD) or raise --max-queries",
                )
            self.stats.sent += 1
            try:
                async with self._limit:
                    reply, body = await self._post(path, form)
                if len(body) > MAX_REPLY_BYTES:
                    raise PrometheusError(
                        f"{where}: a reply larger than 64 MiB",
                        hint="narrow the scope (-n, WORKLOAD) or the history window",
                    )
                if reply.is_redirect:
                    raise PrometheusError(
                        f"{where} redirects to {reply.headers.get('location')!r}",
                        hint="give the final URL",
                    )
                if reply.status_code == 404:
                    raise PrometheusError(
                        f"{where} has no {path} (HTTP 404)",
                        hint="is this the Prometheus base URL (without /graph)?",
                    )
                if reply.status_code in (401, 403):
                    raise PrometheusError(
                        f"{where} refused access (HTTP {reply.status_code})",
                        hint="check the credentials in prometheus.bearer_token_file or "
                        "prometheus.username/password_file"
                        if self._authenticated
                        else "set prometheus.bearer_token_file (or prometheus.username and "
                        "password_file), or use a port-forward",
                    )
                if reply.status_code in RETRY_STATUSES and not body.strip().startswith(b"{"):
                    raise PrometheusError(
                        f"{where} is unavailable (HTTP {reply.status_code})", retryable=True
                    )
                result = parse_response(reply.status_code, body, where=where)
                self.stats.warnings.extend(result.warnings)
                return result
            except httpx.TimeoutException as error:
                failure = PrometheusError(
                    f"{where} did not answer within {self._timeout:g}s",
                    hint="is it overloaded? raise prometheus.timeout_seconds or narrow the scope",
                    retryable=True,
                )
                failure.__cause__ = error
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as error:
                failure = PrometheusError(
                    f"cannot reach {where}: {str(error) or type(error).__name__}",
                    hint="check --prometheus-url (or DORGU_PROMETHEUS_URL) and that it is up",
                    retryable=isinstance(error, httpx.ConnectError),
                )
                failure.__cause__ = error
            except httpx.HTTPError as error:
                failure = PrometheusError(
                    f"{where} broke off its reply: {str(error) or type(error).__name__}",
                    hint="is it overloaded or behind a proxy that limits replies? "
                    "narrow the scope (-n, WORKLOAD)",
                    retryable=True,
                )
                failure.__cause__ = error
            except PrometheusError as error:
                failure = error
            if not failure.retryable or attempt >= allowed:
                self.stats.failed += 1
                raise failure
            attempt += 1
            self.stats.retries += 1
            delay = self._backoff * 2 ** (attempt - 1)
            logger.debug("%s; retry %d in %.1fs", failure, attempt, delay)
            await asyncio.sleep(delay)
