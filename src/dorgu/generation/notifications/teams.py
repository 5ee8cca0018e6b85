"""The Microsoft Teams Workflows webhook message: one Adaptive Card (version 1.4) per event."""

from __future__ import annotations

from typing import Any

from dorgu.generation.notifications.adaptivecards import CARD_CONTENT_TYPE, SCHEMA_URL
from dorgu.generation.notifications.summaries import Event, Summary, headline, timestamp

_COLOR = {"critical": "Attention", "warning": "Warning", "info": "Accent"}


def _text(text: str, **style: object) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def teams_card(summary: Summary) -> dict[str, Any]:
    color = "Good" if summary.event is Event.RESOLVED else _COLOR[summary.severity]
    facts = [
        ("Severity", summary.severity),
        ("Phase", summary.phase),
        ("Workload", summary.workload),
        ("Category", summary.category),
        ("Occurrences", str(summary.occurrences)),
        ("First seen", timestamp(summary.first_seen)),
    ]
    if summary.persona:
        facts.append(("Persona", summary.persona))
    if summary.resolved_at:
        facts.append(("Resolved", timestamp(summary.resolved_at)))
    if summary.previous:
        facts.append(("Follows", summary.previous))
    facts.append(("Incident", f"{summary.namespace}/{summary.name} (episode {summary.episode})"))
    body: list[dict[str, Any]] = [
        _text(headline(summary), size="Large", weight="Bolder", color=color, style="heading"),
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]},
    ]
    for title, lines in (
        ("Evidence", summary.evidence),
        ("Likely cause", (summary.root_cause,) if summary.root_cause else ()),
        ("Resolution", (summary.resolution,) if summary.resolution else ()),
    ):
        if lines:
            body.append(_text(title, weight="Bolder", separator=True, spacing="Medium"))
            body += [_text(f"- {line}", spacing="Small") for line in lines]
    body.append(_text(f"dorgu · fingerprint {summary.fingerprint[:10]}", isSubtle=True,
                      size="Small"))  # fmt: skip
    card: dict[str, Any] = {
        "type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": "1.4",
        "msteams": {"width": "Full"}, "body": body,
    }  # fmt: skip
    if summary.runbook:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Runbook", "url": summary.runbook}]
    return card


def teams_payload(summary: Summary) -> dict[str, Any]:
    """The Workflows webhook body."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": teams_card(summary)}
        ],
    }
