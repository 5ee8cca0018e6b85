"""``dorgu incidents list|show|resolve|similar``: the IncidentMemory objects the operator
records (see docs/incidents.md).

Exit codes: 0 ok; 2 usage (bad name, empty note, already resolved); 4 config; 6 the cluster
is unreachable, refused a request, or has no dorgu CRDs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dorgu.cli import cluster as cluster_cli
from dorgu.cli.cluster import OUTPUTS, age, connection_options, emit, kube_options
from dorgu.cli.explain import LLM_PROVIDERS, llm_flags

if TYPE_CHECKING:
    from dorgu.learning.incidents.similarity import Match
    from dorgu.models.incidents import IncidentMemory
    from dorgu.services.incident_summaries import SummaryOutcome
    from dorgu.services.incidents import IncidentRow

OUTCOMES = ("resolved", "partial", "failed", "rollback", "acknowledged")


def _stamp(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _workload(incident: IncidentMemory) -> str:
    ref = incident.spec.workload
    return f"{ref.kind}/{ref.name}" if ref else "-"


def _phase(incident: IncidentMemory) -> str:
    return incident.status.phase.value if incident.status else "Detected"


def _as_list(incidents: list[IncidentMemory]) -> dict[str, object]:
    from dorgu.models.personas_base import dump_wire

    return {"apiVersion": "v1", "kind": "List", "items": [dump_wire(i) for i in incidents]}


@click.group()
@kube_options
def incidents() -> None:
    """List, inspect, resolve and compare incidents (IncidentMemory objects)."""


@incidents.command("list")
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Incidents in every namespace.")
@click.option("--open", "open_only", is_flag=True, help="Only incidents not yet resolved.")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
def list_(all_namespaces: bool, open_only: bool, output: str) -> None:
    """List incidents: open ones first, then by namespace and name."""
    from dorgu.services.incidents import list_incident_rows, list_incidents

    client = cluster_cli.open_client()
    namespace = connection_options().namespace
    if output != "table":
        listing = list_incidents(
            client=client, namespace=namespace, all_namespaces=all_namespaces, open_only=open_only
        )
        if listing.skipped:
            click.echo(
                f"warning: {len(listing.skipped)} object(s) do not match the IncidentMemory "
                f"model and are not shown, first {listing.skipped[0]}",
                err=True,
            )
        emit(_as_list(listing.incidents), output)
        return
    rows = list_incident_rows(
        client=client, namespace=namespace, all_namespaces=all_namespaces, open_only=open_only
    ).rows
    if not rows:
        where = "any namespace" if all_namespaces else f"namespace {namespace or client.namespace}"
        kind = "open incidents" if open_only else "incidents"
        click.echo(f"No {kind} found in {where}.", err=True)
        return
    click.echo(_list_table(rows, all_namespaces=all_namespaces))


def _age(text: str) -> str:
    """The server prints ages (``5m``); a raw timestamp is turned into one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return age(moment) if moment.tzinfo else text


def _list_table(found: list[IncidentRow], *, all_namespaces: bool) -> str:
    from dorgu.cli.cluster import table

    header = ["NAME", "PHASE", "SEVERITY", "CATEGORY", "SIGNAL", "WORKLOAD", "COUNT", "AGE"]
    rows = [(["NAMESPACE"] if all_namespaces else []) + header]
    for row in found:
        rows.append(
            ([row.namespace] if all_namespaces else [])
            + [row.name, row.phase, row.severity, row.category, row.signal, row.workload,
               row.occurrences, _age(row.age)]
        )  # fmt: skip
    return table(rows)


def _llm_settings(provider: str | None, model: str | None, base_url: str | None) -> object:
    from dorgu.services.configuring import load_settings

    resolved = load_settings(Path("."), flags=llm_flags(provider, model, base_url))
    for warning in resolved.warnings:
        click.echo(f"warning: {warning}", err=True)
    return resolved.settings


