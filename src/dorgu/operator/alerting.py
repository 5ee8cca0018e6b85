"""The Alertmanager receiver: ``POST /alertmanager`` takes the webhook notifications of an
Alertmanager ``webhook_configs`` receiver and hands their alerts, as ``Alert`` signals, to the
incident pipeline (``submit``).

Served on the metrics/health server (``--alertmanager-receiver``) or on a server of its own
(``--alertmanager-listen HOST:PORT``), plain HTTP like the metrics endpoint.  Every request must
carry the shared token: ``Authorization: Bearer <token>`` (Alertmanager's
``http_config.authorization.credentials``) or HTTP basic auth with the token as the password
(``http_config.basic_auth``, any user name).  Answers:

- 200 ``{"accepted": n, "ignored": m}`` (``ignored``: alerts naming no workload);
- 401 without the token (checked before the body is read), 413 when the body is larger than
  ``max_body`` (checked on ``Content-Length`` and while reading), 400 when the body is not a
  version 4 payload, 500 when ``submit`` failed (Alertmanager retries then).

A bad request is logged in one line (status, why, the peer), never with the body or the
token.  A resolved alert reaches ``submit`` as the same signal with ``ongoing=False``.
The event loop is shared with the reconciler and the admission webhook: alerts are validated
and converted in slices that yield to the loop between them.

Must not write to the cluster or keep alerts: the pipeline behind ``submit`` decides.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence

from aiohttp import web

from dorgu.errors import InputError
from dorgu.learning.incidents.alerts import AlertSignals, alert_signal, parse_alert, parse_envelope
from dorgu.learning.incidents.reading import Obj
from dorgu.learning.incidents.signals import ObjectRef, Signal
from dorgu.operator.metrics import Counter
from dorgu.operator.watching import ClusterView

logger = logging.getLogger(__name__)

ALERTMANAGER_PATH = "/alertmanager"
DEFAULT_MAX_BODY = 1024 * 1024
SLICE = 50
"""Alerts validated and converted between two yields to the event loop."""
Submit = Callable[[Sequence[Signal]], Awaitable[None]]


class CachedOwners(Mapping[ObjectRef, Obj]):
    """The Deployments and StatefulSets the informers hold, as ``ObjectRef -> object``: what
    an alert's workload is resolved against (its labels attribute it to a persona)."""

    def __init__(self, view: ClusterView) -> None:
        self.stores = {"Deployment": view.deployments, "StatefulSet": view.statefulsets}

    def __getitem__(self, ref: ObjectRef) -> Obj:
        store = self.stores.get(ref.kind)
        cached = store.get((ref.namespace, ref.name)) if store is not None else None
        if cached is None:
            raise KeyError(ref)
        return cached.manifest()

    def __iter__(self) -> Iterator[ObjectRef]:
        for kind, store in self.stores.items():
            for (namespace, name), _ in store.items():
                yield ObjectRef(kind, namespace, name)

    def __len__(self) -> int:
        return sum(len(store) for store in self.stores.values())


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class AlertReceiver:
    """The ``POST /alertmanager`` handler (``install`` adds it to an aiohttp application)."""

    def __init__(
        self,
        *,
        submit: Submit,
        token: str,
        owners: Mapping[ObjectRef, Obj] | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        requests: Counter | None = None,
    ) -> None:
        if not token:
            raise ValueError("the Alertmanager receiver needs a token")
        self.submit, self.owners, self.max_body = submit, owners, max_body
        self._token = token.encode("utf-8")
        self.requests = requests or Counter(
            "dorgu_alertmanager_requests_total",
            "Requests to the Alertmanager receiver, by result.",
            ("result",),
        )

    def install(self, app: web.Application, *, path: str = ALERTMANAGER_PATH) -> None:
        app.router.add_post(path, self.handle)

    def app(self) -> web.Application:
        """An application serving only the receiver (``--alertmanager-listen``)."""
        app = web.Application()
        self.install(app)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        try:
            self._authorize(request.headers.get("Authorization", ""))
            body = await self._read(request)
            try:
                _, alerts = parse_envelope(body)
                found = await self._convert(alerts)
            except InputError as error:
                raise _Refused(400, error.message) from error
        except _Refused as refused:
            return self._refuse(request, refused.status, refused.reason)
        try:
            if found.signals:
                await self.submit(found.signals)
        except Exception as error:  # the pipeline's failure: Alertmanager retries on 5xx
            logger.warning("alertmanager receiver: could not pass %d alerts on: %s",
                           len(found.signals), error)  # fmt: skip
            self.requests.inc(result="failed")
            return _json(500, {"error": "the incident pipeline failed; retry"})
        self.requests.inc(result="ok")
        logger.debug("alertmanager receiver: %d alerts accepted, %d ignored (%s)",
                     len(found.signals), len(found.ignored), ", ".join(found.ignored[:5]))  # fmt: skip
        return _json(200, {"accepted": len(found.signals), "ignored": len(found.ignored)})

    async def _convert(self, alerts: list[object]) -> AlertSignals:
        """``alert_signals(parse_webhook(body))``, yielding to the loop every ``SLICE`` alerts;
        ``InputError`` at the first invalid alert (nothing is submitted then)."""
        found: list[Signal] = []
        ignored: list[str] = []
        for number, raw in enumerate(alerts):
            if number and number % SLICE == 0:
                await asyncio.sleep(0)
            alert = parse_alert(raw, number)
            signal = alert_signal(alert, owners=self.owners)
            if signal is None:
                ignored.append(alert.labels.get("alertname", "") or "?")
            else:
                found.append(signal)
        return AlertSignals(tuple(found), tuple(ignored))

    def _authorize(self, header: str) -> None:
        scheme, _, credentials = header.strip().partition(" ")
        given: bytes | None = None
        if scheme.lower() == "bearer":
            given = credentials.strip().encode("utf-8")
        elif scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            given = decoded.partition(b":")[2] if b":" in decoded else None
        if given is None:
            raise _Refused(401, "no bearer token or basic auth")
        if not hmac.compare_digest(given, self._token):
            raise _Refused(401, "wrong token")

    async def _read(self, request: web.Request) -> bytes:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            raise _Refused(413, f"body of {declared} bytes exceeds the limit of {self.max_body}")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await request.content.readany()
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(413, f"body exceeds the limit of {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _refuse(self, request: web.Request, status: int, reason: str) -> web.Response:
        self.requests.inc(result=str(status))
        logger.warning("alertmanager receiver: %d for %s: %s", status, request.remote or "?",
                       reason)  # fmt: skip
        headers = {"WWW-Authenticate": 'Bearer realm="dorgu"'} if status == 401 else None
        return _json(status, {"error": reason}, headers=headers)


def _json(
    status: int, body: dict[str, object], *, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, sort_keys=True).encode(),
        content_type="application/json",
        headers=headers,
    )
