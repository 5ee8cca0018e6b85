"""``dorgu operator run`` notification options: flag > DORGU_NOTIFY_* (the settings tree), URLs
kept as secrets in OperatorOptions, and bad URLs a one-line usage error that never echoes them."""

from __future__ import annotations

import pytest

from dorgu.cli import main as main_module
from dorgu.operator import running
from dorgu.operator.options import OperatorOptions
from dorgu.settings.masking import display_value

HOOK = "https://hooks.slack.com/services/T000/B000/envsecretvalue123"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path) -> list[OperatorOptions]:
    seen: list[OperatorOptions] = []

    async def fake_run_operator(options: OperatorOptions, *, stop: object = None) -> None:
        seen.append(options)

    monkeypatch.setattr(running, "run_operator", fake_run_operator)
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_WEBHOOK_URL", "SLACK_TOKEN", "SLACK_CHANNEL", "TEAMS_WEBHOOK_URL",
                 "WEBHOOK_URL", "ROUTING_SECRET"):  # fmt: skip
        monkeypatch.delenv(f"DORGU_NOTIFY_{name}", raising=False)
    return seen


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main_module.main(["operator", "run", *args])
    code = exited.value.code
    return code if isinstance(code, int) else 1


def test_env_sets_the_notification_options_and_flags_win(captured, monkeypatch):
    monkeypatch.setenv("DORGU_NOTIFY_SLACK_WEBHOOK_URL", HOOK)
    monkeypatch.setenv("DORGU_NOTIFY_SLACK_TOKEN", "xoxb-123-456-abcdef")
    monkeypatch.setenv("DORGU_NOTIFY_SLACK_CHANNEL", "#incidents")
    monkeypatch.setenv("DORGU_NOTIFY_ROUTING_SECRET", "dorgu-notify")
    assert (
        _run("--notify-slack-channel", "#ops", "--notify-webhook-url", "https://w.example/x") == 0
    )
    (options,) = captured
    assert options.notify_slack_webhook_url.get_secret_value() == HOOK
    assert options.notify_slack_token.get_secret_value() == "xoxb-123-456-abcdef"
    assert options.notify_slack_channel == "#ops"
    assert options.notify_webhook_url.get_secret_value() == "https://w.example/x"
    assert options.notify_routing_secret == "dorgu-notify"
    assert options.notify_teams_webhook_url is None
    assert "envsecretvalue123" not in repr(options) and "xoxb-123" not in repr(options)


def test_without_notification_settings_nothing_is_configured(captured):
    assert _run() == 0
    (options,) = captured
    assert options.notify_slack_webhook_url is None and options.notify_routing_secret is None


@pytest.mark.parametrize("flag", ["--notify-slack-webhook-url", "--notify-teams-webhook-url",
                                  "--notify-webhook-url"])  # fmt: skip
def test_a_bad_url_is_a_usage_error_that_does_not_echo_it(captured, capsys, flag):
    assert _run(flag, "ftp://user:topsecret@host/x") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "topsecret" not in err and flag in err
    assert captured == []


def test_a_bad_url_from_the_environment_names_the_variable(captured, capsys, monkeypatch):
    monkeypatch.setenv("DORGU_NOTIFY_TEAMS_WEBHOOK_URL", "not-a-url-topsecret")
    assert _run() == 2
    err = capsys.readouterr().err
    assert "DORGU_NOTIFY_TEAMS_WEBHOOK_URL" in err and "topsecret" not in err


def test_notification_secrets_are_masked_in_config_output():
    assert display_value(("notify", "slack_token"), "xoxb-123-456-abcdef") == "****cdef"
    assert "envsecret" not in str(display_value(("notify", "slack_webhook_url"), HOOK))
    assert display_value(("notify", "slack_channel"), "#ops") == "#ops"