@incidents.command()
@click.argument("name")
@kube_options
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
@click.option(
    "--explain",
    is_flag=True,
    help="Add a summary and root-cause hypotheses (the configured LLM, else rules).",
)
@click.option(
    "--save",
    is_flag=True,
    help="With --explain: store the summary in spec.rootCause.summary/provider.",
)
@click.option("--no-llm", is_flag=True, help="With --explain: rule-based only; no network.")
@click.option("--llm-provider", type=click.Choice(LLM_PROVIDERS), help="LLM provider to use.")
@click.option("--llm-model", help="Model name for the provider.")
@click.option("--llm-base-url", help="Endpoint override (proxy, Azure, vLLM, ollama host).")
def show(
    name: str,
    output: str,
    explain: bool,
    save: bool,
    no_llm: bool,
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
) -> None:
    """Show one incident: every field, evidence, contributing signals, previous episode."""
    from dorgu.errors import UsageError
    from dorgu.models.personas_base import dump_wire
    from dorgu.services.incidents import get_incident

    if save and not explain:
        raise UsageError(
            "--save needs --explain", hint="dorgu incidents show NAME --explain --save"
        )
    client = cluster_cli.open_client()
    namespace = connection_options().namespace
    incident = get_incident(name, client=client, namespace=namespace)
    outcome = None
    if explain:
        from dorgu.models.config import EffectiveSettings, LlmProvider
        from dorgu.services.incident_summaries import save_summary, summarize_incident

        settings = None
        if not no_llm:
            loaded = _llm_settings(llm_provider, llm_model, llm_base_url)
            assert isinstance(loaded, EffectiveSettings)
            settings = None if loaded.llm.provider is LlmProvider.NONE else loaded
        outcome = summarize_incident(incident, settings=settings)
        if outcome.warning:
            click.echo(f"warning: {outcome.warning}", err=True)
        if settings is None and not no_llm:
            click.echo("note: no LLM provider configured; rule-based summary", err=True)
        if save:
            incident = save_summary(name, outcome, client=client, namespace=namespace)
            click.echo(f"saved the summary in {name} spec.rootCause", err=True)
    if output != "table":
        data = dump_wire(incident)
        if outcome is not None:
            data["explanation"] = {"source": outcome.source, **outcome.summary.model_dump()}
        emit(data, output)
        return
    click.echo(_details(incident), nl=False)
    if outcome is not None:
        click.echo(_explanation(outcome), nl=False)


def _details(incident: IncidentMemory) -> str:
    spec, status = incident.spec, incident.status
    detection = spec.detection
    lines = [
        f"Name:          {incident.metadata.name}",
        f"Namespace:     {incident.metadata.namespace or '-'}",
        f"Phase:         {_phase(incident)}",
        f"Severity:      {spec.severity.value}",
        f"Category:      {spec.category.value}",
        f"Signal:        {detection.signal} (source {detection.source})",
        f"Workload:      {_workload(incident)}",
        f"Attribution:   {spec.attribution.value}"
        + (f" ({spec.persona_ref.kind.value} {spec.persona_ref.name})" if spec.persona_ref else ""),
        f"Fingerprint:   {spec.fingerprint or '-'}",
        f"Episode:       {status.episode if status else 1}"
        + (f" (after {spec.previous_incident})" if spec.previous_incident else ""),
        f"First seen:    {_stamp(detection.first_seen)}",
        f"Last seen:     {_stamp(detection.last_seen)}",
        f"Occurrences:   {status.occurrence_count if status else 1}",
    ]
    if status and status.resolved_at:
        lines.append(f"Resolved at:   {_stamp(status.resolved_at)}")
    if detection.affected_resources:
        lines.append("Affected resources:")
        lines.extend(
            f"  {r.role or '-':<9} {r.kind}/{r.name}" for r in detection.affected_resources
        )
    if detection.evidence:
        lines.append("Evidence:")
        for item in detection.evidence:
            lines.append(
                f"  {_stamp(item.at)}  {item.signal}  {item.resource}  {item.reason or ''}".rstrip()
            )
            if item.message:
                lines.append(f"    {item.message}")
    root = spec.root_cause
    if root and root.contributing:
        lines.append("Contributing signals:")
        lines.extend(f"  {c.signal}: {c.detail or ''}".rstrip() for c in root.contributing)
    if root and root.summary:
        lines.append(f"Root cause ({root.provider or 'unknown'}):")
        lines.extend(f"  {line}" for line in root.summary.splitlines())
    resolution = spec.resolution
    if resolution:
        lines.append("Resolution:")
        for label, value in (
            ("outcome", resolution.outcome.value if resolution.outcome else None),
            ("by", resolution.resolved_by),
            ("at", _stamp(resolution.applied_at) if resolution.applied_at else None),
            ("after", resolution.duration),
            ("action", resolution.action),
            ("remediation", resolution.remediation_ref),
            ("note", resolution.note),
        ):
            if value:
                lines.append(f"  {label + ':':<12} {value}")
    if status and status.recent_occurrences:
        lines.append("Recent occurrences:")
        lines.extend(
            f"  {_stamp(o.at)}  {o.signal}  {o.resource}" for o in status.recent_occurrences
        )
    return "\n".join(lines) + "\n"


