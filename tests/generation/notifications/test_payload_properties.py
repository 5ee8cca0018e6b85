"""Whatever an incident holds (within the CRD's bounds), every payload stays within Slack's
Block Kit limits and is a valid Teams Workflows message, and routing configs never crash."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.errors import ConfigError
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
from dorgu.learning.notifications import parse_routing
from dorgu.llm.redacting import redact_text
from tests.learning.notifications.incidents import incident

texts = st.text(min_size=1, max_size=512)


@settings(max_examples=40, deadline=None)
@given(message=texts, evidence=st.integers(1, 10), event=st.sampled_from(list(Event)),
       count=st.integers(0, 10**6))  # fmt: skip
def test_payloads_stay_valid_for_any_incident(message, evidence, event, count):
    inc = incident(message=message, evidence=evidence, count=count)
    summary = summarize(inc, event=event, redact=redact_text)
    for payload in (
        slack_webhook_payload(summary),
        slack_post_payload(summary, channel="#x"),
        slack_post_payload(summary, channel="C1", thread_ts="1.2"),
        slack_update_payload(summary, channel="C1", ts="1.2"),
    ):
        check_block_kit(payload)
    teams = teams_payload(summary)
    WorkflowsMessage.model_validate(teams)
    assert len(json.dumps(teams).encode()) < MAX_MESSAGE_BYTES
    json.dumps(webhook_payload(summary))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_routing_configs_never_crash(text):
    message = ""
    try:
        parse_routing(text, source="s")
    except ConfigError as error:
        message = str(error)
    assert "\n" not in message
