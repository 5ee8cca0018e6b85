"""Building the incident notifier at operator start: the routing config from its Secret (read
once; a change needs a restart), the targets from the options, the persona ownership from the
informer cache and the previous episode of a recurrence from the API.  A Secret that is missing,
unreadable or invalid stops the start with a one-line ``ConfigError``; no target at all means no
notifier.  Nothing here logs a URL or a token."""

from __future__ import annotations

import base64
import binascii
import logging

from dorgu.clients.notify import HttpxTransport
from dorgu.errors import ConfigError
from dorgu.models.incidents import IncidentMemory, PersonaRef
from dorgu.models.personas_spec import Ownership
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.options import OperatorOptions
from dorgu.operator.watching import ClusterView
from dorgu.services.notifying import IncidentNotifier, build_setup

logger = logging.getLogger(__name__)

ROUTING_KEY = "routing.yaml"
_INCIDENTS = kinds.Kind("dorgu.io", "v1", "incidentmemories")


async def read_routing(api: Api, *, namespace: str, name: str) -> str:
    """The ``routing.yaml`` of the Secret ``namespace/name``."""
    where = f"Secret {namespace}/{name}"
    try:
        secret = await api.get(kinds.SECRETS, name, namespace=namespace)
    except ApiFailure as error:
        if error.code == 404:
            raise ConfigError(f"notification routing: {where} not found",
                              hint="create it (docs/incidents.md#notifications) or unset "
                              "--notify-routing-secret") from None  # fmt: skip
        if error.code == 403:
            raise ConfigError(f"notification routing: may not read {where}",
                              hint="grant the operator get on it (the chart's "
                              "notifications.routingSecret does)") from None  # fmt: skip
        raise ConfigError(f"notification routing: reading {where} failed ({error.code})") from None
    data = secret.get("data")
    encoded = data.get(ROUTING_KEY) if isinstance(data, dict) else None
    if not isinstance(encoded, str):
        raise ConfigError(f"notification routing: {where} has no key {ROUTING_KEY}",
                          hint=f"kubectl create secret generic {name} "
                          f"--from-file={ROUTING_KEY}=...")  # fmt: skip
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ConfigError(
            f"notification routing: {where} key {ROUTING_KEY} is not UTF-8 text"
        ) from error


def persona_ownership(view: ClusterView, ref: PersonaRef) -> Ownership | None:
    entry = view.personas.get((ref.namespace or "", ref.name))
    return entry.spec.ownership if entry is not None and entry.spec is not None else None


async def build_notifier(
    options: OperatorOptions, *, api: Api, view: ClusterView
) -> IncidentNotifier | None:
    text = None
    source = "routing"
    if options.notify_routing_secret:
        source = f"Secret {options.namespace}/{options.notify_routing_secret} {ROUTING_KEY}"
        text = await read_routing(
            api, namespace=options.namespace, name=options.notify_routing_secret
        )
    setup = build_setup(
        slack_webhook_url=options.notify_slack_webhook_url,
        slack_token=options.notify_slack_token,
        slack_channel=options.notify_slack_channel,
        teams_webhook_url=options.notify_teams_webhook_url,
        webhook_url=options.notify_webhook_url,
        slack_api_url=options.notify_slack_api_url,
        routing_text=text,
        routing_source=source,
    )
    if setup is None:
        logger.info("incident notifications: no target configured")
        return None

    async def episode(namespace: str, name: str) -> IncidentMemory | None:
        try:
            obj = await api.get(_INCIDENTS, name, namespace=namespace)
        except ApiFailure as error:
            if error.code == 404:
                return None
            raise
        return IncidentMemory.model_validate(obj)

    logger.info("incident notifications to %d target(s): %s", len(setup.targets),
                ", ".join(sorted(setup.targets)) or "persona channels")  # fmt: skip
    return IncidentNotifier(setup=setup, transport=HttpxTransport(),
                            personas=lambda ref: persona_ownership(view, ref), episodes=episode)  # fmt: skip
