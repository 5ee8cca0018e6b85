"""What the operator is told to do: one frozen value built by the entry point (the CLI or a
test) and passed down.  Must not read the environment or files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

FailurePolicy = Literal["Ignore", "Fail"]
AdmissionEngine = Literal["webhook", "policy", "both"]
"""Who judges Deployments at admission: the webhook (every rule), ValidatingAdmissionPolicies
(the rules CEL can express, evaluated inside the API server), or both (the policies run the
compiled rules, the webhook only the rest)."""
CertificateSource = Literal["self", "cert-manager", "auto"]
"""Who makes the webhook's serving certificate: the operator (``self``), cert-manager, or
``auto``: cert-manager when its ``certificates.cert-manager.io`` API is served, else self."""

DEFAULT_WEBHOOK_CONFIGURATION = "dorgu-validate-deployment"
DEFAULT_CERT_SECRET = "dorgu-webhook-certs"
DEFAULT_PEERING = "dorgu"
DEFAULT_POLICY_NAME = "dorgu-persona"
WEBHOOK_PATH = "/validate-deployment"
FIELD_MANAGER = "dorgu-operator"


WebhookServerKind = Literal["granian", "hypercorn"]
WebhookProcess = Literal["separate", "inline"]
"""Where the webhook runs: a worker process of its own, with its own caches (``separate``), or
the operator's event loop (``inline``)."""