def _explanation(outcome: SummaryOutcome) -> str:
    lines = [f"Summary ({outcome.source}):", f"  {outcome.summary.summary}"]
    if outcome.summary.hypotheses:
        lines.append("Root-cause hypotheses:")
        for index, item in enumerate(outcome.summary.hypotheses, 1):
            lines.append(f"  {index}. {item.cause} (confidence {item.confidence:.2f})")
            if item.check:
                lines.append(f"     check: {item.check}")
    if outcome.redactions:
        lines.append(f"  ({outcome.redactions} secret-looking value(s) redacted before sending)")
    return "\n".join(lines) + "\n"


@incidents.command()
@click.argument("name")
@kube_options
@click.option("--note", required=True, help="What fixed it, or why it is resolved.")
@click.option("--outcome", type=click.Choice(OUTCOMES), default="resolved", show_default=True)
@click.option("--action", help="What was done (e.g. 'raised the memory limit to 512Mi').")
def resolve(name: str, note: str, outcome: str, action: str | None) -> None:
    """Mark an open incident resolved, recording who resolved it and why."""
    from dorgu.models.incidents import ResolutionOutcome
    from dorgu.services.incidents import resolve_incident

    result = resolve_incident(
        name,
        client=cluster_cli.open_client(),
        namespace=connection_options().namespace,
        note=note,
        now=datetime.now(UTC).replace(microsecond=0),
        outcome=ResolutionOutcome(outcome),
        action=action,
    )
    incident = result.incident
    if result.redacted:
        click.echo(f"warning: {result.redacted} secret-looking value(s) redacted from the note",
                   err=True)  # fmt: skip
    resolution = incident.spec.resolution
    took = f" after {resolution.duration}" if resolution and resolution.duration else ""
    click.echo(f"incidentmemory/{incident.metadata.name} resolved by {result.resolved_by}{took}")


@incidents.command()
@click.argument("name")
@kube_options
@click.option("--limit", type=int, default=10, show_default=True, help="At most this many.")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
def similar(name: str, limit: int, output: str) -> None:
    """Incidents like NAME: earlier episodes of the same incident first, then incidents of
    any workload with the same signals, with what resolved them."""
    from dorgu.services.incidents import similar_incidents

    outcome = similar_incidents(
        name,
        client=cluster_cli.open_client(),
        namespace=connection_options().namespace,
        limit=limit,
    )
    if outcome.note:
        click.echo(f"note: {outcome.note}", err=True)
    if output != "table":
        emit({"incident": f"{outcome.incident.metadata.namespace}/{name}",
              "searched": outcome.searched,
              "matches": [_match_record(m) for m in outcome.matches]}, output)  # fmt: skip
        return
    if not outcome.matches:
        click.echo(f"No similar incidents found in {outcome.searched}.", err=True)
        return
    click.echo(_similar_table(outcome.matches))


def _resolved_by(match: Match) -> tuple[str, str]:
    resolution = match.incident.spec.resolution
    if resolution is None:
        return ("-", "-")
    what = resolution.action or resolution.remediation_ref or resolution.note or "-"
    return (resolution.outcome.value if resolution.outcome else "-", what)


def _match_record(match: Match) -> dict[str, object]:
    from dorgu.models.personas_base import dump_wire

    incident = match.incident
    resolution = incident.spec.resolution
    return {
        "namespace": incident.metadata.namespace,
        "name": incident.metadata.name,
        "basis": match.basis.value,
        "score": match.score,
        "shared": list(match.shared),
        "phase": _phase(incident),
        "signal": incident.spec.detection.signal,
        "workload": _workload(incident),
        "resolution": dump_wire(resolution) if resolution else None,
    }


def _similar_table(matches: list[Match]) -> str:
    from dorgu.cli.cluster import table

    rows = [["NAMESPACE", "NAME", "MATCH", "SCORE", "SIGNAL", "WORKLOAD", "PHASE", "OUTCOME",
             "RESOLVED BY"]]  # fmt: skip
    for match in matches:
        incident = match.incident
        outcome, what = _resolved_by(match)
        rows.append(
            [
                incident.metadata.namespace or "-",
                incident.metadata.name or "-",
                match.basis.value,
                f"{match.score:.2f}",
                incident.spec.detection.signal,
                _workload(incident),
                _phase(incident),
                outcome,
                what if len(what) <= 60 else what[:59] + "…",
            ]
        )
    return table(rows)
