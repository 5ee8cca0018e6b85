"""Which targets an incident goes to: the routes of the routing Secret (first match wins unless
a route says ``continue``), else the default targets (the flag/env targets and the Secret's targets no route names, unless
``defaultTargets`` says otherwise), plus the persona's own Slack channel
(``spec.ownership.channel``) when a bot token is configured."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr, ValidationError

from dorgu.errors import ConfigError, InputError
from dorgu.formats.yamldocs import load_yaml
from dorgu.models.notifications import (
    MAX_NOTIFICATIONS,
    QuietHours,
    RouteMatch,
    RoutingConfig,
    Target,
    TargetKind,
)

SLACK_WEBHOOK, SLACK, TEAMS, WEBHOOK = "slack-webhook", "slack", "teams", "webhook"
"""The names of the targets configured by flags/env."""


@dataclass(frozen=True)
class RoutedTarget:
    target: Target
    quiet_hours: QuietHours | None
    route: str
    """The route that chose it (``default``, ``persona``)."""


def env_targets(
    *,
    slack_webhook_url: str | None = None,
    slack_channel: str | None = None,
    slack_token: bool = False,
    teams_webhook_url: str | None = None,
    webhook_url: str | None = None,
) -> tuple[Target, ...]:
    """The targets given by flags/env, named ``slack-webhook``, ``slack``, ``teams``, ``webhook``."""
    targets: list[Target] = []
    if slack_webhook_url:
        targets.append(Target(name=SLACK_WEBHOOK, kind=TargetKind.SLACK_WEBHOOK,
                              url=SecretStr(slack_webhook_url)))  # fmt: skip
    if slack_token and slack_channel:
        targets.append(Target(name=SLACK, kind=TargetKind.SLACK, channel=slack_channel))
    if teams_webhook_url:
        targets.append(Target(name=TEAMS, kind=TargetKind.TEAMS, url=SecretStr(teams_webhook_url)))
    if webhook_url:
        targets.append(Target(name=WEBHOOK, kind=TargetKind.WEBHOOK, url=SecretStr(webhook_url)))
    return tuple(targets)


def parse_routing(text: str, *, source: str) -> RoutingConfig:
    """The routing config in ``text`` (YAML); a one-line ``ConfigError`` naming the field and
    its line otherwise (never echoing a value: it may be a webhook URL)."""
    try:
        document = load_yaml(text, file=source)
    except InputError as error:
        raise ConfigError(
            " ".join(error.message.split()), hint="the routing config is YAML"
        ) from error
    data = document.data if document.data is not None else {}
    try:
        return RoutingConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path = tuple(first["loc"])
        line = document.line_of(path)
        where = f"{source}:{line}" if line else source
        field = ".".join(str(part) for part in path) or "(top)"
        message = " ".join(first["msg"].removeprefix("Value error, ").split())
        raise ConfigError(f"{where}: {field}: {message}",
                          hint="see docs/incidents.md#notifications for the format") from None  # fmt: skip


def resolve_targets(
    config: RoutingConfig, env: tuple[Target, ...], *, slack_token: bool, source: str
) -> dict[str, Target]:
    """Every target by name (the Secret's win over flag/env ones of the same name); checks
    that routes name known targets and that ``slack`` targets have a bot token."""
    targets = {target.name: target for target in env}
    seen: set[str] = set()
    for target in config.targets:
        if target.name in seen:
            raise ConfigError(f"{source}: targets: {target.name!r} is defined twice")
        seen.add(target.name)
        targets[target.name] = target
    for target in targets.values():
        if target.kind is TargetKind.SLACK and not slack_token:
            raise ConfigError(f"{source}: target {target.name!r} is a slack channel but no bot "
                              "token is set", hint="set DORGU_NOTIFY_SLACK_TOKEN "
                              "(--notify-slack-token) or use kind slack-webhook")  # fmt: skip
    names = [name for r in config.routes for name in r.targets]
    names += list(config.default_targets or ())
    for name in names:
        if name not in targets:
            known = ", ".join(sorted(targets)) or "none"
            raise ConfigError(f"{source}: unknown target {name!r} (known: {known})")
    return targets


def _matches(match: RouteMatch, facts: Mapping[str, str | None]) -> bool:
    for field, allowed in (
        ("namespace", match.namespaces),
        ("persona", match.personas),
        ("team", match.teams),
        ("severity", match.severities),
        ("category", match.categories),
    ):
        if allowed and facts.get(field) not in allowed:
            return False
    return True


def route(
    config: RoutingConfig,
    targets: Mapping[str, Target],
    *,
    facts: Mapping[str, str | None],
    persona_channel: str | None = None,
    slack_token: bool = False,
) -> list[RoutedTarget]:
    """The targets of an incident described by ``facts`` (``namespace``, ``persona``, ``team``,
    ``severity``, ``category``), in order, without duplicates, at most ``MAX_NOTIFICATIONS``."""
    chosen: list[RoutedTarget] = []
    matched = False
    for rule in config.routes:
        if not _matches(rule.match, facts):
            continue
        matched = True
        quiet = rule.quiet_hours or config.quiet_hours
        chosen += [RoutedTarget(targets[name], quiet, rule.name) for name in rule.targets]
        if not rule.continue_:
            break
    if not matched:
        names = config.default_targets
        if names is None:
            used = {name for rule in config.routes for name in rule.targets}
            names = tuple(n for n, t in targets.items() if n in _ENV_NAMES or n not in used)
        chosen += [RoutedTarget(targets[n], config.quiet_hours, "default") for n in names]
    if (
        config.persona_channels
        and persona_channel
        and slack_token
        and _CHANNEL.match(persona_channel)
    ):
        channels = {r.target.channel for r in chosen if r.target.kind is TargetKind.SLACK}
        if persona_channel not in channels:
            target = Target(name=f"slack:{persona_channel}"[:80], kind=TargetKind.SLACK,
                            channel=persona_channel)  # fmt: skip
            chosen.append(RoutedTarget(target, config.quiet_hours, "persona"))
    unique: dict[str, RoutedTarget] = {}
    for routed in chosen:
        unique.setdefault(routed.target.name, routed)
    return list(unique.values())[:MAX_NOTIFICATIONS]


_CHANNEL = re.compile(r"^[#@]?[A-Za-z0-9._-]{1,72}$")
_ENV_NAMES = frozenset({SLACK_WEBHOOK, SLACK, TEAMS, WEBHOOK})
