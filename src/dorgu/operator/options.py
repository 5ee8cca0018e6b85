"""What the operator is told to do: one frozen value built by the entry point (the CLI or a
test) and passed down.  Must not read the environment or files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FailurePolicy = Literal["Ignore", "Fail"]

DEFAULT_WEBHOOK_CONFIGURATION = "dorgu-validate-deployment"
DEFAULT_CERT_SECRET = "dorgu-webhook-certs"
DEFAULT_PEERING = "dorgu"
WEBHOOK_PATH = "/validate-deployment"
FIELD_MANAGER = "dorgu-operator"


@dataclass(frozen=True)
class OperatorOptions:
    """Every knob of the operator; the defaults suit an in-cluster replica."""

    namespace: str = "dorgu-system"
    """The operator's own namespace (certificates Secret, events, excluded from the webhook)."""
    kubeconfig: Path | None = None
    context: str | None = None

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
    cert_secret: str = DEFAULT_CERT_SECRET
    cert_dir: Path | None = None
    """Where the serving key pair is written for the TLS stack (default: a private temp dir)."""

    metrics_host: str = "0.0.0.0"
    metrics_port: int | None = 8080
    """None: no metrics/health server."""

    standalone: bool = False
    peering: str = DEFAULT_PEERING
    peering_mandatory: bool = False
    priority: int | None = None
    """Peering priority; None: random, so two replicas never tie (kopf pauses ties)."""
    peering_lifetime: int = 20

    workers: int = 4
    discovery_interval: float = 300.0
    resync_interval: float = 600.0
    cert_check_interval: float = 3600.0
    extra_labels: dict[str, str] = field(default_factory=dict)
