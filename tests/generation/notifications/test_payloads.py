import json

import pytest
from pydantic import ValidationError

from dorgu.generation.notifications import (
    Event,
    check_block_kit,
    slack_post_payload,
    slack_update_payload,
    slack_webhook_payload,
    summarize,
    teams_payload,
    webhook_payload,
)
from dorgu.generation.notifications.adaptivecards import MAX_MESSAGE_BYTES, WorkflowsMessage
from dorgu.llm.redacting import redact_text
from dorgu.models.incidents import IncidentPhase, Resolution
from tests.learning.notifications.incidents import T0, incident

SECRET_MESSAGE = (
    "container app failed: DB_PASSWORD=hunter2-very-secret "
    "token xoxb-1234567890-abcdefghijkl <!channel> & https://hooks.slack.com/services/T0/B0/abcdef"
)


def _summary(event=Event.OPENED, **kwargs):
    return summarize(incident(**kwargs), event=event, redact=redact_text,
                     runbook="https://runbooks.example/orders")  # fmt: skip


ALL_EVENTS = list(Event)


@pytest.mark.parametrize("event", ALL_EVENTS)
def test_slack_payloads_respect_block_kit_limits(event):
    summary = _summary(event, message="x<&>" * 128, evidence=10)
    for payload in (
        slack_webhook_payload(summary),
        slack_post_payload(summary, channel="#ops"),
        slack_post_payload(summary, channel="C1", thread_ts="1.2"),
        slack_update_payload(summary, channel="C1", ts="1.2"),
    ):
        check_block_kit(payload)


def test_the_block_kit_checker_rejects_what_slack_rejects():
    good = slack_webhook_payload(_summary())
    check_block_kit(good)
    too_many = {**good, "blocks": good["blocks"] * 20}
    long_header = json.loads(json.dumps(good))
    long_header["blocks"][0]["text"]["text"] = "h" * 151
    eleven_fields = json.loads(json.dumps(good))
    eleven_fields["blocks"][1]["fields"] = eleven_fields["blocks"][1]["fields"] * 2
    long_section = json.loads(json.dumps(good))
    long_section["blocks"][1]["text"]["text"] = "s" * 3001
    unknown = {**good, "blocks": [{"type": "sectoin", "text": {"type": "mrkdwn", "text": "x"}}]}
    for bad in (too_many, long_header, eleven_fields, long_section, unknown, {"blocks": []}):
        with pytest.raises(ValueError, match=r"^(text|blocks)"):
            check_block_kit(bad)


def test_thread_replies_are_compact_and_point_at_the_thread():
    payload = slack_post_payload(_summary(Event.UPDATED), channel="C1", thread_ts="111.222")
    assert payload["thread_ts"] == "111.222"
    assert [b["type"] for b in payload["blocks"]] == ["section", "context"]
    card = slack_post_payload(_summary(), channel="#ops")
    assert "thread_ts" not in card and card["blocks"][0]["type"] == "header"
    assert card["unfurl_links"] is False


@pytest.mark.parametrize("event", ALL_EVENTS)
def test_teams_payload_is_a_valid_workflows_message_with_an_adaptive_card(event):
    payload = teams_payload(_summary(event, message="y" * 512, evidence=10))
    message = WorkflowsMessage.model_validate(payload)
    assert message.attachments[0].content.version == "1.4"
    assert len(json.dumps(payload).encode()) < MAX_MESSAGE_BYTES


def test_the_adaptive_card_model_is_strict():
    payload = teams_payload(_summary())
    for mutate in (
        lambda p: p["attachments"][0]["content"]["body"][0].update(size="Huge"),
        lambda p: p["attachments"][0]["content"]["body"][0].update(colour="Good"),
        lambda p: p["attachments"][0]["content"].update(version="2.0"),
        lambda p: p["attachments"][0].update(contentType="application/json"),
        lambda p: p["attachments"][0]["content"]["body"].append({"type": "Image"}),
        lambda p: p["attachments"][0]["content"]["body"][1]["facts"][0].pop("value"),
    ):
        bad = json.loads(json.dumps(payload))
        mutate(bad)
        with pytest.raises(ValidationError):
            WorkflowsMessage.model_validate(bad)


def test_no_payload_carries_a_secret_or_a_slack_mention():
    summary = _summary(message=SECRET_MESSAGE)
    payloads = [
        slack_webhook_payload(summary), slack_post_payload(summary, channel="#x"),
        teams_payload(summary), webhook_payload(summary),
    ]  # fmt: skip
    for payload in payloads:
        text = json.dumps(payload)
        for secret in ("hunter2", "xoxb-1234567890", "hooks.slack.com/services/T0"):
            assert secret not in text
        assert "[redacted:" in text
    slack_text = json.dumps(payloads[0])
    assert "<!channel>" not in slack_text and "&lt;!channel&gt;" in slack_text


def test_resolution_note_is_redacted_and_shown_on_the_resolved_message():
    resolved = incident(phase=IncidentPhase.RESOLVED, resolved_at=T0)
    resolved = resolved.model_copy(update={"spec": resolved.spec.model_copy(update={
        "resolution": Resolution(note="rotated api_key=sk-abcdefghijklmnopqrstuvwxyz123", resolved_by="alice"),
    })})  # fmt: skip
    summary = summarize(resolved, event=Event.RESOLVED, redact=redact_text)
    reply = slack_post_payload(summary, channel="C1", thread_ts="1.1")
    text = json.dumps(reply)
    assert "Resolution" in text and "alice" in text and "sk-abcdef" not in text


def test_webhook_event_is_deterministic_json():
    a, b = webhook_payload(_summary()), webhook_payload(_summary())
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["schema"] == "dorgu.io/incident-event/v1" and a["event"] == "opened"
    assert a["incident"]["firstSeen"] == "2026-01-05T10:00:00Z"
    assert a["incident"]["fingerprint"] == incident().spec.fingerprint


def test_only_plain_https_runbooks_are_linked():
    for bad in ("http://x.example", "https://x.example/a|<!channel>", "javascript:alert(1)"):
        summary = summarize(incident(), event=Event.OPENED, redact=redact_text, runbook=bad)
        assert summary.runbook is None
    summary = summarize(incident(), event=Event.OPENED, redact=redact_text,
                        runbook="https://wiki.example/runbooks/orders")  # fmt: skip
    assert "<https://wiki.example/runbooks/orders|open the runbook>" in json.dumps(
        slack_webhook_payload(summary)
    )
    teams = teams_payload(summary)["attachments"][0]["content"]
    assert teams["actions"][0]["url"] == "https://wiki.example/runbooks/orders"
