"""The webhook's serving certificate from its source, and the configuration kept in step.

``TlsProvisioner`` picks the source (``--certificates``: ``self``, ``cert-manager``, or
``auto``: cert-manager when its API is served), loads the first key pair into the TLS context
(cert-manager: waiting, bounded, for the Secret; the replica is not ready meanwhile), applies
the ValidatingWebhookConfiguration, and on every ``refresh``:

- ``self``: rotates the certificates in the Secret when due (``certificates``), reloads them
  and re-applies the configuration with the new caBundle;
- ``cert-manager``: reads the Secret; when it changed, re-applies the configuration (no key
  material in it: only the ``inject-ca-from`` annotation) and then reloads the TLS context.
  It never writes the Secret and never sets caBundle (cainjector does).

Must not write the Secret in cert-manager mode, nor touch any other Secret or configuration.
"""

from __future__ import annotations

import logging
import ssl
from datetime import UTC, datetime

from dorgu.operator.api import Api
from dorgu.operator.metrics import Metrics
from dorgu.operator.options import FIELD_MANAGER, OperatorOptions
from dorgu.operator.webhook.certificates import Certificates, TlsFiles, ensure_certificates
from dorgu.operator.webhook.certmanager import (
    SecretSource,
    ServingSecret,
    Source,
    cert_manager_served,
    choose_source,
    inject_ca_from,
)
from dorgu.operator.webhook.configuring import (
    apply_webhook_configuration,
    ca_bundle_owned_by,
    read_webhook_configuration,
    webhook_configuration,
)

logger = logging.getLogger(__name__)


class TlsProvisioner:
    """One replica's serving certificate and webhook configuration."""

    def __init__(
        self, *, api: Api, options: OperatorOptions, metrics: Metrics, hosts: tuple[str, ...]
    ) -> None:
        self.api, self.options, self.metrics, self.hosts = api, options, metrics, hosts
        self.tls = TlsFiles(options.cert_dir)
        self.secret = SecretSource(api=api, namespace=options.namespace, name=options.cert_secret)
        self.source: Source = "self"
        self.certs: Certificates | None = None
        self.serving: ServingSecret | None = None
        self.url: str | None = None

    @property
    def interval(self) -> float:
        """Seconds between ``refresh`` calls."""
        if self.source == "cert-manager":
            return self.options.cert_poll_interval
        return self.options.cert_check_interval

    async def start(self) -> ssl.SSLContext:
        """The TLS context with the first key pair (cert-manager: once the Secret is usable,
        else a ``ClusterError`` after ``cert_wait_timeout``)."""
        requested = self.options.certificates
        served = requested == "auto" and await cert_manager_served(self.api)
        self.source = choose_source(requested, cert_manager_served=served)
        logger.info("webhook certificates from %s (--certificates %s)", self.source, requested)
        if self.source == "cert-manager":
            self.serving = await self.secret.wait(timeout=self.options.cert_wait_timeout,
                                                  interval=min(2.0, self.interval))  # fmt: skip
            self.tls.load(self.serving)
        else:
            self.certs, reason = await self._ensure()
            if reason:
                logger.info("webhook certificates renewed (%s)", reason)
            self.tls.load(self.certs)
        self.metrics.certificate_loads.inc(source=self.source)
        return self.tls.context

    async def configure(self, *, url: str | None) -> None:
        """Apply the webhook configuration (unless it is not ours to manage)."""
        self.url = url
        if not self.options.manage_webhook_configuration:
            return
        annotations: dict[str, str] | None = None
        if self.serving is not None:
            annotations = inject_ca_from(self.options.namespace, self.serving.certificate)
            # cainjector owns caBundle: leave it out, except one this manager still owns from a
            # self-managed run, re-applied unchanged until cainjector's write takes it over
            existing = await read_webhook_configuration(self.api, self.options.webhook_configuration)  # fmt: skip
            bundle = ca_bundle_owned_by(existing, FIELD_MANAGER)
        else:
            assert self.certs is not None
            bundle = self.certs.bundle(datetime.now(UTC))
        options = self.options
        manifest = webhook_configuration(
            name=options.webhook_configuration, ca_bundle=bundle, operator_namespace=options.namespace,
            url=url, service=options.webhook_service, failure_policy=options.failure_policy,
            timeout_seconds=options.timeout_seconds, opt_in=options.webhook_opt_in,
            annotations=annotations,
        )  # fmt: skip
        await apply_webhook_configuration(self.api, manifest)
        if self.serving is None:
            self.metrics.certificate_writes.inc(target="ca-bundle")
        logger.info("webhook configuration %s applied (%s)", options.webhook_configuration,
                    "caBundle by cert-manager" if self.serving else "caBundle by dorgu")  # fmt: skip

    async def refresh(self) -> None:
        """Rotate (self) or pick up a changed Secret (cert-manager), reloading what changed."""
        if self.serving is not None:
            fresh = await self.secret.changed(self.serving)
            if fresh is None:
                return
            logger.info("webhook certificate changed in the Secret %s/%s: reloading",
                        self.options.namespace, self.options.cert_secret)  # fmt: skip
            self.serving = fresh
            await self.configure(url=self.url)  # first: once the new key is served, it is current
            self.tls.load(fresh)
        else:
            fresh_certs, why = await self._ensure()
            if fresh_certs == self.certs:
                return
            logger.info("webhook certificates rotated (%s)", why or "changed by another replica")
            self.certs = fresh_certs
            self.tls.load(fresh_certs)
            await self.configure(url=self.url)
        self.metrics.certificate_loads.inc(source=self.source)

    async def _ensure(self) -> tuple[Certificates, str | None]:
        certs, reason = await ensure_certificates(
            self.api, namespace=self.options.namespace, secret=self.options.cert_secret,
            hosts=self.hosts, now=datetime.now(UTC),
        )  # fmt: skip
        if reason:  # the Secret was written
            self.metrics.certificate_writes.inc(target="secret")
        return certs, reason
