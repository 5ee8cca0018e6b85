"""``dorgu persona apply|status|list|get|pull|delete``: ApplicationPersonas in a cluster.

``apply`` takes an app directory (the persona is built as ``dorgu generate`` builds it) or a
persona YAML file and server-side applies it (field manager ``dorgu``); ``--dry-run`` asks the
server, ``--diff`` compares with the live object.  ``pull`` writes a persona back into the app's
``.dorgu.yaml`` and never overwrites without ``--force``.

Exit codes: 0 ok; 2 usage; 3 unreadable input; 4 invalid config; 5 refusing to overwrite;
6 the cluster is unreachable or refused a request (including missing CRDs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dorgu.cli.cluster import OUTPUTS, age, emit, kube_options, open_client, table

if TYPE_CHECKING:
    from dorgu.models.personas import ApplicationPersona
    from dorgu.models.personas_learned import LearnedState

_PHASE_COLOURS = {"Active": "green", "Pending": "yellow", "Degraded": "yellow", "Failed": "red"}
_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


@click.group()
@kube_options
def persona() -> None:
    """Apply, inspect and pull ApplicationPersonas in a cluster."""


@persona.command()
@kube_options
@click.argument("path", type=click.Path(path_type=Path, exists=True), default=".")
@click.option("--dry-run", is_flag=True, help="Server-side dry run: validate, change nothing.")
@click.option("--diff", is_flag=True, help="Show how the live object would change; apply nothing.")
@click.option("--force", is_flag=True, help="Take over fields another field manager owns.")
def apply(path: Path, dry_run: bool, diff: bool, force: bool) -> None:
    """Apply the persona of the app at PATH (a directory) or in PATH (a YAML file)."""
    from dorgu.cli.cluster import connection_options
    from dorgu.services.personas import apply_personas, load_personas

    personas = load_personas(path, namespace=connection_options().namespace)
    outcomes = apply_personas(
        personas, client=open_client(), dry_run=dry_run, diff=diff, force=force
    )
    for outcome in outcomes:
        if diff:
            click.echo(outcome.diff or f"# applicationpersona/{outcome.name}: no changes", nl=False)
            if not outcome.diff:
                click.echo()
            continue
        verb = "created" if outcome.created else "configured"
        suffix = " (server dry run)" if dry_run else ""
        click.echo(
            f"applicationpersona.dorgu.io/{outcome.name} {verb} in {outcome.namespace}{suffix}"
        )


@persona.command()
@kube_options
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
def status(name: str, output: str) -> None:
    """Show a persona's validation results, recommendations and learned data."""
    from dorgu.cli.cluster import connection_options
    from dorgu.models.personas_base import dump_wire
    from dorgu.services.personas import get_persona

    found = get_persona(name, client=open_client(), namespace=connection_options().namespace)
    if output != "table":
        emit(dump_wire(found.status) if found.status else {}, output)
        return
    for line in status_lines(found):
        click.echo(line)


def status_lines(persona: ApplicationPersona) -> list[str]:
    """The human view of a persona's status (styles are stripped when not on a TTY)."""
    spec, state = persona.spec, persona.status
    head = f"{persona.metadata.namespace}/{persona.metadata.name}"
    lines = [f"{click.style(head, bold=True)}  {spec.type.value} · {spec.tier.value}"]
    if state is None:
        return [*lines, "  no status yet: is the dorgu operator running?"]
    phase = state.phase.value if state.phase else "Unknown"
    lines.append(f"  phase        {click.style(phase, fg=_PHASE_COLOURS.get(phase))}")
    if state.health and state.health.status:
        lines.append(
            f"  health       {state.health.status.value}  {state.health.message or ''}".rstrip()
        )
    check = state.validation
    if check is not None:
        verdict = (
            click.style("passed", fg="green") if check.passed else click.style("failed", fg="red")
        )
        mode = f" (mode {check.mode.value})" if check.mode else ""
        lines.append(f"  validation   {verdict}{mode}, checked {age(check.last_checked)} ago")
        rows = [["TARGET", "CHECK", "RESULT", "FIELD", "MESSAGE"]]
        for target in check.targets:
            for result in target.checks:
                outcome = (
                    "pass"
                    if result.passed
                    else (result.severity.value if result.severity else "fail")
                )
                rows.append(
                    [
                        f"{target.kind}/{target.name}",
                        result.rule,
                        outcome,
                        result.field or "",
                        result.message or "",
                    ]
                )
        if len(rows) > 1:
            lines += ["    " + line for line in _coloured(table(rows)).splitlines()]
        for issue in check.issues if not check.targets else []:
            sev = click.style(issue.severity.value, fg=_SEVERITY_COLOURS.get(issue.severity.value))
            lines.append(f"    {sev}: {issue.field or '-'}: {issue.message}")
    if state.recommendations:
        lines.append("  recommendations")
        for rec in state.recommendations:
            lines.append(f"    [{rec.priority.value}] {rec.type.value}: {rec.message}")
            if rec.action:
                lines.append(f"        action: {rec.action}")
    learned = state.learned
    if learned is not None:
        lines.append("  learned")
        base = learned.resource_baseline
        if base is not None:
            lines.append(
                f"    cpu avg {base.avg_cpu or '-'} peak {base.peak_cpu or '-'}; memory avg {base.avg_memory or '-'} peak {base.peak_memory or '-'}"
            )
        if learned.incident_count is not None:
            lines.append(
                f"    incidents {learned.incident_count}, last {learned.last_incident or '-'}"
            )
        for pattern in learned.patterns:
            confidence = f" ({pattern.confidence:.0%})" if pattern.confidence is not None else ""
            lines.append(f"    {pattern.type}: {pattern.description}{confidence}")
        lines += _baseline_lines(learned)
    for condition in state.conditions:
        lines.append(
            f"  condition    {condition.type}={condition.status.value} {condition.reason}: {condition.message}".rstrip()
        )
    return lines


