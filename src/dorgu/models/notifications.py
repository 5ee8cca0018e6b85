"""Incident notifications: the delivery state kept in ``IncidentMemory.status.notifications``
(so a restarted operator neither repeats a message nor forgets a failed one) and the routing
configuration read from a Secret (which targets get which incident, quiet hours, rate limits).

A target is named, never identified by its URL or token: the state, logs and errors carry the
name only.  Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from dorgu.models.personas_base import Timestamp, WireModel

MAX_NOTIFICATIONS = 8
"""Delivery states kept per incident (one per target); further targets are not notified."""
MAX_TARGET = 80
MAX_STATE = 80
MAX_ERROR = 200

TARGET_NAME_PATTERN = r"^[A-Za-z0-9#@._:/-]{1,80}$"


class TargetKind(StrEnum):
    SLACK = "slack"
    """A Slack bot token: ``chat.postMessage`` to a channel, updates in the message's thread."""
    SLACK_WEBHOOK = "slack-webhook"
    """A Slack incoming webhook: one channel, no threads (updates are new messages)."""
    TEAMS = "teams"
    """A Microsoft Teams Workflows webhook posting an Adaptive Card."""
    WEBHOOK = "webhook"
    """Any HTTP endpoint receiving dorgu's JSON incident event."""


class NotificationState(WireModel):
    """What has been delivered to one target for this incident, and what is owed."""

    target: str = Field(max_length=MAX_TARGET, description="The target's name (never its URL).")
    kind: TargetKind = Field(description="slack, slack-webhook, teams or webhook.")
    thread: str | None = Field(
        None, max_length=64, description="Slack: the opening message's ts (its thread)."
    )
    channel_id: str | None = Field(
        None, max_length=64, description="Slack: the channel id the opening message went to."
    )
    opened_at: Timestamp | None = Field(
        None, description="When the opening message of this fingerprint's thread was sent."
    )
    inherited_from: str | None = Field(
        None, max_length=253, description="The earlier episode whose thread this one continues."
    )
    sent: str | None = Field(
        None, max_length=MAX_STATE, description="The last incident state delivered."
    )
    sent_at: Timestamp | None = Field(None, description="When it was delivered.")
    attempts: int = Field(0, ge=0, le=1000, description="Failed attempts for the owed state.")
    next_attempt: Timestamp | None = Field(
        None, description="Not before this time (backoff, Retry-After, rate limit, quiet hours)."
    )
    abandoned: str | None = Field(
        None, max_length=MAX_STATE, description="A state given up on after the last attempt."
    )
    last_error: str | None = Field(
        None, max_length=MAX_ERROR, description="Why the last attempt failed (no secrets)."
    )


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class QuietHours(_Config):
    """A daily window (local time of ``timezone``) in which messages wait until it ends."""

    timezone: str = Field("UTC", max_length=64, description="IANA zone, e.g. Europe/Berlin.")
    start: str = Field(pattern=_CLOCK, description="HH:MM local time the quiet window opens.")
    end: str = Field(pattern=_CLOCK, description="HH:MM it closes (before start: next day).")
    days: tuple[str, ...] = Field(
        WEEKDAYS, description="Days (mon..sun) on which a window opens; default every day."
    )
    allow_critical: bool = Field(
        True, alias="allowCritical", description="Critical incidents are sent at once anyway."
    )

    @model_validator(mode="after")
    def _check(self) -> QuietHours:
        bad = [day for day in self.days if day not in WEEKDAYS]
        if bad:
            raise ValueError(f"days: unknown day {bad[0]!r} (use mon, tue, ... sun)")
        if self.start == self.end:
            raise ValueError("start and end are equal (an empty window); remove quietHours")
        return self


class RateLimit(_Config):
    """A token bucket per target: ``burst`` messages at once, refilled ``perMinute``."""

    per_minute: float = Field(
        20.0, alias="perMinute", gt=0, le=600, description="Refill rate (messages per minute)."
    )
    burst: int = Field(10, ge=1, le=100, description="Bucket size.")


class Target(_Config):
    """Where messages go.  ``url`` is a secret: it lives only in the Secret or the environment
    and is never logged, written to the incident or shown in an error."""

    name: str = Field(pattern=TARGET_NAME_PATTERN, description="Unique name (state, logs).")
    kind: TargetKind = Field(description="slack, slack-webhook, teams or webhook.")
    channel: str | None = Field(
        None, max_length=80, description="slack: channel name or id (the bot must be a member)."
    )
    url: SecretStr | None = Field(None, description="slack-webhook, teams, webhook: the URL.")

    @model_validator(mode="after")
    def _check(self) -> Target:
        if self.kind is TargetKind.SLACK:
            if not self.channel:
                raise ValueError(f"target {self.name}: kind slack needs a channel")
            if self.url is not None:
                raise ValueError(f"target {self.name}: kind slack takes a channel, not a url")
        else:
            url = self.url.get_secret_value() if self.url is not None else ""
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"target {self.name}: kind {self.kind} needs an http(s) url")
        return self


class RouteMatch(_Config):
    """Which incidents a route takes: every given list must contain the incident's value."""

    namespaces: tuple[str, ...] = Field((), description="Incident namespaces.")
    personas: tuple[str, ...] = Field((), description="ApplicationPersona names.")
    teams: tuple[str, ...] = Field((), description="The persona's ownership.team.")
    severities: tuple[str, ...] = Field((), description="info, warning, critical.")
    categories: tuple[str, ...] = Field((), description="resource, health, deployment, ...")


class Route(_Config):
    name: str = Field(pattern=TARGET_NAME_PATTERN, description="Route name (logs).")
    match: RouteMatch = Field(default_factory=RouteMatch, description="Empty: every incident.")
    targets: tuple[str, ...] = Field(min_length=1, description="Target names.")
    quiet_hours: QuietHours | None = Field(
        None, alias="quietHours", description="Overrides the top-level quietHours."
    )
    continue_: bool = Field(
        False, alias="continue", description="Keep matching later routes after this one."
    )


class RoutingConfig(_Config):
    """The routing Secret's ``routing.yaml``."""

    targets: tuple[Target, ...] = Field((), description="Targets besides the flag/env ones.")
    routes: tuple[Route, ...] = Field((), description="Evaluated in order; first match wins.")
    default_targets: tuple[str, ...] | None = Field(
        None,
        alias="defaultTargets",
        description="Targets of incidents no route takes; default: the flag/env targets and "
        "the targets no route names.",
    )
    quiet_hours: QuietHours | None = Field(
        None, alias="quietHours", description="Quiet hours of every route without its own."
    )
    rate_limit: RateLimit = Field(
        default_factory=RateLimit, alias="rateLimit", description="Per target."
    )
    persona_channels: bool = Field(
        True,
        alias="personaChannels",
        description="Also post to the persona's ownership.channel (needs the Slack bot token).",
    )
