import pytest

from dorgu.errors import ConfigError
from dorgu.learning.notifications import env_targets, parse_routing, route
from dorgu.learning.notifications.routing import resolve_targets
from dorgu.models.notifications import TargetKind

HOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"

ROUTING = """
targets:
  - name: payments
    kind: slack
    channel: "#payments-oncall"
  - name: ops-teams
    kind: teams
    url: https://example.webhook.office.com/workflows/abc
routes:
  - name: payments-critical
    match: {teams: [payments], severities: [critical]}
    targets: [payments, ops-teams]
    quietHours: {timezone: Europe/Berlin, start: "22:00", end: "07:00", allowCritical: false}
  - name: shop
    match: {namespaces: [shop]}
    targets: [ops-teams]
    continue: true
  - name: everything-else
    targets: [slack-webhook]
rateLimit: {perMinute: 6, burst: 3}
"""


def _targets(text=ROUTING):
    config = parse_routing(text, source="secret dorgu-system/dorgu-notify")
    env = env_targets(slack_webhook_url=HOOK, slack_channel="#incidents", slack_token=True)
    return config, resolve_targets(config, env, slack_token=True, source="s")


def _names(routed):
    return [r.target.name for r in routed]


def test_first_matching_route_wins_and_continue_keeps_matching():
    config, targets = _targets()
    facts = {
        "namespace": "shop",
        "team": "payments",
        "severity": "critical",
        "category": "resource",
    }
    first = route(config, targets, facts=facts)
    assert _names(first) == ["payments", "ops-teams"]
    assert first[0].quiet_hours is not None and first[0].quiet_hours.allow_critical is False
    shop = route(config, targets, facts={**facts, "team": "search"})
    assert _names(shop) == ["ops-teams", "slack-webhook"]
    other = route(config, targets, facts={"namespace": "blog", "severity": "warning"})
    assert _names(other) == ["slack-webhook"]
    assert config.rate_limit.burst == 3


def test_without_a_routing_config_every_flag_target_gets_everything():
    env = env_targets(slack_webhook_url=HOOK, teams_webhook_url="https://t.example/x",
                      webhook_url="https://w.example/x", slack_token=True, slack_channel="#inc")  # fmt: skip
    config = parse_routing("{}", source="s")
    targets = resolve_targets(config, env, slack_token=True, source="s")
    routed = route(config, targets, facts={"namespace": "x"})
    assert _names(routed) == ["slack-webhook", "slack", "teams", "webhook"]


def test_the_persona_channel_is_added_once_with_a_bot_token_only():
    config, targets = _targets()
    facts = {"namespace": "blog", "severity": "warning"}
    routed = route(config, targets, facts=facts, persona_channel="#blog", slack_token=True)
    assert _names(routed) == ["slack-webhook", "slack:#blog"]
    assert routed[-1].target.kind is TargetKind.SLACK and routed[-1].route == "persona"
    assert _names(route(config, targets, facts=facts, persona_channel="#blog")) == ["slack-webhook"]
    same = route(config, targets, facts={"team": "payments", "severity": "critical"},
                 persona_channel="#payments-oncall", slack_token=True)  # fmt: skip
    assert _names(same) == ["payments", "ops-teams"]
    junk = route(config, targets, facts=facts, persona_channel="<!everyone> hi", slack_token=True)
    assert _names(junk) == ["slack-webhook"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routes:\n  - name: a\n    targets: [nope]\n", "unknown target 'nope'"),
        ("targets:\n  - name: t\n    kind: teams\n", "target t: kind teams needs an http(s) url"),
        ("targets:\n  - name: t\n    kind: slack\n", "target t: kind slack needs a channel"),
        ("routes:\n  - name: a\n    targets: [slack]\n    quietHours: {start: '1:00', end: '02:00'}\n",
         "routes.0.quietHours.start"),
        ("rateLimit: {perMinute: 0}\n", "rateLimit.perMinute"),
        ("bogus: 1\n", "bogus: Extra inputs are not permitted"),
        ("targets: [a: [\n", "invalid YAML"),
    ],
)  # fmt: skip
def test_bad_routing_configs_are_one_line_errors_with_the_place(text, expected):
    env = env_targets(slack_token=True, slack_channel="#x")

    def load():
        config = parse_routing(text, source="secret ns/name")
        resolve_targets(config, env, slack_token=True, source="secret ns/name")

    with pytest.raises(ConfigError) as caught:
        load()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_errors_never_echo_a_webhook_url():
    text = "targets:\n  - name: t\n    kind: teams\n    url: ftp://secret-token-in-url@x\n    extra: 1\n"
    with pytest.raises(ConfigError) as caught:
        parse_routing(text, source="s")
    assert "secret-token" not in str(caught.value)
    assert ":5:" in str(caught.value) or "s:" in str(caught.value)


def test_a_slack_channel_target_needs_the_bot_token():
    config = parse_routing("targets:\n  - {name: p, kind: slack, channel: '#p'}\n", source="s")
    with pytest.raises(ConfigError, match="no bot token"):
        resolve_targets(config, (), slack_token=False, source="s")