def _baseline_lines(learned: LearnedState) -> list[str]:
    lines: list[str] = []
    if learned.window or learned.last_attempt:
        when = f", learned {age(learned.last_updated)} ago" if learned.last_updated else ""
        lines.append(f"    window {learned.window or '-'}, {learned.points or 0} points{when}")
    if learned.stale:
        lines.append(
            "    " + click.style(f"stale: {learned.stale_reason or 'unknown'}", fg="yellow")
        )
    rows = [["WORKLOAD", "CONTAINER", "RESOURCE", "P50", "P95", "P99", "MAX", "PEAK HOUR"]]
    for entry in learned.containers:
        for resource, found, hourly in (
            ("cpu", entry.cpu, entry.hourly.cpu_millicores if entry.hourly else []),
            ("memory", entry.memory, entry.hourly.memory_mebibytes if entry.hourly else []),
        ):
            peak = max(range(len(hourly)), key=lambda h: hourly[h]) if hourly else None
            rows.append([f"{entry.kind}/{entry.workload}", entry.name, resource, found.p50,
                         found.p95, found.p99, found.max,
                         f"{peak:02d}:00 UTC" if peak is not None and hourly[peak] >= 0 else "-"])  # fmt: skip
    if len(rows) > 1:
        lines += ["    " + line for line in table(rows).splitlines()]
    http = learned.http
    if http is not None:
        rate = http.request_rate
        text = f"    http ({http.metric})"
        if rate is not None:
            text += f": {rate.avg:g} req/s avg, {rate.p95:g} p95, {rate.max:g} max"
        if http.error_ratio is not None:
            text += f"; errors {http.error_ratio:.2%}"
        latency = http.latency_seconds
        if latency is not None:
            shown = [f"{n} {v * 1000:g}ms" for n, v in (("p50", latency.p50),
                     ("p95", latency.p95), ("p99", latency.p99)) if v is not None]  # fmt: skip
            text += "; latency " + ", ".join(shown)
        lines.append(text)
    return lines


def _coloured(text: str) -> str:
    lines = text.splitlines()
    for severity, colour in _SEVERITY_COLOURS.items():
        lines[1:] = [
            line.replace(f"  {severity}  ", f"  {click.style(severity, fg=colour)}  ")
            for line in lines[1:]
        ]
    return "\n".join(lines)


@persona.command(name="list")
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Personas in every namespace.")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
def list_(all_namespaces: bool, output: str) -> None:
    """List personas with their type, tier, phase and validation result."""
    from dorgu.cli.cluster import connection_options
    from dorgu.models.personas_base import dump_wire
    from dorgu.services.personas import list_personas

    found = list_personas(
        client=open_client(),
        namespace=connection_options().namespace,
        all_namespaces=all_namespaces,
    )
    if output != "table":
        emit([dump_wire(p) for p in found], output)
        return
    if not found:
        click.echo("no personas found", err=True)
        return
    rows = [
        (["NAMESPACE"] if all_namespaces else [])
        + ["NAME", "TYPE", "TIER", "PHASE", "VALIDATION", "AGE"]
    ]
    for item in found:
        state = item.status
        check = state.validation if state else None
        rows.append(
            ([item.metadata.namespace or ""] if all_namespaces else [])
            + [
                item.metadata.name or "",
                item.spec.type.value,
                item.spec.tier.value,
                state.phase.value if state and state.phase else "-",
                "-" if check is None else ("passed" if check.passed else "failed"),
                age(item.metadata.creation_timestamp),
            ]
        )
    click.echo(table(rows))


@persona.command()
@kube_options
@click.argument("name")
@click.option(
    "-o", "--output", type=click.Choice(("yaml", "json")), default="yaml", show_default=True
)
def get(name: str, output: str) -> None:
    """Print a persona as the cluster has it (managedFields left out)."""
    from dorgu.cli.cluster import connection_options
    from dorgu.services.personas import get_persona_object

    emit(
        get_persona_object(name, client=open_client(), namespace=connection_options().namespace),
        output,
    )


@persona.command()
@kube_options
@click.argument("name")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing .dorgu.yaml.")
def pull(name: str, path: Path, force: bool) -> None:
    """Write persona NAME from the cluster into PATH/.dorgu.yaml."""
    from dorgu.cli.cluster import connection_options
    from dorgu.services.personas import pull_persona

    outcome = pull_persona(
        name, path, client=open_client(), namespace=connection_options().namespace, force=force
    )
    click.echo(f"wrote {outcome.file}")
    if outcome.skipped:
        click.echo(
            f"note: not representable in .dorgu.yaml: {', '.join(outcome.skipped)}", err=True
        )


@persona.command()
@kube_options
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Server-side dry run: delete nothing.")
def delete(name: str, dry_run: bool) -> None:
    """Delete persona NAME (its workloads are not touched)."""
    from dorgu.cli.cluster import connection_options
    from dorgu.services.personas import delete_persona

    client = open_client()
    delete_persona(name, client=client, namespace=connection_options().namespace, dry_run=dry_run)
    suffix = " (server dry run)" if dry_run else ""
    click.echo(f"applicationpersona.dorgu.io/{name} deleted{suffix}")
