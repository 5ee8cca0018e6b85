"""Slack Block Kit messages: the full incident card (opening message, incoming webhook, the
edited thread root) and the compact thread reply (updates, the resolved message).

``check_block_kit`` enforces Slack's documented limits (50 blocks; header text 150; section
text 3000; at most 10 fields of 2000; context at most 10 elements; ``text`` 40000), so a
payload that Slack would reject with ``invalid_blocks`` never leaves a test green.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorgu.generation.notifications.summaries import Event, Summary, headline, timestamp

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_CONTEXT = 10
MAX_TEXT = 40000
MAX_BLOCK_ID = 255
_EMOJI = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack mrkdwn escaping (``&``, ``<``, ``>``), so a message cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _clip(text, MAX_FIELD)}


def _status_line(summary: Summary) -> str:
    emoji = ":white_check_mark:" if summary.event is Event.RESOLVED else _EMOJI[summary.severity]
    count = f"{summary.occurrences} occurrence{'s' if summary.occurrences != 1 else ''}"
    return f"{emoji} *{summary.phase}* · {summary.severity} · {count}"


def _context(summary: Summary) -> Block:
    text = (f"dorgu · incident `{escape(summary.name)}` · episode {summary.episode}"
            f" · fingerprint `{summary.fingerprint[:10]}`")  # fmt: skip
    return {"type": "context", "elements": [_mrkdwn(text)]}


def card_blocks(summary: Summary) -> list[Block]:
    """The full card."""
    fields = [
        _mrkdwn(f"*Severity*\n{summary.severity}"),
        _mrkdwn(f"*Phase*\n{summary.phase}"),
        _mrkdwn(f"*Workload*\n{escape(summary.workload)}"),
        _mrkdwn(f"*Category*\n{summary.category}"),
        _mrkdwn(f"*Occurrences*\n{summary.occurrences}"),
        _mrkdwn(f"*First seen*\n{timestamp(summary.first_seen)}"),
    ]
    if summary.persona:
        fields.append(_mrkdwn(f"*Persona*\n{escape(summary.persona)}"))
    if summary.resolved_at:
        fields.append(_mrkdwn(f"*Resolved*\n{timestamp(summary.resolved_at)}"))
    if summary.previous:
        fields.append(_mrkdwn(f"*Follows*\n{escape(summary.previous)}"))
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(headline(summary), MAX_HEADER), "emoji": True}},
        {"type": "section", "text": _mrkdwn(_status_line(summary)), "fields": fields[:MAX_FIELDS]},
    ]  # fmt: skip
    blocks += _details(summary)
    blocks.append(_context(summary))
    return blocks


def _details(summary: Summary) -> list[Block]:
    blocks: list[Block] = []
    if summary.evidence:
        lines = "\n".join(f"• {escape(line)}" for line in summary.evidence)
        text = _clip(f"*Evidence*\n{lines}", MAX_SECTION)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if summary.root_cause:
        text = _clip(f"*Likely cause*\n{escape(summary.root_cause)}", MAX_SECTION)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if summary.resolution:
        text = _clip(f"*Resolution*\n{escape(summary.resolution)}", MAX_SECTION)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if summary.runbook:
        text = _clip(f"*Runbook*\n<{summary.runbook}|open the runbook>", MAX_SECTION)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks


def reply_blocks(summary: Summary) -> list[Block]:
    """The compact thread reply: status line, the newest evidence, resolution."""
    text = f"*{escape(headline(summary))}*\n{_status_line(summary)}"
    if summary.evidence and summary.event is not Event.RESOLVED:
        text += f"\nLatest: {escape(summary.evidence[0])}"
    if summary.event is Event.RECURRED and summary.previous:
        text += f"\nFollows the resolved `{escape(summary.previous)}`."
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}
    ]
    if summary.event is Event.RESOLVED and summary.resolution:
        blocks += [b for b in _details(summary) if "*Resolution*" in b["text"]["text"]]
    blocks.append(_context(summary))
    return blocks  # fmt: skip


def slack_webhook_payload(summary: Summary) -> dict[str, Any]:
    """An incoming-webhook message (no threads: every message is a full card)."""
    return {"text": _clip(headline(summary), MAX_TEXT), "blocks": card_blocks(summary)}


def slack_post_payload(
    summary: Summary, *, channel: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """``chat.postMessage``: the card, or with ``thread_ts`` the compact reply in the thread."""
    blocks = reply_blocks(summary) if thread_ts else card_blocks(summary)
    payload: dict[str, Any] = {
        "channel": channel, "text": _clip(headline(summary), MAX_TEXT), "blocks": blocks,
        "unfurl_links": False, "unfurl_media": False,
    }  # fmt: skip
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return payload


def slack_update_payload(summary: Summary, *, channel: str, ts: str) -> dict[str, Any]:
    """``chat.update`` of the thread's root: the card showing the current state."""
    return {"channel": channel, "ts": ts, "text": _clip(headline(summary), MAX_TEXT),
            "blocks": card_blocks(summary)}  # fmt: skip


def check_block_kit(payload: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first Slack limit ``payload`` breaks."""
    text = payload.get("text")
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        raise ValueError("text: required, at most 40000 characters")
    blocks = payload.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise ValueError(f"blocks: a list of at most {MAX_BLOCKS}")
    for index, block in enumerate(blocks):
        _check_block(block, f"blocks[{index}]")


def _check_text(obj: object, where: str, limit: int, kinds: tuple[str, ...]) -> None:
    if not isinstance(obj, Mapping) or obj.get("type") not in kinds:
        raise ValueError(f"{where}: a text object of type {' or '.join(kinds)}")
    text = obj.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        raise ValueError(f"{where}.text: 1 to {limit} characters")
    if set(obj) - {"type", "text", "emoji", "verbatim"}:
        raise ValueError(
            f"{where}: unknown keys {sorted(set(obj) - {'type', 'text', 'emoji', 'verbatim'})}"
        )


def _check_block(block: object, where: str) -> None:
    if not isinstance(block, Mapping):
        raise ValueError(f"{where}: an object")
    kind = block.get("type")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID):
        raise ValueError(f"{where}.block_id: at most {MAX_BLOCK_ID} characters")
    allowed = {"header": {"type", "text", "block_id"},
               "section": {"type", "text", "fields", "block_id", "accessory"},
               "context": {"type", "elements", "block_id"},
               "divider": {"type", "block_id"}}  # fmt: skip
    if kind not in allowed:
        raise ValueError(f"{where}.type: {kind!r} is not a block this checker knows")
    if set(block) - allowed[kind]:
        raise ValueError(f"{where}: unknown keys {sorted(set(block) - allowed[kind])}")
    if kind == "header":
        _check_text(block.get("text"), f"{where}.text", MAX_HEADER, ("plain_text",))
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            raise ValueError(f"{where}: a section needs text or fields")
        if "text" in block:
            _check_text(block["text"], f"{where}.text", MAX_SECTION, ("mrkdwn", "plain_text"))
        fields = block.get("fields", [])
        present = "fields" in block
        if not isinstance(fields, list) or (present and not 1 <= len(fields) <= MAX_FIELDS):
            raise ValueError(f"{where}.fields: 1 to {MAX_FIELDS} text objects")
        for i, item in enumerate(fields):
            _check_text(item, f"{where}.fields[{i}]", MAX_FIELD, ("mrkdwn", "plain_text"))
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_CONTEXT:
            raise ValueError(f"{where}.elements: 1 to {MAX_CONTEXT} elements")
        for i, item in enumerate(elements):
            _check_text(item, f"{where}.elements[{i}]", MAX_SECTION, ("mrkdwn", "plain_text"))
