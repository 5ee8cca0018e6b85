"""Incident notifications (layer 3): ``IncidentNotifier`` is a change listener of the incident
pipeline, ``async (previous, written) -> IncidentMemory | None``.  For each target the routing
picks it decides what is owed (``dorgu.learning.notifications``), builds the payload
(``dorgu.generation.notifications``, free text redacted), sends it through a
``NotifyTransport`` and returns the incident with its new ``status.notifications`` (None when
nothing changed) for the pipeline to write.  Delivery state lives in the incident, so a
restarted operator (which calls the listener once per open incident) neither repeats a message
nor forgets an owed one.

Never blocks for long and never raises for a failed delivery: sends to the targets run
concurrently, each bounded by ``send_timeout``; Retry-After and backoff are recorded as
``nextAttempt`` (nothing sleeps), and ``run`` retries what is due, writing through ``persist``.
URLs and tokens are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from dorgu.clients.notify import DEFAULT_SLACK_API, NotifyTransport, Outcome, interpret
from dorgu.generation.notifications import (
    Event,
    slack_post_payload,
    slack_update_payload,
    slack_webhook_payload,
    summarize,
    teams_payload,
    webhook_payload,
)
from dorgu.learning.notifications import (
    REOPEN_WINDOW,
    Action,
    Plan,
    RoutedTarget,
    TokenBucket,
    decide,
    env_targets,
    parse_routing,
    record_failure,
    record_success,
    route,
)
from dorgu.learning.notifications.routing import resolve_targets
from dorgu.llm.redacting import redact_text
from dorgu.models.incidents import (
    IncidentMemory,
    IncidentMemoryStatus,
    IncidentPhase,
    PersonaKind,
    PersonaRef,
)
from dorgu.models.notifications import (
    MAX_NOTIFICATIONS,
    NotificationState,
    RoutingConfig,
    Target,
    TargetKind,
)
from dorgu.models.personas_spec import Ownership

logger = logging.getLogger(__name__)

PersonaLookup = Callable[[PersonaRef], Ownership | None]
"""The ownership of the persona an incident belongs to (None: unknown)."""
EpisodeLookup = Callable[[str, str], Awaitable[IncidentMemory | None]]
"""``(namespace, name)`` -> that incident (the previous episode of a recurrence), or None."""
Persist = Callable[[IncidentMemory], Awaitable[object]]
"""Writes ``status.notifications`` of the given incident (only that field)."""

_EVENTS = {
    Action.OPEN: Event.OPENED,
    Action.RECUR: Event.RECURRED,
    Action.UPDATE: Event.UPDATED,
    Action.RESOLVE: Event.RESOLVED,
}


@dataclass(frozen=True)
class NotifySetup:
    """Everything the notifier is configured with (secrets as ``SecretStr``)."""

    routing: RoutingConfig
    targets: Mapping[str, Target]
    slack_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API

    def __repr__(self) -> str:  # never the URLs, even by accident
        return f"NotifySetup(targets={sorted(self.targets)})"


def build_setup(
    *,
    slack_webhook_url: SecretStr | None = None,
    slack_token: SecretStr | None = None,
    slack_channel: str | None = None,
    teams_webhook_url: SecretStr | None = None,
    webhook_url: SecretStr | None = None,
    routing_text: str | None = None,
    routing_source: str = "routing",
    slack_api_url: str | None = None,
) -> NotifySetup | None:
    """The setup from flags/env and the routing Secret's text; None when no target is
    configured at all (no notifications).  A bad routing config raises ``ConfigError``."""

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    has_token = bool(secret(slack_token))
    env = env_targets(slack_webhook_url=secret(slack_webhook_url), slack_channel=slack_channel,
                      slack_token=has_token, teams_webhook_url=secret(teams_webhook_url),
                      webhook_url=secret(webhook_url))  # fmt: skip
    routing = (
        parse_routing(routing_text, source=routing_source) if routing_text else RoutingConfig()
    )
    targets = resolve_targets(routing, env, slack_token=has_token, source=routing_source)
    if not targets and not (has_token and routing.persona_channels):
        return None
    return NotifySetup(routing=routing, targets=targets, slack_token=slack_token if has_token else None,
                       slack_api_url=(slack_api_url or DEFAULT_SLACK_API).rstrip("/"))  # fmt: skip


def _key(incident: IncidentMemory) -> tuple[str, str]:
    return incident.metadata.namespace or "", incident.metadata.name or ""


@dataclass
class _Memory:
    """The latest known delivery states of each fingerprint's newest episode."""

    by_fingerprint: dict[str, tuple[str, tuple[NotificationState, ...]]] = field(
        default_factory=dict
    )
    limit: int = 4096

    def remember(
        self, fingerprint: str, name: str, states: Sequence[NotificationState], *, now: datetime
    ) -> None:
        self.by_fingerprint[fingerprint] = (name, tuple(states))
        if len(self.by_fingerprint) > self.limit:  # forget threads too old to be continued
            self.by_fingerprint = {
                f: (n, kept) for f, (n, kept) in self.by_fingerprint.items()
                if any(s.opened_at and now - s.opened_at < REOPEN_WINDOW for s in kept)
            }  # fmt: skip
            while len(self.by_fingerprint) > self.limit:
                self.by_fingerprint.pop(next(iter(self.by_fingerprint)))


