"""Incident notification payloads (layer 1): the redacted summary of an incident
(``summaries``), Slack Block Kit messages for incoming webhooks and ``chat.postMessage`` /
``chat.update`` (``slack``), a Teams Workflows message with an Adaptive Card (``teams``,
checked against the strict card model in ``adaptivecards``) and dorgu's JSON event for any
webhook (``webhooks``).

Every free-text value of an incident passes through the ``redact`` function the caller gives
(the LLM redactor, ``dorgu.llm.redacting.redact_text``, in the operator); object names, enums,
counts and times are shown as they are.  Must not: send, read the environment or the clock,
or print.
"""

from dorgu.generation.notifications.slack import (
    check_block_kit,
    slack_post_payload,
    slack_update_payload,
    slack_webhook_payload,
)
from dorgu.generation.notifications.summaries import Event, Summary, summarize
from dorgu.generation.notifications.teams import teams_payload
from dorgu.generation.notifications.webhooks import webhook_payload

__all__ = [
    "Event",
    "Summary",
    "check_block_kit",
    "slack_post_payload",
    "slack_update_payload",
    "slack_webhook_payload",
    "summarize",
    "teams_payload",
    "webhook_payload",
]
