"""``dorgu operator run``: run the dorgu operator (reconciler, webhook, discovery, metrics)
locally against the current kubeconfig, or in a cluster."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

if TYPE_CHECKING:
    from pydantic import SecretStr

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


def _webhook_server(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from dorgu.errors import UsageError

    if value not in ("granian", "hypercorn"):
        raise UsageError(f"--webhook-server: expected granian or hypercorn, got {value!r}",
                         hint="granian (the default) serves TLS and HTTP/2 from Rust; hypercorn "
                         "is pure Python")  # fmt: skip
    return value


def _webhook_process(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from dorgu.errors import UsageError

    if value not in ("separate", "inline"):
        raise UsageError(f"--webhook-process: expected separate or inline, got {value!r}",
                         hint="separate runs the webhook in a worker process of its own")  # fmt: skip
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


def _window(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from dorgu.errors import UsageError
    from dorgu.services.recommending import parse_window

    try:
        parse_window(value)
    except UsageError as error:
        raise UsageError(f"--learn-window: expected a duration from 1h to 400d, got {value!r}",
                         hint="for example 7d, 36h or 2w") from error  # fmt: skip
    return value


def _interval(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from dorgu.errors import UsageError

    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(f"--learn-interval: expected seconds >= 0, got {value!r}",
                         hint="0 turns learning off")  # fmt: skip
    return seconds


def _prometheus(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return _checked_url(value)


def _checked_url(value: str | None) -> str | None:
    if not value:
        return None
    from dorgu.clients.prometheus import check_url
    from dorgu.errors import UsageError

    try:
        return check_url(value)
    except UsageError as error:
        raise UsageError(f"--prometheus-url: {error.message}", hint=error.hint) from error


def _notify_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return _check_notify_url(value, f"--{(param.name or '').replace('_', '-')}")


def _check_notify_url(value: str | None, where: str) -> str | None:
    """A notification URL: http(s) only; the value is never echoed (it is a credential)."""
    from dorgu.errors import UsageError

    if value is None or value == "":
        return None
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise UsageError(f"{where}: expected an http(s) URL (value not shown: it is a secret)",
                         hint="copy the webhook URL from Slack or the Teams workflow")  # fmt: skip
    return value


def _anomaly_history(ctx: click.Context, param: click.Parameter, value: str) -> float:
    import re

    from dorgu.errors import UsageError

    match = re.fullmatch(r"([1-9][0-9]{0,3})([hd])", value.strip())
    hours = int(match.group(1)) * (24 if match.group(2) == "d" else 1) if match else 0
    if not 1 <= hours <= 7 * 24:
        raise UsageError(f"--anomaly-history: expected a duration from 1h to 7d, got {value!r}",
                         hint="for example 2d or 36h (a day or more keeps the daily view)")  # fmt: skip
    return hours * 3600.0


def _incident_duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from dorgu.errors import UsageError
    from dorgu.learning.incidents.retention import parse_duration

    flag = "--" + (param.name or "").replace("_", "-")
    try:
        seconds = parse_duration(value.strip()).total_seconds()
    except ValueError:
        seconds = -1.0
    low = 1.0 if param.name == "incident_stabilization" else 60.0
    if not low <= seconds <= 10 * 365 * 86400:
        raise UsageError(f"{flag}: expected a duration of at least {low:g}s, got {value!r}",
                         hint="a Go duration, for example 5m, 90s or 720h")  # fmt: skip
    return seconds


def _listen(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, int] | None:
    from dorgu.errors import UsageError

    if not value:
        return None
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--alertmanager-listen: expected HOST:PORT, got {value!r}",
                         hint="for example 0.0.0.0:9094; port 0 picks a free one")  # fmt: skip
    return host, int(port)


def _token(token_file: Path | None, env_token: str | None) -> str | None:
    """The receiver's shared secret: the file's content (trimmed) wins over the env value."""
    from dorgu.errors import UsageError

    if token_file is None:
        return (env_token or "").strip() or None
    try:
        found = token_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise UsageError(f"--alertmanager-token-file: cannot read {token_file}: {reason}",
                         hint="mount the Secret holding the token there") from error  # fmt: skip
    if not found:
        raise UsageError(f"--alertmanager-token-file: {token_file} is empty",
                         hint="write the shared token into it")  # fmt: skip
    return found


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
@click.option(
    "--admission",
    type=click.Choice(["webhook", "policy", "both"]),
    default="webhook",
    show_default=True,
    help="Who judges Deployments: the webhook (every rule), ValidatingAdmissionPolicies the "
    "API server evaluates in-process (the rules CEL can express; Kubernetes >= 1.30), or both "
    "(policies for those rules, the webhook for the rest).",
)
@click.option(
    "--policy-name",
    default="dorgu-persona",
    show_default=True,
    help="Prefix of the admission policies and bindings (<name>-deny, -warn, -audit).",
)
@click.option(
    "--policy-refresh",
    default=3600.0,
    show_default=True,
    type=click.FloatRange(1, 86400),
    metavar="SECONDS",
    help="Seconds after which the active replica re-applies the policies in any case (their "
    "clock for exemption expiries; an exemption expiring on a known Deployment re-applies them "
    "at once).",
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
    "--webhook-server",
    default="granian",
    show_default=True,
    metavar="[granian|hypercorn]",
    callback=_webhook_server,
    help="What serves the webhook's HTTPS: granian (TLS and HTTP/2 in Rust, the fast one) or "
    "hypercorn (pure Python).",
)
@click.option(
    "--webhook-process",
    default="inline",
    show_default=True,
    metavar="[separate|inline]",
    callback=_webhook_process,
    help="Where the webhook runs: in a worker process of its own with its own caches "
    "(separate: admission never waits on the reconciler) or in the operator's event loop.",
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
    "--channel-port",
    default=-1,
    show_default=True,
    type=click.IntRange(-1, 65535),
    help="Port of the live channel for dorgu watch (TLS WebSocket; -1: off, 0: any free port).",
)
@click.option(
    "--channel-host", default="0.0.0.0", show_default=True, help="Address of the live channel."
)
@click.option("--channel-service", default="dorgu-channel", show_default=True,
              help="The Service in front of the channel (its DNS names are in the certificate).")  # fmt: skip
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
    callback=_prometheus,
    help="Prometheus the learner and the anomaly watch read from (env DORGU_PROMETHEUS_URL); "
    "unset: no learning, no anomaly detection.",
)
@click.option(
    "--learn-interval",
    default="3600",
    callback=_interval,
    show_default=True,
    help="Seconds between learning runs of the persona baselines (0: off).",
)
@click.option(
    "--learn-window",
    default="7d",
    show_default=True,
    callback=_window,
    help="History the baselines are learned from (1h..400d, e.g. 7d, 36h).",
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
@click.option(
    "--notify-slack-webhook-url",
    callback=_notify_url,
    metavar="URL",
    help="Slack incoming webhook for incident notifications (secret: prefer the env "
    "DORGU_NOTIFY_SLACK_WEBHOOK_URL).",
)
@click.option(
    "--notify-slack-token",
    metavar="TOKEN",
    help="Slack bot token (xoxb-...) for threads (secret: prefer DORGU_NOTIFY_SLACK_TOKEN).",
)
@click.option(
    "--notify-slack-channel",
    metavar="CHANNEL",
    help="Channel the bot posts to (env DORGU_NOTIFY_SLACK_CHANNEL).",
)
@click.option(
    "--notify-teams-webhook-url",
    callback=_notify_url,
    metavar="URL",
    help="Teams Workflows webhook (secret: prefer DORGU_NOTIFY_TEAMS_WEBHOOK_URL).",
)
@click.option(
    "--notify-webhook-url",
    callback=_notify_url,
    metavar="URL",
    help="Webhook receiving dorgu's JSON incident events (secret: prefer DORGU_NOTIFY_WEBHOOK_URL).",
)
@click.option(
    "--notify-routing-secret",
    metavar="NAME",
    help="Secret (in --namespace) whose routing.yaml routes incidents to targets "
    "(env DORGU_NOTIFY_ROUTING_SECRET).",
)
@click.option(
    "--incidents/--no-incidents",
    default=True,
    show_default=True,
    help="Detect incidents (crash loops, OOM kills, failed rollouts, NotReady nodes, ...) "
    "and record them as IncidentMemory objects.",
)
@click.option(
    "--incident-stabilization",
    default="5m",
    show_default=True,
    metavar="DURATION",
    callback=_incident_duration,
    help="How long a workload must stay healthy (no signal, every pod Ready) before its "
    "incident is resolved automatically.",
)
@click.option(
    "--incident-retention",
    default="720h",
    show_default=True,
    metavar="DURATION",
    callback=_incident_duration,
    help="How long resolved incidents are kept before they are deleted (at least 1m).",
)
@click.option(
    "--alertmanager-receiver",
    is_flag=True,
    help="Serve POST /alertmanager on the metrics server for Alertmanager's webhook "
    "(incident input); needs a token.",
)
@click.option(
    "--alertmanager-listen",
    metavar="HOST:PORT",
    callback=_listen,
    help="Serve the Alertmanager receiver on a server of its own (implies "
    "--alertmanager-receiver).",
)
@click.option(
    "--alertmanager-token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File with the token Alertmanager must send (bearer, or basic-auth password); else "
    "env DORGU_ALERTMANAGER_TOKEN.",
)
@click.option(
    "--alertmanager-max-body",
    default=1024 * 1024,
    show_default=True,
    type=click.IntRange(1024, 64 * 1024 * 1024),
    metavar="BYTES",
    help="Largest Alertmanager request accepted (larger: 413).",
)
def run(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    webhook_host: str,
    webhook_port: int,
    webhook_url: str | None,
    webhook_service: str | None,
    admission: str,
    policy_name: str,
    policy_refresh: float,
    no_webhook: bool,
    no_webhook_configuration: bool,
    webhook_configuration: str,
    failure_policy: str,
    opt_in: bool,
    webhook_server: str,
    webhook_process: str,
    cert_secret: str,
    certificates: str,
    metrics_host: str,
    metrics_port: int,
    channel_port: int,
    channel_host: str,
    channel_service: str,
    peering: str,
    standalone: bool,
    priority: int | None,
    peering_lifetime: int,
    discovery_interval: float,
    prometheus_url: str | None,
    learn_interval: float,
    learn_window: str,
    anomaly_interval: float,
    anomaly_history: float,
    notify_slack_webhook_url: str | None,
    notify_slack_token: str | None,
    notify_slack_channel: str | None,
    notify_teams_webhook_url: str | None,
    notify_webhook_url: str | None,
    notify_routing_secret: str | None,
    incidents: bool,
    incident_stabilization: float,
    incident_retention: float,
    alertmanager_receiver: bool,
    alertmanager_listen: tuple[str, int] | None,
    alertmanager_token_file: Path | None,
    alertmanager_max_body: int,
) -> None:
    """Run the operator until interrupted (SIGINT/SIGTERM stop it gracefully)."""
    from dorgu.cli.extras import require

    require("operator")
    chosen = click.get_current_context().meta.get(_META, {})
    kubeconfig = kubeconfig or chosen.get("kubeconfig")
    context = context or chosen.get("context")
    import os

    from dorgu.operator.options import AdmissionEngine, CertificateSource, OperatorOptions
    from dorgu.operator.running import run_operator
    from dorgu.services.configuring import load_settings
    from dorgu.services.recommending import authorization

    settings = load_settings(Path("."), app_file=False).settings
    prometheus, notify = settings.prometheus, settings.notify
    receiver = alertmanager_receiver or alertmanager_listen is not None
    token = _token(alertmanager_token_file, os.environ.get("DORGU_ALERTMANAGER_TOKEN"))
    prometheus_url = prometheus_url or _checked_url(prometheus.url)  # flag/env, else the files
    options = OperatorOptions(
        namespace=namespace,
        kubeconfig=kubeconfig,
        context=context,
        admission=cast("AdmissionEngine", admission),  # checked by click.Choice
        policy_name=policy_name,
        policy_refresh_interval=policy_refresh,
        webhook=not no_webhook,
        webhook_host=webhook_host,
        webhook_port=webhook_port,
        webhook_url=webhook_url,
        webhook_service=webhook_service,
        manage_webhook_configuration=not no_webhook_configuration,
        webhook_configuration=webhook_configuration,
        failure_policy="Fail" if failure_policy == "Fail" else "Ignore",
        webhook_opt_in=opt_in,
        webhook_server="hypercorn" if webhook_server == "hypercorn" else "granian",
        webhook_process="separate" if webhook_process == "separate" else "inline",
        cert_secret=cert_secret,
        certificates=cast("CertificateSource", certificates),  # checked by _certificates
        metrics_host=metrics_host,
        metrics_port=None if metrics_port < 0 else metrics_port,
        channel_port=None if channel_port < 0 else channel_port,
        channel_host=channel_host,
        channel_service=channel_service,
        standalone=standalone,
        peering=peering,
        peering_mandatory=False,
        priority=priority,
        peering_lifetime=peering_lifetime,
        discovery_interval=discovery_interval,
        prometheus_url=prometheus_url or None,
        prometheus_timeout=prometheus.timeout_seconds,
        prometheus_max_queries=prometheus.max_queries,
        prometheus_cluster=prometheus.cluster,
        prometheus_cluster_label=prometheus.cluster_label,
        prometheus_authorization=authorization(settings) if prometheus_url else None,
        learn_interval=learn_interval,
        learn_window=learn_window,
        anomaly_interval=anomaly_interval,
        anomaly_history=anomaly_history,
        notify_slack_webhook_url=_secret(notify_slack_webhook_url, notify.slack_webhook_url,
                                         "--notify-slack-webhook-url"),
        notify_slack_token=_secret(notify_slack_token, notify.slack_token, None),
        notify_slack_channel=notify_slack_channel or notify.slack_channel,
        notify_slack_api_url=notify.slack_api_url,
        notify_teams_webhook_url=_secret(notify_teams_webhook_url, notify.teams_webhook_url,
                                         "--notify-teams-webhook-url"),
        notify_webhook_url=_secret(notify_webhook_url, notify.webhook_url, "--notify-webhook-url"),
        notify_routing_secret=notify_routing_secret or notify.routing_secret,
        incidents=incidents,
        incident_stabilization=incident_stabilization,
        incident_retention=incident_retention,
        alertmanager_receiver=receiver,
        alertmanager_listen=alertmanager_listen,
        alertmanager_token=token if receiver else None,
        alertmanager_max_body=alertmanager_max_body,
    )  # fmt: skip

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


def _secret(flag: str | None, setting: SecretStr | None, url_flag: str | None) -> SecretStr | None:
    """Flag > env/files (the settings tree); URLs checked without echoing them."""
    from pydantic import SecretStr

    value = flag or (setting.get_secret_value() if setting is not None else None)
    if not value:
        return None
    if url_flag is not None and not flag:
        env = "DORGU_NOTIFY_" + url_flag.removeprefix("--notify-").replace("-", "_").upper()
        _check_notify_url(value, f"{env} (or the notify settings)")
    return SecretStr(value)
