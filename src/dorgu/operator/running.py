"""Running the operator: build the collaborators, start the caches, the webhook and metrics
servers, the reconciler, the audit recorder, discovery and kopf; stop them gracefully.

``run_operator(options, stop=...)`` returns when ``stop`` is set or kopf exits (kopf stops on
SIGINT/SIGTERM itself); in-flight reconciles are cancelled, which loses nothing (each status
write is one conditional PATCH and every persona is reconciled again at start).
Must not print or parse flags (the CLI does), or exit the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import random
import socket
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import kopf

from dorgu.errors import ClusterError
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.caching import Store
from dorgu.operator.connecting import connect
from dorgu.operator.discovering import Discoverer
from dorgu.operator.eventing import EventPoster
from dorgu.operator.handlers import build_registry, build_settings
from dorgu.operator.metrics import Gauge, Metrics, health_app
from dorgu.operator.options import FIELD_MANAGER, WEBHOOK_PATH, OperatorOptions
from dorgu.operator.peering import ensure_peering
from dorgu.operator.reconciling import Reconciler
from dorgu.operator.recording import AuditRecorder
from dorgu.operator.watching import ClusterView, Triggers
from dorgu.operator.webhook.certificates import TlsFiles, ensure_certificates
from dorgu.operator.webhook.configuring import apply_webhook_configuration, webhook_configuration
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.serving import Server, webhook_app

logger = logging.getLogger(__name__)


def _hosts(options: OperatorOptions) -> tuple[str, ...]:
    if options.webhook_service:
        svc, ns = options.webhook_service, options.namespace
        base: tuple[str, ...] = (f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.cluster.local", svc)
    elif options.webhook_url:
        base = (urlsplit(options.webhook_url).hostname or "localhost",)
    else:
        host = options.webhook_host
        base = ("127.0.0.1" if host in ("0.0.0.0", "") else host,)
    return tuple(dict.fromkeys((*base, *options.webhook_dns_names)))


class Peers:
    """Whether this replica is kopf's active one (highest live priority; standalone: yes)."""

    def __init__(self, *, api: Api, options: OperatorOptions, identity: str, priority: int):
        self.api, self.options, self.identity, self.priority = api, options, identity, priority

    async def is_active(self) -> bool:
        if self.options.standalone:
            return True
        try:
            obj = await self.api.get(kinds.PEERINGS, self.options.peering)
        except ApiFailure as error:
            return error.code == 404 and not self.options.peering_mandatory
        now = datetime.now(UTC)
        status = obj.get("status")
        for ident, info in status.items() if isinstance(status, dict) else []:
            if ident == self.identity or not isinstance(info, dict):
                continue
            try:
                seen = datetime.fromisoformat(str(info.get("lastseen")))
                alive = seen + timedelta(seconds=int(info.get("lifetime", 60))) > now
                if alive and int(info.get("priority", 0)) >= self.priority:
                    return False
            except (TypeError, ValueError):
                continue
        return True


async def _periodically(interval: float, action: object) -> None:
    assert callable(action)
    while True:
        await asyncio.sleep(interval)
        try:
            await action()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("periodic task failed: %s", error)


