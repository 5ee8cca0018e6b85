"""Running the operator: build the collaborators, start the caches, the webhook and metrics
servers, the leadership tick, the reconciler, discovery and kopf; stop them gracefully.

Inputs of the incident pipeline from outside the informers (the Alertmanager receiver, the
anomaly watch) hand their signals to one ``submit`` collaborator, chosen at the marked seam in
``run_operator``.

``run_operator(options, stop=...)`` returns when ``stop`` is set or kopf exits (kopf stops on
SIGINT/SIGTERM itself); in-flight reconciles are cancelled, which loses nothing (each status
write is one conditional PATCH and every persona is reconciled again at start).
Must not print or parse flags (the CLI does), or exit the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import kopf

from dorgu.clients.prometheus import PrometheusClient
from dorgu.errors import ClusterError, UsageError
from dorgu.learning.incidents.signals import Signal
from dorgu.operator import api as kinds
from dorgu.operator.alerting import AlertReceiver, CachedOwners, Submit
from dorgu.operator.anomalies import AnomalyWatcher
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.caching import Store
from dorgu.operator.channel.auth import client_ca
from dorgu.operator.channel.feeding import Feeder
from dorgu.operator.channel.hub import Hub
from dorgu.operator.channel.server import ChannelServer
from dorgu.operator.channel.tls import CONFIG_MAP, channel_tls, publish
from dorgu.operator.connecting import connect
from dorgu.operator.discovering import Discoverer
from dorgu.operator.eventing import EventPoster
from dorgu.operator.freezing import Freezer
from dorgu.operator.gitops import GitOpsLinker
from dorgu.operator.handlers import build_registry, build_settings
from dorgu.operator.incidents import IncidentTracker, TrackerSettings
from dorgu.operator.learning import Learner
from dorgu.operator.leftovers import remove_policy_leftovers
from dorgu.operator.marking import MarkerKeeper
from dorgu.operator.metrics import Gauge, Metrics, health_app
from dorgu.operator.notifying import build_notifier
from dorgu.operator.options import FIELD_MANAGER, WEBHOOK_PATH, OperatorOptions
from dorgu.operator.params import ParamKeeper
from dorgu.operator.peering import Leadership, ensure_peering
from dorgu.operator.policies import PolicyKeeper, exemption_expiries
from dorgu.operator.preflight import check_prerequisites, failure_error
from dorgu.operator.reconciling import Reconciler
from dorgu.operator.watching import ClusterView, Triggers
from dorgu.operator.webhook.asgi import AsgiServer, webhook_asgi
from dorgu.operator.webhook.handling import AdmissionHandler, rules_left_to_webhook
from dorgu.operator.webhook.provisioning import TlsProvisioner
from dorgu.operator.webhook.rsgi import GranianServer, WebhookRsgi
from dorgu.operator.webhook.serving import Server
from dorgu.operator.webhook.spawning import WorkerProcess
from dorgu.operator.webhook.worker import WorkerConfig
from dorgu.services.anomalies.watching import WatchOptions

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


async def _drop_signals(signals: Sequence[Signal]) -> None:
    """Stand-in for the incident pipeline until it runs in the operator."""
    logger.debug("incident pipeline not running: %d signals dropped", len(signals))


def _check_alertmanager(options: OperatorOptions) -> None:
    if not options.alertmanager_receiver:
        return
    if not options.alertmanager_token:
        raise UsageError("the Alertmanager receiver needs a token",
                         hint="set DORGU_ALERTMANAGER_TOKEN or --alertmanager-token-file; "
                              "Alertmanager sends it with http_config.authorization")  # fmt: skip
    if options.alertmanager_listen is None and options.metrics_port is None:
        raise UsageError("the Alertmanager receiver has no server: the metrics server is off",
                         hint="give --alertmanager-listen HOST:PORT or a --metrics-port")  # fmt: skip


async def run_operator(options: OperatorOptions, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    _check_alertmanager(options)
    connection = connect(kubeconfig=options.kubeconfig, context=options.context)
    http = connection.http_client()
    api = Api(http, field_manager=FIELD_MANAGER)
    try:
        await check_prerequisites(api, server=connection.server, namespace=options.namespace)
        if options.admission != "webhook":
            await PolicyKeeper(api=api, options=options).require_api()
    except BaseException:
        await http.aclose()
        raise
    identity = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
    priority = options.priority if options.priority is not None else random.randint(1, 1_000_000)
    metrics = Metrics()
    view = ClusterView(peering=None if options.standalone else options.peering)
    stores: list[Store[object]] = view.stores()
    metrics.add_gauge(Gauge("dorgu_cache_objects", "Objects in the operator's caches.", "cache",
                            lambda: {s.name: float(len(s)) for s in stores}))  # fmt: skip
    events = EventPoster(
        api=api, metrics=metrics, instance=identity, fallback_namespace=options.namespace
    )
    leadership = Leadership(standalone=options.standalone, identity=identity, priority=priority,
                            mandatory=options.peering_mandatory, peering=view.peering,
                            on_gain=lambda: reconciler.enqueue_all(), clock=lambda: datetime.now(UTC))  # fmt: skip
    reconciler = Reconciler(api=api, view=view, metrics=metrics, events=events, workers=options.workers,
                            min_interval=options.min_reconcile_interval,
                            is_active=lambda: leadership.active)  # fmt: skip
    Triggers(view=view, enqueue=reconciler.enqueue, targeted_by=reconciler.targeted_by).install()
    discoverer = Discoverer(api=api, view=view, metrics=metrics, interval=options.discovery_interval,
                            is_active=leadership.is_active)  # fmt: skip
    tasks: list[asyncio.Task[None]] = view.start(api)
    tracker = _incident_tracker(options, api=api, view=view, metrics=metrics,
                                is_active=lambda: leadership.active)  # fmt: skip
    if tracker is not None:
        stores += tracker.stores_list()
        tasks += tracker.start(api)
    servers: list[Server | AsgiServer | GranianServer | WorkerProcess | ChannelServer] = []
    serve_webhook = options.webhook and options.admission != "policy"
    webhook_ready = not serve_webhook
    channel_ready = options.channel_port is None
    keeper = PolicyKeeper(api=api, options=options, is_active=lambda: leadership.active,
                          expiries=lambda: exemption_expiries(view))  # fmt: skip
    prometheus = _prometheus(options)
    notifier = None
    # Alertmanager's and the anomaly watch's signals join the incident pipeline (with
    # --no-incidents they are logged at debug level and dropped).
    submit: Submit = tracker.submit if tracker is not None else _drop_signals
    receiver = (
        AlertReceiver(submit=submit, token=options.alertmanager_token or "",
                      owners=CachedOwners(view), max_body=options.alertmanager_max_body)
        if options.alertmanager_receiver else None
    )  # fmt: skip
    if receiver is not None:
        metrics.add_counter(receiver.requests)

    def ready() -> bool:  # policies: installed (keeper.written_at) before the replica is ready
        policies_ready = options.admission == "webhook" or keeper.written_at is not None
        workers_ready = all(s.serving for s in servers if isinstance(s, WorkerProcess))
        return (
            view.synced() and webhook_ready and policies_ready and workers_ready and channel_ready
        )

    async def refresh() -> None:  # the webhook worker's admission series
        for server in servers:
            if isinstance(server, WorkerProcess):
                await server.collect()

    try:
        if options.metrics_port is not None:
            app = health_app(metrics=metrics, ready=ready, refresh=refresh)
            if receiver is not None and options.alertmanager_listen is None:
                receiver.install(app)
            health = Server(app, host=options.metrics_host, port=options.metrics_port)
            await health.start()
            servers.append(health)
        if receiver is not None and options.alertmanager_listen is not None:
            host, port = options.alertmanager_listen
            alerts_server = Server(receiver.app(), host=host, port=port)
            await alerts_server.start()
            servers.append(alerts_server)
        await asyncio.wait_for(view.wait_synced(), timeout=60)
        notifier = await build_notifier(options, api=api, view=view)  # None: no targets
        if notifier is not None and tracker is not None:
            await tracker.attach(notifier)
            persist = tracker.persist_status
            tasks.append(asyncio.create_task(
                notifier.run(persist=lambda i: persist(i, fields=["notifications"])),
                name="notify-retries"))  # fmt: skip
        freezer = Freezer(lambda: sum(map(len, stores)) + reconciler.evaluation_count())
        await freezer.check()
        await _keep_policies(options, keeper=keeper, api=api, tasks=tasks)
        if options.admission != "webhook":
            marker = MarkerKeeper(api=api, view=view, is_active=lambda: leadership.active)
            tasks.append(
                asyncio.create_task(_periodically(2.0, marker.sync), name="autoscaled-marker")
            )
            params = ParamKeeper(api=api, view=view, is_active=lambda: leadership.active)
            tasks.append(asyncio.create_task(params.run(), name="policy-params"))
        if serve_webhook:
            await _start_webhook(options, api=api, view=view, metrics=metrics, servers=servers,
                                 tasks=tasks)  # fmt: skip
            webhook_ready = True
        if not options.standalone:
            await ensure_peering(api, options.peering)
        tasks += [
            asyncio.create_task(reconciler.run(), name="reconciler"),
            asyncio.create_task(leadership.run(), name="leadership"),
            asyncio.create_task(discoverer.run(), name="discovery"),
        ]

        async def resync() -> None:
            reconciler.enqueue_all()  # ignored on a standby

        tasks.append(
            asyncio.create_task(_periodically(options.resync_interval, resync), name="resync")
        )
        tasks.append(asyncio.create_task(_periodically(5.0, freezer.check), name="gc-freeze"))
        if options.prometheus_url and options.learn_interval > 0:
            learner = Learner(api=api, view=view, metrics=metrics, prometheus_url=options.prometheus_url,
                              interval=options.learn_interval, window=options.learn_window,
                              clock=lambda: datetime.now(UTC), run_timeout=options.learn_timeout,
                              query_timeout=options.prometheus_timeout,
                              max_queries=options.prometheus_max_queries,
                              cluster=options.prometheus_cluster,
                              cluster_label=options.prometheus_cluster_label,
                              authorization=options.prometheus_authorization,
                              is_active=lambda: leadership.active, reconcile=reconciler.enqueue)  # fmt: skip
            tasks.append(asyncio.create_task(learner.run(), name="learner"))
        linker = GitOpsLinker(api=api, view=view, is_active=lambda: leadership.active)
        tasks += linker.start()
        if options.channel_port is not None:
            await _start_channel(options, api=api, tasks=tasks, servers=servers)
            channel_ready = True
        if prometheus is not None:
            watcher = AnomalyWatcher(api=api, view=view, client=prometheus, metrics=metrics,
                                     options=_watch_options(options), interval=options.anomaly_interval,
                                     is_active=lambda: leadership.active, submit=submit)  # fmt: skip
            tasks.append(asyncio.create_task(watcher.run(), name="anomalies"))
        registry = build_registry(discoverer=discoverer, connection=connection)
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
    except ApiFailure as error:  # never an internal error: one line naming what failed
        raise failure_error(error, server=connection.server) from error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in servers:
            await server.stop()
        if prometheus is not None:
            await prometheus.aclose()
        if notifier is not None:
            await notifier.aclose()
        await http.aclose()
        logger.info("dorgu operator %s stopped", identity)


async def _keep_policies(
    options: OperatorOptions, *, keeper: PolicyKeeper, api: Api, tasks: list[asyncio.Task[None]]
) -> None:
    """Install and refresh the admission policies (``--admission policy|both``).  With
    ``--admission webhook`` the leftovers of an earlier policy run are deleted (``leftovers``)."""
    if options.admission == "webhook":
        await remove_policy_leftovers(api, policy_name=options.policy_name)
        return
    if options.admission == "policy" and options.manage_webhook_configuration:
        await _remove_webhook_configuration(api, options.webhook_configuration)
    await keeper.install()
    tasks.append(asyncio.create_task(
        _periodically(2.0, keeper.refresh), name="admission-policies"
    ))  # fmt: skip


async def _remove_webhook_configuration(api: Api, name: str) -> None:
    """A configuration left by a webhook run would call a server that is not there: delete it
    when it exists and may be deleted (else say so and run on)."""
    try:
        await api.get(kinds.WEBHOOK_CONFIGURATIONS, name)
    except ApiFailure as error:
        if error.code in (403, 404):
            return
        raise
    try:
        await api.delete(kinds.WEBHOOK_CONFIGURATIONS, name)
        logger.info("removed the webhook configuration %s (--admission policy)", name)
    except ApiFailure as error:
        logger.warning("could not remove the webhook configuration %s: %s", name, error)


def _incident_tracker(
    options: OperatorOptions,
    *,
    api: Api,
    view: ClusterView,
    metrics: Metrics,
    is_active: Callable[[], bool],
) -> IncidentTracker | None:
    if not options.incidents:
        return None
    settings = TrackerSettings(stabilization=timedelta(seconds=options.incident_stabilization),
                               retention=timedelta(seconds=options.incident_retention),
                               batch_interval=options.incident_batch_interval,
                               update_interval=options.incident_update_interval)  # fmt: skip
    return IncidentTracker(api=api, view=view, namespace=options.namespace, is_active=is_active,
                           settings=settings, metrics=metrics)  # fmt: skip


async def _start_channel(
    options: OperatorOptions,
    *,
    api: Api,
    tasks: list[asyncio.Task[None]],
    servers: list[Server | AsgiServer | GranianServer | WorkerProcess | ChannelServer],
) -> None:
    """The live channel (``dorgu watch``): its own informers, hub and TLS WebSocket server."""
    hub = Hub()
    feeder = Feeder(api=api, hub=hub)
    tasks += feeder.start()
    svc, ns = options.channel_service, options.namespace
    hosts = (f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.cluster.local", svc, "localhost", "127.0.0.1")
    context, ca = await channel_tls(api, namespace=options.namespace, hosts=hosts,
                                    client_ca=await client_ca(api))  # fmt: skip
    server = ChannelServer(api=api, hub=hub, snapshot=feeder.snapshot, host=options.channel_host,
                           port=options.channel_port or 0, tls=context)  # fmt: skip
    port = await server.start()
    servers.append(server)
    await publish(api, namespace=options.namespace, ca=ca, port=port, host=hosts[0])
    logger.info("live channel at wss://%s:%d/watch (CA in configmap %s/%s)",
                hosts[0], port, options.namespace, CONFIG_MAP)  # fmt: skip


def _prometheus(options: OperatorOptions) -> PrometheusClient | None:
    if not options.prometheus_url or options.anomaly_interval <= 0:
        return None
    return PrometheusClient(options.prometheus_url, timeout_seconds=options.anomaly_timeout,
                            retries=0, max_in_flight=2,
                            authorization=options.prometheus_authorization)  # fmt: skip


def _watch_options(options: OperatorOptions) -> WatchOptions:
    step = options.anomaly_interval
    return WatchOptions(step=step, history=options.anomaly_history,
                        rate_window=4 * step)  # fmt: skip


async def _start_webhook(
    options: OperatorOptions,
    *,
    api: Api,
    view: ClusterView,
    metrics: Metrics,
    servers: list[Server | AsgiServer | GranianServer | WorkerProcess | ChannelServer],
    tasks: list[asyncio.Task[None]],
) -> None:
    hosts = _hosts(options)
    provisioner = TlsProvisioner(api=api, options=options, metrics=metrics, hosts=hosts)
    tls = await provisioner.start()  # cert-manager: waits (bounded) for the Secret; not ready
    both = options.admission == "both"
    handler = AdmissionHandler(view=view, policy_for=rules_left_to_webhook if both else None)
    server: AsgiServer | GranianServer | WorkerProcess
    if options.webhook_process == "separate":
        config = WorkerConfig(host=options.webhook_host, port=options.webhook_port,
                              cert_dir=str(provisioner.tls.directory), server=options.webhook_server,
                              both=both, kubeconfig=str(options.kubeconfig) if options.kubeconfig else None,
                              context=options.context, log_level=logging.getLogger().level)  # fmt: skip
        server = WorkerProcess(config, metrics=metrics, tls=provisioner.tls)
    elif options.webhook_server == "hypercorn":
        server = AsgiServer(webhook_asgi(handler=handler, metrics=metrics),
                            host=options.webhook_host, port=options.webhook_port, tls=tls)  # fmt: skip
    else:
        server = GranianServer(WebhookRsgi(handler=handler, metrics=metrics),
                               host=options.webhook_host, port=options.webhook_port,
                               tls=provisioner.tls)  # fmt: skip
    port = await server.start()
    servers.append(server)
    url = (
        None
        if options.webhook_service
        else options.webhook_url or f"https://{hosts[0]}:{port}{WEBHOOK_PATH}"
    )
    await provisioner.configure(url=url)
    tasks.append(
        asyncio.create_task(
            _periodically(provisioner.interval, provisioner.refresh), name="certificates"
        )
    )