class IncidentNotifier:
    def __init__(
        self,
        *,
        setup: NotifySetup,
        transport: NotifyTransport,
        personas: PersonaLookup | None = None,
        episodes: EpisodeLookup | None = None,
        redact: Callable[[str], str] = redact_text,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
        send_timeout: float = 10.0,
    ) -> None:
        self.setup, self.transport = setup, transport
        self.personas, self.episodes = personas, episodes
        self.redact, self.clock, self.jitter = redact, clock, jitter
        self.send_timeout = send_timeout
        self._buckets: dict[str, TokenBucket] = {}
        self._pending: dict[tuple[str, str], IncidentMemory] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._memory = _Memory()
        self.sent = 0
        self.failed = 0

    async def __call__(
        self, previous: IncidentMemory | None, written: IncidentMemory
    ) -> IncidentMemory | None:
        """The listener: never raises (a notification problem must not break the pipeline)."""
        try:
            return await self.notify(written)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug here must not stop incident handling
            logger.warning("notifying %s/%s failed: %s", *_key(written), type(error).__name__)
            return None

    async def notify(self, incident: IncidentMemory) -> IncidentMemory | None:
        key = _key(incident)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            updated = await self._notify(incident)
        latest = updated or incident
        status = latest.status or IncidentMemoryStatus()
        if any(s.next_attempt is not None for s in status.notifications):
            self._pending[key] = latest
        else:
            self._pending.pop(key, None)
            if status.phase is IncidentPhase.RESOLVED:
                self._locks.pop(key, None)
        if incident.spec.fingerprint:
            self._memory.remember(incident.spec.fingerprint, key[1], status.notifications,
                                  now=self.clock())  # fmt: skip
        return updated

    async def _notify(self, incident: IncidentMemory) -> IncidentMemory | None:
        now = self.clock()
        ownership = self._ownership(incident)
        routed = route(self.setup.routing, self.setup.targets, facts=self._facts(incident, ownership),
                       persona_channel=ownership.channel if ownership else None,
                       slack_token=self.setup.slack_token is not None)  # fmt: skip
        status = incident.status or IncidentMemoryStatus()
        states = {state.target: state for state in status.notifications}
        earlier_name, earlier = await self._earlier(incident, routed, states)
        plans: list[tuple[RoutedTarget, Plan]] = []
        for routed_target in routed:
            target = routed_target.target
            bucket = self._buckets.get(target.name) or TokenBucket.full(
                capacity=self.setup.routing.rate_limit.burst,
                per_minute=self.setup.routing.rate_limit.per_minute, now=now,
            )  # fmt: skip
            plan, taken = decide(incident, states.get(target.name), target=target, now=now,
                                  earlier=earlier.get(target.name), earlier_name=earlier_name,
                                  quiet=routed_target.quiet_hours, bucket=bucket)  # fmt: skip
            if taken is not None:
                self._buckets[target.name] = taken
            if plan.action is Action.WAIT and plan.reason in ("quiet hours", "rate limit"):
                logger.info("notification of %s/%s to %s waits (%s)", *_key(incident),
                            target.name, plan.reason)  # fmt: skip
            plans.append((routed_target, plan))
        runbook = ownership.runbook if ownership else None
        results = await asyncio.gather(
            *(self._deliver(incident, r.target, plan, now, runbook) for r, plan in plans)
        )
        new_states = list(results)
        chosen = {state.target for state in new_states}
        new_states += [s for s in status.notifications if s.target not in chosen]
        new_states = new_states[:MAX_NOTIFICATIONS]
        if new_states == list(status.notifications):
            return None
        return incident.model_copy(
            update={"status": status.model_copy(update={"notifications": new_states})}
        )

    def _ownership(self, incident: IncidentMemory) -> Ownership | None:
        ref = incident.spec.persona_ref
        if ref is None or ref.kind is not PersonaKind.APPLICATION or self.personas is None:
            return None
        if ref.namespace is None:  # an ApplicationPersona lives in the incident's namespace
            ref = ref.model_copy(update={"namespace": incident.metadata.namespace})
        try:
            return self.personas(ref)
        except Exception as error:
            logger.warning("persona lookup for %s failed: %s", ref.name, type(error).__name__)
            return None

    @staticmethod
    def _facts(incident: IncidentMemory, ownership: Ownership | None) -> dict[str, str | None]:
        ref = incident.spec.persona_ref
        persona = ref.name if ref is not None and ref.kind is PersonaKind.APPLICATION else None
        return {
            "namespace": incident.metadata.namespace,
            "persona": persona,
            "team": ownership.team if ownership else None,
            "severity": incident.spec.severity.value,
            "category": incident.spec.category.value,
        }

    async def _earlier(
        self,
        incident: IncidentMemory,
        routed: list[RoutedTarget],
        states: Mapping[str, NotificationState],
    ) -> tuple[str | None, dict[str, NotificationState]]:
        """The previous episode's delivery states, when a target has not opened yet."""
        name = incident.spec.previous_incident
        if not name or all(states.get(r.target.name, _UNSENT).sent for r in routed):
            return None, {}
        remembered = self._memory.by_fingerprint.get(incident.spec.fingerprint or "")
        if remembered is not None and remembered[0] == name:
            return name, {s.target: s for s in remembered[1]}
        if self.episodes is None:
            return name, {}
        try:
            earlier = await asyncio.wait_for(
                self.episodes(incident.metadata.namespace or "", name), self.send_timeout
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("reading the previous episode %s failed: %s", name, type(error).__name__)
            return name, {}
        if earlier is None or earlier.status is None:
            return name, {}
        return name, {s.target: s for s in earlier.status.notifications}

    async def _deliver(
        self,
        incident: IncidentMemory,
        target: Target,
        plan: Plan,
        now: datetime,
        runbook: str | None,
    ) -> NotificationState:
        if not plan.sends:
            return plan.state
        try:
            outcome = await asyncio.wait_for(
                self._send(incident, target, plan, runbook), self.send_timeout
            )
        except TimeoutError:
            outcome = Outcome(ok=False, error=f"no response within {self.send_timeout:g}s")
        if outcome.ok:
            self.sent += 1
            logger.info("notified %s of %s/%s (%s)", target.name, *_key(incident), plan.action)
            return record_success(plan, now=now, message_id=outcome.message_id,
                                  channel_id=outcome.channel_id)  # fmt: skip
        self.failed += 1
        state = record_failure(plan, now=now, error=outcome.error or "failed", jitter=self.jitter(),
                               retry_after=outcome.retry_after, permanent=outcome.permanent)  # fmt: skip
        logger.warning("notifying %s of %s/%s failed: %s", target.name, *_key(incident),
                       state.last_error)  # fmt: skip
        return state

    async def _send(
        self, incident: IncidentMemory, target: Target, plan: Plan, runbook: str | None
    ) -> Outcome:
        summary = summarize(incident, event=_EVENTS[plan.action], redact=self.redact,
                            runbook=runbook)  # fmt: skip
        if target.kind is TargetKind.SLACK:
            return await self._send_slack(summary, target, plan)
        payload: dict[str, Any]
        if target.kind is TargetKind.SLACK_WEBHOOK:
            payload = slack_webhook_payload(summary)
        elif target.kind is TargetKind.TEAMS:
            payload = teams_payload(summary)
        else:
            payload = webhook_payload(summary)
        assert target.url is not None  # checked by the Target model
        reply = await self.transport.post(target.url.get_secret_value(), payload)
        return interpret(target.kind, reply)

    async def _send_slack(self, summary: Any, target: Target, plan: Plan) -> Outcome:
        token = self.setup.slack_token.get_secret_value() if self.setup.slack_token else None
        api = self.setup.slack_api_url
        channel = plan.state.channel_id or target.channel or ""
        thread = plan.state.thread if plan.action is not Action.OPEN else None
        payload = slack_post_payload(summary, channel=channel, thread_ts=thread)
        outcome = interpret(TargetKind.SLACK, await self.transport.post(
            f"{api}/chat.postMessage", payload, token=token))  # fmt: skip
        if outcome.ok and thread and plan.state.channel_id:
            edit = slack_update_payload(summary, channel=plan.state.channel_id, ts=thread)
            edited = interpret(TargetKind.SLACK, await self.transport.post(
                f"{api}/chat.update", edit, token=token))  # fmt: skip
            if not edited.ok:  # the thread reply is what counts; the root keeps its old card
                logger.info("editing the root message for %s failed: %s", target.name, edited.error)
        if outcome.ok and plan.action is Action.OPEN:
            return Outcome(ok=True, message_id=outcome.message_id,
                           channel_id=outcome.channel_id or target.channel)  # fmt: skip
        return outcome

    def due(self) -> list[IncidentMemory]:
        """The incidents with a delivery whose ``nextAttempt`` has come."""
        now = self.clock()
        due = []
        for incident in self._pending.values():
            status = incident.status or IncidentMemoryStatus()
            times = [s.next_attempt for s in status.notifications if s.next_attempt is not None]
            if times and min(times) <= now:
                due.append(incident)
        return due

    async def retry_due(self, *, persist: Persist) -> int:
        """Send what is due and write the new states through ``persist``; the count written."""
        written = 0
        for incident in self.due():
            updated = await self.notify(incident)
            if updated is None:
                continue
            try:
                await persist(updated)
                written += 1
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the next listener call or retry writes it again
                logger.warning("writing the notification state of %s/%s failed: %s",
                               *_key(updated), type(error).__name__)  # fmt: skip
        return written

    async def run(self, *, persist: Persist, interval: float = 5.0) -> None:
        """Retry due deliveries every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self.retry_due(persist=persist)

    async def aclose(self) -> None:
        await self.transport.aclose()


_UNSENT = NotificationState(target="-", kind=TargetKind.WEBHOOK)