async def run_operator(options: OperatorOptions, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    connection = connect(kubeconfig=options.kubeconfig, context=options.context)
    http = connection.http_client()
    api = Api(http, field_manager=FIELD_MANAGER)
    identity = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
    priority = options.priority if options.priority is not None else random.randint(1, 1_000_000)
    metrics, view = Metrics(), ClusterView()
    stores: list[Store[object]] = [view.personas, view.autoscalers, view.budgets, view.services,  # type: ignore[list-item]
                                   view.accounts, view.namespaces]  # type: ignore[list-item]  # fmt: skip
    metrics.add_gauge(Gauge("dorgu_cache_objects", "Objects in the operator's caches.", "cache",
                            lambda: {s.name: float(len(s)) for s in stores}))  # fmt: skip
    events = EventPoster(
        api=api, metrics=metrics, instance=identity, fallback_namespace=options.namespace
    )
    reconciler = Reconciler(
        api=api, view=view, metrics=metrics, events=events, workers=options.workers
    )
    triggers = Triggers(view=view, enqueue=reconciler.enqueue, targeted_by=reconciler.targeted_by)
    peers = Peers(api=api, options=options, identity=identity, priority=priority)
    discoverer = Discoverer(api=api, view=view, metrics=metrics, interval=options.discovery_interval,
                            is_active=peers.is_active)  # fmt: skip
    recorder = AuditRecorder(api=api, view=view, metrics=metrics, events=events)
    tasks: list[asyncio.Task[None]] = view.start(api)
    servers: list[Server] = []
    webhook_ready = not options.webhook

    def ready() -> bool:
        return view.synced() and webhook_ready

    try:
        if options.metrics_port is not None:
            health = Server(
                health_app(metrics=metrics, ready=ready),
                host=options.metrics_host,
                port=options.metrics_port,
            )
            await health.start()
            servers.append(health)
        await asyncio.wait_for(view.wait_synced(), timeout=60)
        gc.freeze()  # long-lived startup objects leave the collector's scans (steadier p99)
        if options.webhook:
            await _start_webhook(options, api=api, view=view, metrics=metrics, recorder=recorder,
                                 servers=servers, tasks=tasks)  # fmt: skip
            webhook_ready = True
        if not options.standalone:
            await ensure_peering(api, options.peering)
        tasks += [
            asyncio.create_task(reconciler.run(), name="reconciler"),
            asyncio.create_task(recorder.run(), name="audit-recorder"),
            asyncio.create_task(discoverer.run(), name="discovery"),
        ]

        async def resync() -> None:
            if await peers.is_active():
                reconciler.enqueue_all()

        tasks.append(
            asyncio.create_task(_periodically(options.resync_interval, resync), name="resync")
        )
        registry = build_registry(triggers=triggers, discoverer=discoverer, connection=connection)
        settings = build_settings(standalone=options.standalone, peering=options.peering,
                                  mandatory=options.peering_mandatory, priority=priority,
                                  lifetime=options.peering_lifetime)  # fmt: skip
        kopf_stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        operator = asyncio.create_task(
            kopf.operator(registry=registry, settings=settings, standalone=options.standalone,
                          priority=priority, peering_name=None if options.standalone else options.peering,
                          clusterwide=True, identity=identity, stop_flag=kopf_stop),  # type: ignore[arg-type]
            name="kopf",
        )  # fmt: skip
        logger.info("dorgu operator %s running (priority %d)", identity, priority)
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({operator, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not kopf_stop.done():
            kopf_stop.set_result(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(operator, timeout=10)
        waiter.cancel()
    except TimeoutError as error:
        raise ClusterError("the operator's caches did not sync within 60s",
                           hint=f"check that {connection.server} is reachable") from error  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in servers:
            await server.stop()
        await http.aclose()
        logger.info("dorgu operator %s stopped", identity)


async def _start_webhook(
    options: OperatorOptions,
    *,
    api: Api,
    view: ClusterView,
    metrics: Metrics,
    recorder: AuditRecorder,
    servers: list[Server],
    tasks: list[asyncio.Task[None]],
) -> None:
    hosts = _hosts(options)
    certs, reason = await ensure_certificates(api, namespace=options.namespace, secret=options.cert_secret,
                                              hosts=hosts, now=datetime.now(UTC))  # fmt: skip
    if reason:
        logger.info("webhook certificates renewed (%s)", reason)
    tls = TlsFiles(options.cert_dir)
    tls.load(certs)
    handler = AdmissionHandler(view=view)
    server = Server(webhook_app(handler=handler, metrics=metrics, record=recorder.submit),
                    host=options.webhook_host, port=options.webhook_port, tls=tls.context)  # fmt: skip
    port = await server.start()
    servers.append(server)
    url = (
        None
        if options.webhook_service
        else options.webhook_url or f"https://{hosts[0]}:{port}{WEBHOOK_PATH}"
    )

    async def configure(bundle: bytes) -> None:
        if options.manage_webhook_configuration:
            manifest = webhook_configuration(
                name=options.webhook_configuration, ca_bundle=bundle, operator_namespace=options.namespace,
                url=url, service=options.webhook_service, failure_policy=options.failure_policy,
                timeout_seconds=options.timeout_seconds, opt_in=options.webhook_opt_in,
            )  # fmt: skip
            await apply_webhook_configuration(api, manifest)

    await configure(certs.bundle(datetime.now(UTC)))

    async def rotate() -> None:
        fresh, why = await ensure_certificates(api, namespace=options.namespace, secret=options.cert_secret,
                                               hosts=hosts, now=datetime.now(UTC))  # fmt: skip
        nonlocal certs
        if fresh != certs:
            logger.info("webhook certificates rotated (%s)", why or "changed by another replica")
            certs = fresh
            tls.load(fresh)
            await configure(fresh.bundle(datetime.now(UTC)))

    tasks.append(
        asyncio.create_task(_periodically(options.cert_check_interval, rotate), name="certificates")
    )
