"""Kubernetes Events about personas (``kubectl describe persona`` shows them).

Posted directly (kopf's own posting is off): one ``core/v1`` Event per transition, never per
reconcile.  Must not raise: a failed post is logged and counted, never retried.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from dorgu.operator.api import EVENTS, Api, ApiFailure
from dorgu.operator.metrics import Metrics

logger = logging.getLogger(__name__)
COMPONENT = "dorgu-operator"


@dataclass(frozen=True)
class Subject:
    """The object an Event is about."""

    kind: str
    name: str
    namespace: str | None
    uid: str | None = None
    api_version: str = "dorgu.io/v1"


class EventPoster:
    def __init__(self, *, api: Api, metrics: Metrics, instance: str, fallback_namespace: str):
        self.api = api
        self.metrics = metrics
        self.instance = instance
        self.fallback_namespace = fallback_namespace

    async def post(self, subject: Subject, *, type: str, reason: str, message: str) -> None:
        namespace = subject.namespace or self.fallback_namespace
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        involved: dict[str, object] = {
            "apiVersion": subject.api_version,
            "kind": subject.kind,
            "name": subject.name,
        }
        if subject.namespace:
            involved["namespace"] = subject.namespace
        if subject.uid:
            involved["uid"] = subject.uid
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{subject.name}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
            "involvedObject": involved,
            "type": type,
            "reason": reason,
            "message": message[:1024],
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self.instance[:128],
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        try:
            await self.api.create(EVENTS, body, namespace=namespace)
            self.metrics.events.inc(reason=reason)
        except ApiFailure as error:
            logger.warning(
                "could not post Event %s on %s/%s: %s", reason, namespace, subject.name, error
            )