@dataclass(frozen=True)
class OperatorOptions:
    """Every knob of the operator; the defaults suit an in-cluster replica."""

    namespace: str = "dorgu-system"
    """The operator's own namespace (certificates Secret, events, excluded from the webhook)."""
    kubeconfig: Path | None = None
    context: str | None = None

    admission: AdmissionEngine = "webhook"
    policy_name: str = DEFAULT_POLICY_NAME
    """The policies and bindings are ``<policy_name>-deny``, ``-warn`` and ``-audit``."""
    policy_refresh_interval: float = 3600.0
    """Seconds after which the active replica re-applies the policies in any case (it does so
    at once when an exemption on a cached Deployment expires): exemption expiries are judged
    against the time written into them."""
    webhook: bool = True
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 9443
    webhook_url: str | None = None
    """The URL the API server calls; None: ``https://<webhook-host>:<port>/validate-deployment``
    unless ``webhook_service`` is set."""
    webhook_service: str | None = None
    """In-cluster: the Service (in ``namespace``) in front of the replicas, port 443."""
    webhook_dns_names: tuple[str, ...] = ()
    """Extra DNS names for the serving certificate."""
    manage_webhook_configuration: bool = True
    webhook_configuration: str = DEFAULT_WEBHOOK_CONFIGURATION
    failure_policy: FailurePolicy = "Ignore"
    timeout_seconds: int = 5
    webhook_opt_in: bool = False
    """Only namespaces labelled ``dorgu.io/validate=true`` are sent to the webhook."""
    webhook_server: WebhookServerKind = "granian"
    """What serves the webhook's HTTPS: granian (Rust TLS and HTTP/2) or hypercorn (Python)."""
    webhook_process: WebhookProcess = "inline"
    """``separate``: the webhook runs in a worker process with its own caches (``webhook.worker``),
    so admission never waits on the reconciler or its garbage collections."""
    cert_secret: str = DEFAULT_CERT_SECRET
    """The Secret (in ``namespace``) with the serving key pair: written by the operator in
    ``self`` mode, by a cert-manager Certificate (``secretName``) in ``cert-manager`` mode."""
    certificates: CertificateSource = "auto"
    cert_dir: Path | None = None
    """Where the serving key pair is written for the TLS stack (default: a private temp dir)."""
    cert_wait_timeout: float = 300.0
    """cert-manager mode: how long to wait at start for a usable ``cert_secret`` (readiness
    stays false meanwhile) before giving up with an error."""
    cert_poll_interval: float = 10.0
    """cert-manager mode: seconds between reads of ``cert_secret`` (a change is reloaded)."""

    metrics_host: str = "0.0.0.0"
    metrics_port: int | None = 8080
    """None: no metrics/health server."""

    standalone: bool = False
    peering: str = DEFAULT_PEERING
    peering_mandatory: bool = False
    priority: int | None = None
    """Peering priority; None: random, so two replicas never tie (kopf pauses ties)."""
    peering_lifetime: int = 20
    """Seconds a replica's peering heartbeat stays valid: failover takes up to this long."""

    workers: int = 4
    min_reconcile_interval: float = 1.0
    """One persona is reconciled at most once per this many seconds (bursts coalesce)."""
    discovery_interval: float = 300.0
    resync_interval: float = 600.0
    cert_check_interval: float = 3600.0
    """self mode: seconds between checks whether the certificates must be rotated."""
    extra_labels: dict[str, str] = field(default_factory=dict)

    channel_port: int | None = None
    """The live channel's TLS WebSocket port (0: any free port); None: no channel."""
    channel_host: str = "0.0.0.0"
    channel_service: str = "dorgu-channel"
    """The Service in front of the channel: its DNS names go into the channel's certificate."""
    prometheus_url: str | None = None
    """Where the learner reads usage; None: no learning."""
    learn_interval: float = 3600.0
    """Seconds between learning runs (leader only); 0: no learning."""
    learn_window: str = "7d"
    """The history each run learns from (``N[mhdw]``, 1h..400d)."""
    learn_timeout: float = 120.0
    """A chunk of a run (at most 50 workloads) slower than this is abandoned and its personas'
    baselines marked stale."""
    prometheus_timeout: float = 30.0
    """Timeout of one Prometheus query."""
    prometheus_max_queries: int = 10_000
    """Most Prometheus queries one learning run may send."""
    prometheus_cluster: str | None = None
    """Select series whose ``prometheus_cluster_label`` has this value (a shared Prometheus)."""
    prometheus_cluster_label: str = "cluster"
    prometheus_authorization: str | None = field(default=None, repr=False)
    """The ``Authorization`` header for Prometheus (a secret: never in repr or logs), from
    ``prometheus.bearer_token_file`` or basic auth, read once at start."""
    anomaly_interval: float = 30.0
    """Seconds between anomaly ticks, and the step of the series read (the scrape cadence);
    0: no anomaly detection."""
    anomaly_history: float = 172_800.0
    """Seconds of history read at start to rebuild the detectors (and the longest catch-up)."""
    anomaly_timeout: float = 10.0
    """Timeout of one Prometheus query of the anomaly watch (no retries within a tick)."""

    notify_slack_webhook_url: SecretStr | None = None
    """Incident notifications (docs/incidents.md#notifications): a Slack incoming webhook."""
    notify_slack_token: SecretStr | None = None
    """A Slack bot token (``chat.postMessage``/``chat.update``, threads)."""
    notify_slack_channel: str | None = None
    """The channel the bot posts to unless a route or the persona says otherwise."""
    notify_slack_api_url: str | None = None
    """The Slack Web API base (default ``https://slack.com/api``)."""
    notify_teams_webhook_url: SecretStr | None = None
    notify_webhook_url: SecretStr | None = None
    notify_routing_secret: str | None = None
    """A Secret in ``namespace`` whose ``routing.yaml`` routes incidents to targets."""
    incidents: bool = True
    """Detect incidents from the informers and write ``IncidentMemory`` objects."""
    incident_stabilization: float = 300.0
    """Seconds a workload must stay healthy (no signal, every pod Ready) before its incident
    is resolved automatically."""
    incident_retention: float = 720 * 3600.0
    """Seconds resolved incidents are kept before they are deleted (``spec.retention`` wins)."""
    incident_batch_interval: float = 1.0
    """Seconds between batches of informer changes correlated into incidents."""
    incident_update_interval: float = 10.0
    """An open incident is rewritten at most once per this many seconds (storms stay bounded)."""
    alertmanager_receiver: bool = False
    """Serve ``POST /alertmanager`` (Alertmanager's webhook) for the incident pipeline: on the
    metrics server, or on ``alertmanager_listen`` when that is set."""
    alertmanager_listen: tuple[str, int] | None = None
    """``(host, port)`` of a plain-HTTP server of the receiver's own; None: the metrics server."""
    alertmanager_token: str | None = field(default=None, repr=False)
    """The shared secret every request must carry (bearer token, or the basic-auth password)."""
    alertmanager_max_body: int = 1024 * 1024
    """Largest request body accepted (bytes); larger ones get 413."""
