"""``dorgu operator run``: run the dorgu operator (reconciler, webhook, discovery, metrics)
locally against the current kubeconfig, or in a cluster."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import cast

import click

CERTIFICATE_SOURCES = ("self", "cert-manager", "auto")
_META = "dorgu.operator.connection"
PEERING_LIFETIME_RANGE = (5, 3600)


def _certificates(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from dorgu.errors import UsageError

    if value not in CERTIFICATE_SOURCES:
        raise UsageError(f"--certificates: expected self, cert-manager or auto, got {value!r}",
                         hint="self: the operator makes its own CA; cert-manager: a Certificate "
                         "writes --cert-secret")  # fmt: skip
    return value


def _peering_lifetime(ctx: click.Context, param: click.Parameter, value: str) -> int:
    from dorgu.errors import UsageError

    low, high = PEERING_LIFETIME_RANGE
    try:
        seconds = int(value.strip())
    except ValueError:
        seconds = None
    if seconds is None or not low <= seconds <= high:
        raise UsageError(f"--peering-lifetime: expected whole seconds from {low} to {high}, "
                         f"got {value!r}", hint="failover takes up to this long")  # fmt: skip
    return seconds


def _anomaly_history(ctx: click.Context, param: click.Parameter, value: str) -> float:
    import re

    from dorgu.errors import UsageError

    match = re.fullmatch(r"([1-9][0-9]{0,3})([hd])", value.strip())
    hours = int(match.group(1)) * (24 if match.group(2) == "d" else 1) if match else 0
    if not 1 <= hours <= 7 * 24:
        raise UsageError(f"--anomaly-history: expected a duration from 1h to 7d, got {value!r}",
                         hint="for example 2d or 36h (a day or more keeps the daily view)")  # fmt: skip
    return hours * 3600.0


def _prometheus_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from dorgu.clients.prometheus import check_url

    return check_url(value) if value else None


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    if value is not None and param.name is not None:
        ctx.meta.setdefault(_META, {})[param.name] = value


@click.group()
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path, dir_okay=False),
    expose_value=False,
    callback=_remember,
    help="Kubeconfig file (a subcommand's --kubeconfig wins).",
)
@click.option("--context", expose_value=False, callback=_remember,
              help="Kubeconfig context (a subcommand's --context wins).")  # fmt: skip
def operator() -> None:
    """Run the dorgu operator."""


@operator.command()
@click.option(
    "--kubeconfig", type=click.Path(path_type=Path, dir_okay=False), help="Kubeconfig file."
)
@click.option("--context", help="Kubeconfig context.")
@click.option(
    "-n",
    "--namespace",
    default="dorgu-system",
    show_default=True,
    help="The operator's own namespace (certificates Secret; skipped by the webhook).",
)
@click.option(
    "--webhook-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the webhook listens on (and, without --webhook-url, the one the API server calls).",
)
@click.option(
    "--webhook-port",
    default=9443,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Webhook port (0: any free port).",
)
@click.option(
    "--webhook-url",
    help="URL the API server calls instead of https://HOST:PORT/validate-deployment.",
)
@click.option(
    "--webhook-service", help="In-cluster: the Service in front of the replicas (port 443)."
)
@click.option("--no-webhook", is_flag=True, help="Do not serve the admission webhook.")
@click.option(
    "--no-webhook-configuration",
    is_flag=True,
    help="Serve the webhook but do not manage the ValidatingWebhookConfiguration.",
)
@click.option(
    "--webhook-configuration",
    default="dorgu-validate-deployment",
    show_default=True,
    help="Name of the ValidatingWebhookConfiguration the operator manages.",
)
@click.option(
    "--failure-policy",
    type=click.Choice(["Ignore", "Fail"]),
    default="Ignore",
    show_default=True,
    help="What the API server does when the webhook cannot answer.",
)
@click.option(
    "--opt-in", is_flag=True, help="Only check namespaces labelled dorgu.io/validate=true."
)
@click.option(
    "--cert-secret",
    default="dorgu-webhook-certs",
    show_default=True,
    help="Secret (in --namespace) with the webhook's serving certificate (written by the "
    "operator, or by cert-manager with --certificates cert-manager).",
)
@click.option(
    "--certificates",
    default="auto",
    show_default=True,
    metavar="[self|cert-manager|auto]",
    callback=_certificates,
    help="Who makes the webhook certificate: the operator (self; it also injects the caBundle), "
    "a cert-manager Certificate writing --cert-secret (cainjector injects the caBundle), or "
    "auto: cert-manager when its certificates.cert-manager.io API is served.",
)
@click.option(
    "--metrics-host", default="127.0.0.1", show_default=True, help="Metrics/health address."
)
@click.option(
    "--metrics-port",
    default=8080,
    show_default=True,
    type=click.IntRange(-1, 65535),
    help="Port of /metrics, /healthz, /readyz (-1: off, 0: any free port).",
)
@click.option(
    "--peering",
    "peering",
    default="dorgu",
    show_default=True,
    help="ClusterKopfPeering name shared by the replicas (one active reconciler).",
)
@click.option("--standalone", is_flag=True, help="No peering: this process always reconciles.")
@click.option(
    "--priority", type=int, help="Peering priority (default: random; the highest is active)."
)
@click.option(
    "--peering-lifetime",
    default="20",
    show_default=True,
    metavar="SECONDS",
    callback=_peering_lifetime,
    help="How long a replica's peering heartbeat stays valid (5..3600); failover takes up to "
    "this long.",
)
@click.option(
    "--discovery-interval", default=300.0, show_default=True, help="Seconds between discoveries."
)
@click.option(
    "--prometheus-url",
    envvar="DORGU_PROMETHEUS_URL",
    callback=_prometheus_url,
    help="Prometheus base URL for anomaly detection on the personas' series "
    "(env DORGU_PROMETHEUS_URL; unset: no anomaly detection).",
)
@click.option(
    "--anomaly-interval",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds between anomaly checks and between the samples read (the scrape interval).",
)
@click.option(
    "--anomaly-history",
    default="2d",
    show_default=True,
    metavar="DURATION",
    callback=_anomaly_history,
    help="History read at start to rebuild the detectors (1h..7d).",
)
def run(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    webhook_host: str,
    webhook_port: int,
    webhook_url: str | None,
    webhook_service: str | None,
    no_webhook: bool,
    no_webhook_configuration: bool,
    webhook_configuration: str,
    failure_policy: str,
    opt_in: bool,
    cert_secret: str,
    certificates: str,
    metrics_host: str,
    metrics_port: int,
    peering: str,
    standalone: bool,
    priority: int | None,
    peering_lifetime: int,
    discovery_interval: float,
    prometheus_url: str | None,
    anomaly_interval: float,
    anomaly_history: float,
) -> None:
    """Run the operator until interrupted (SIGINT/SIGTERM stop it gracefully)."""
    from dorgu.cli.extras import require

    require("operator")
    chosen = click.get_current_context().meta.get(_META, {})
    kubeconfig = kubeconfig or chosen.get("kubeconfig")
    context = context or chosen.get("context")
    from dorgu.operator.options import CertificateSource, OperatorOptions
    from dorgu.operator.running import run_operator

    options = OperatorOptions(
        namespace=namespace,
        kubeconfig=kubeconfig,
        context=context,
        webhook=not no_webhook,
        webhook_host=webhook_host,
        webhook_port=webhook_port,
        webhook_url=webhook_url,
        webhook_service=webhook_service,
        manage_webhook_configuration=not no_webhook_configuration,
        webhook_configuration=webhook_configuration,
        failure_policy="Fail" if failure_policy == "Fail" else "Ignore",
        webhook_opt_in=opt_in,
        cert_secret=cert_secret,
        certificates=cast("CertificateSource", certificates),  # checked by _certificates
        metrics_host=metrics_host,
        metrics_port=None if metrics_port < 0 else metrics_port,
        standalone=standalone,
        peering=peering,
        peering_mandatory=False,
        priority=priority,
        peering_lifetime=peering_lifetime,
        discovery_interval=discovery_interval,
        prometheus_url=prometheus_url,
        anomaly_interval=anomaly_interval,
        anomaly_history=anomaly_history,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_operator(options, stop=stop)

    try:
        import uvloop  # the operator extra installs it on Linux and macOS

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
