"""``dorgu explain``: turn a validation finding into a plain explanation and a fix; plus the
rendering of ``dorgu analyze --explain`` (what the LLM changed and why).

A finding comes as JSON (a file, or ``-``/piped stdin: one object, a list, or a persona
``{"issues": [...]}``) or from ``--rule/--message`` flags.  Without a provider the explanation
is rule-based.  Must not import the LLM layer unless a provider is configured.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dorgu.models.findings import Finding
    from dorgu.services.enhancing import EnhanceOutcome, ExplainOutcome

LLM_PROVIDERS = ("openai", "anthropic", "gemini", "ollama")
MAX_INPUT_BYTES = 1024 * 1024


def llm_flags(provider: str | None, model: str | None, base_url: str | None) -> dict[str, object]:
    """Settings flags for the shared ``--llm-*`` options."""
    return {"llm.provider": provider, "llm.model": model, "llm.base_url": base_url}


def render_changes(outcome: EnhanceOutcome | None, *, off_reason: str | None = None) -> str:
    """The ``--explain`` section: provider, each change with its old value and source, new
    value, confidence and reason, notes on what was kept or dropped, and redaction counts."""
    if outcome is None or outcome.provider is None:
        return f"llm: off ({off_reason or 'no LLM provider configured'}); nothing changed\n"
    lines = [f"llm: {outcome.provider} ({outcome.status})"]
    if outcome.warning:
        lines.append(f"  {outcome.warning}")
    if outcome.changes:
        lines.append("llm changes")
    for change in outcome.changes:
        old = change.old if change.old is not None else "(unset)"
        source = f" [{change.old_source}]" if change.old_source and change.old is not None else ""
        lines.append(f"  {change.field}")
        lines.append(f"    {old}{source} -> {change.new}  (confidence {change.confidence:.2f})")
        if change.reason:
            lines.append(f"    why: {change.reason}")
    if outcome.status in ("enhanced", "cached") and not outcome.changes:
        lines.append("llm changes: none")
    if outcome.notes:
        lines.append("llm notes")
        lines.extend(f"  {note.severity.value}: {note.message}" for note in outcome.notes)
    if outcome.redactions:
        total = sum(outcome.redactions.values())
        kinds = ", ".join(f"{kind} {count}" for kind, count in outcome.redactions.items())
        lines.append(f"redacted before sending: {total} ({kinds})")
    return "\n".join(lines) + "\n"


def _read_input(source: str) -> str:
    from dorgu.errors import InputError

    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        where = "stdin"
    else:
        try:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as e:
            raise InputError(f"{source}: cannot read: {e.strerror}") from e
        where = source
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{where}: larger than 1 MiB")
    return data.decode("utf-8", "replace")


def parse_findings(text: str, *, where: str) -> list[Finding]:
    """Findings from JSON: an object, a list of objects, or ``{"issues": [...]}``."""
    from pydantic import ValidationError

    from dorgu.errors import InputError
    from dorgu.models.findings import Finding

    try:
        data = json.loads(text)
    except ValueError as e:
        raise InputError(f"{where}: not JSON: {e}", hint="pass a finding as a JSON object") from e
    if isinstance(data, dict) and isinstance(data.get("issues"), list):
        data = data["issues"]
    items = data if isinstance(data, list) else [data]
    findings = []
    for index, item in enumerate(items):
        try:
            findings.append(Finding.model_validate(item))
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "finding"
            raise InputError(
                f"{where}: finding {index}: {loc}: {first['msg']}",
                hint="a finding needs at least a message (see dorgu explain --help)",
            ) from e
    if not findings:
        raise InputError(f"{where}: no finding in the input")
    return findings


def render_explanation(finding: Finding, outcome: ExplainOutcome) -> str:
    head = [finding.severity.value]
    head.extend(str(x) for x in (finding.rule_id, finding.resource, finding.field) if x)
    lines = [" · ".join(head), f"  {finding.message}"]
    for label, text in (
        ("What it means", outcome.explanation.summary),
        ("Why it matters", outcome.explanation.why),
        ("How to fix", outcome.explanation.fix),
    ):
        if text:
            body = text.splitlines() or [""]
            lines.append(f"  {label}: {body[0]}")
            lines.extend(f"    {line}" for line in body[1:])
    lines.append(f"  (explained by {outcome.source})")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("finding_file", required=False, metavar="[FINDING.json|-]")
@click.option("--rule", "rule_id", help="Rule id of the finding (instead of JSON input).")
@click.option("--message", help="The finding's message (instead of JSON input).")
@click.option("--field", "field_path", help="Path of the offending field.")
@click.option(
    "--severity",
    type=click.Choice(["error", "warning", "info"]),
    default="warning",
    show_default=True,
)
@click.option("--suggestion", help="The rule's own suggestion, if any.")
@click.option("--kind", help="Kind of the resource (with --name).")
@click.option("--name", "resource_name", help="Name of the resource (with --kind).")
@click.option("--namespace", help="Namespace of the resource.")
@click.option("--llm-provider", type=click.Choice(LLM_PROVIDERS), help="LLM provider to use.")
@click.option("--llm-model", help="Model name for the provider.")
@click.option("--llm-base-url", help="Endpoint override (proxy, Azure, vLLM, ollama host).")
@click.option("--no-llm", is_flag=True, help="Rule-based explanation only; no network.")
@click.option("--json", "as_json", is_flag=True, help="Print explanations as JSON.")
def explain(
    finding_file: str | None,
    rule_id: str | None,
    message: str | None,
    field_path: str | None,
    severity: str,
    suggestion: str | None,
    kind: str | None,
    resource_name: str | None,
    namespace: str | None,
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
    no_llm: bool,
    as_json: bool,
) -> None:
    """Explain a validation finding in plain words, with a fix.

    Give the finding as JSON (a file, or - for stdin) or with --rule and --message.
    """
    from dorgu.errors import UsageError
    from dorgu.models.config import LlmProvider
    from dorgu.services.configuring import load_settings

    findings = _collect(
        finding_file, rule_id, message, field_path, severity, suggestion, kind, resource_name,
        namespace,
    )  # fmt: skip
    settings = load_settings(Path("."), flags=llm_flags(llm_provider, llm_model, llm_base_url))
    for warning in settings.warnings:
        click.echo(f"warning: {warning}", err=True)
    outcomes = []
    if no_llm or settings.settings.llm.provider is LlmProvider.NONE:
        from dorgu.llm.explaining import fallback_explanation
        from dorgu.services.enhancing import ExplainOutcome

        outcomes = [ExplainOutcome(fallback_explanation(f), "rules") for f in findings]
    else:
        from dorgu.services.enhancing import explain_finding

        outcomes = [explain_finding(f, settings=settings.settings) for f in findings]
    warned: set[str] = set()
    for outcome in outcomes:
        if outcome.warning and outcome.warning not in warned:
            warned.add(outcome.warning)
            click.echo(f"warning: {outcome.warning}", err=True)
    if not findings:  # pragma: no cover - _collect guarantees one
        raise UsageError("no finding to explain")
    if as_json:
        rows = [
            {"finding": f.model_dump(mode="json", exclude_none=True), "source": o.source,
             **o.explanation.model_dump()}
            for f, o in zip(findings, outcomes, strict=True)
        ]  # fmt: skip
        click.echo(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
        return
    click.echo(
        "\n".join(render_explanation(f, o) for f, o in zip(findings, outcomes, strict=True)),
        nl=False,
    )


def _collect(
    finding_file: str | None,
    rule_id: str | None,
    message: str | None,
    field_path: str | None,
    severity: str,
    suggestion: str | None,
    kind: str | None,
    resource_name: str | None,
    namespace: str | None,
) -> Sequence[Finding]:
    from dorgu.errors import UsageError
    from dorgu.models.findings import Finding, ResourceRef

    if message is not None:
        if finding_file is not None:
            raise UsageError("give either a finding file or --message, not both")
        if (kind is None) != (resource_name is None):
            raise UsageError("--kind and --name go together")
        resource = (
            ResourceRef(kind=kind, name=resource_name, namespace=namespace)
            if kind and resource_name
            else None
        )
        return [
            Finding.model_validate(
                {"rule_id": rule_id, "severity": severity, "field": field_path,
                 "message": message, "suggestion": suggestion, "resource": resource}
            )
        ]  # fmt: skip
    if finding_file is None:
        if sys.stdin.isatty():
            raise UsageError(
                "nothing to explain",
                hint="pass a finding JSON file, - for stdin, or --rule ID --message TEXT",
            )
        finding_file = "-"
    where = "stdin" if finding_file == "-" else finding_file
    text = _read_input(finding_file)
    if not text.strip():
        raise UsageError(
            f"nothing to explain: {where} is empty",
            hint="pass a finding JSON file, - for stdin, or --rule ID --message TEXT",
        )
    return parse_findings(text, where=where)
