"""``dorgu validate [PATH ...]``: check Kubernetes manifests with the rule engine that
``dorgu generate`` and the admission webhook use.

PATH is a file, a directory (walked recursively for .yaml/.yml/.json) or ``-`` for stdin
(the default when stdin is piped).  Findings go to stdout (text, JSON, SARIF 2.1.0 or JUnit XML); the
summary, notes and unreadable inputs go to stderr, one line each.

Exit codes: 0 no findings at or above ``--fail-on`` (default error; ``--strict`` = warning);
1 findings at or above it; 2 usage error (bad flag, unknown rule id);
3 an input could not be read or parsed (the readable ones are still checked and reported).

Every object is also checked against the bundled Kubernetes OpenAPI schemas (``--no-schema``
skips that; ``--kubernetes-version`` picks the bundle, only 1.37 ships).  Their ids
(``schema.unknown-field``, ``schema.invalid``, ``schema.unknown-kind``, category ``schema``)
are rule ids like the others for ``--disable`` and ``--severity``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

FORMATS = ("text", "json", "sarif", "junit")
LEVELS = ("relaxed", "default", "strict")
SEVERITIES = ("error", "warning", "info")
EXIT_FINDINGS = 1
EXIT_INPUT = 3


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _with_guess(name: str) -> str:
    from dorgu.rules.registry import closest_name

    guess = closest_name(name)
    return f"{name} (did you mean {guess}?)" if guess else name


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH ...]")
@click.option(
    "--persona",
    "personas",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="ApplicationPersona YAML to check the workloads it selects against (repeatable).",
)
@click.option(
    "-f", "--format", "output_format", type=click.Choice(FORMATS), default="text",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (same as --fail-on warning).")
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES), default=None,
    help="Lowest severity that makes the exit code 1 (default: error).",
)  # fmt: skip
@click.option(
    "--level", type=click.Choice(LEVELS), default="default", show_default=True,
    help="Strictness: relaxed drops opinionated rules, strict makes security/resources errors.",
)  # fmt: skip
@click.option(
    "--disable", multiple=True, metavar="RULE",
    help="Rule id or category to skip (repeatable, or comma-separated), schema.* included.",
)  # fmt: skip
@click.option(
    "--severity", "severities", multiple=True, metavar="RULE=LEVEL",
    help="Override the severity of a rule or category, e.g. security.host-path=warning.",
)  # fmt: skip
@click.option(
    "--no-schema", is_flag=True,
    help="Skip the Kubernetes OpenAPI schema checks (unknown fields, types, required fields).",
)  # fmt: skip
@click.option(
    "--kubernetes-version", default=None, metavar="X.Y",
    help="Kubernetes version whose bundled schemas to check against (default: 1.37, the only one bundled).",
)  # fmt: skip
def validate(
    paths: tuple[str, ...],
    personas: tuple[Path, ...],
    output_format: str,
    strict: bool,
    fail_on: str | None,
    level: str,
    disable: tuple[str, ...],
    severities: tuple[str, ...],
    no_schema: bool,
    kubernetes_version: str | None,
) -> None:
    """Check Kubernetes manifests for security, reliability and persona problems."""
    from datetime import UTC, datetime

    from dorgu.cli.options import parse_pairs
    from dorgu.errors import UsageError
    from dorgu.models.evidence import Severity
    from dorgu.rules import Level, policy_for_level
    from dorgu.rules.junit import at_or_above, render_junit
    from dorgu.rules.reports import render_json, render_sarif, render_text, summary_line
    from dorgu.services.schemas import check_version
    from dorgu.services.validating import DEFAULT_KUBERNETES_VERSION, ValidateRequest
    from dorgu.services.validating import validate as run_validate

    if strict and fail_on not in (None, "warning"):
        raise UsageError("--strict means --fail-on warning; give one of them")
    threshold = Severity(fail_on or ("warning" if strict else "error"))
    if not paths:
        if sys.stdin.isatty():
            raise UsageError("nothing to validate", hint="pass files, directories or - for stdin")
        paths = ("-",)
    if paths.count("-") > 1:
        raise UsageError("- (stdin) can be given only once")
    overrides = parse_pairs(_split(severities), flag="--severity")
    bad = {k: v for k, v in overrides.items() if v not in SEVERITIES}
    if bad:
        raise UsageError(f"--severity {next(iter(bad))}: level must be error, warning or info")
    policy = (
        policy_for_level(Level(level))
        .disabling(_split(disable))
        .overriding({k: Severity(v) for k, v in overrides.items()})
    )
    unknown = policy.unknown_names()
    if unknown:
        raise UsageError(
            f"unknown rule id or category: {', '.join(map(_with_guess, unknown))}",
            hint="see docs/rules.md for the rule ids, schema.* included",
        )
    if no_schema and kubernetes_version is not None:
        raise UsageError("--no-schema and --kubernetes-version contradict each other; give one")
    schema_version = (
        None if no_schema else check_version(kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    )
    request = ValidateRequest(
        paths=paths, persona_files=personas, policy=policy, kubernetes_version=schema_version
    )
    outcome = run_validate(request, now=datetime.now(UTC), stdin=sys.stdin.buffer)
    for error in outcome.input_errors:
        click.echo(f"error: {error}", err=True)
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    findings = outcome.findings
    if output_format == "json":
        click.echo(render_json(findings, input_errors=outcome.input_errors), nl=False)
    elif output_format == "sarif":
        click.echo(render_sarif(findings, input_errors=outcome.input_errors), nl=False)
    elif output_format == "junit":
        click.echo(render_junit(findings, fail_on=threshold), nl=False)
    else:
        click.echo(render_text(findings), nl=False)
    summary = summary_line(findings, objects=outcome.objects, files=outcome.files)
    if outcome.skipped:
        summary += f" ({outcome.skipped} non-Kubernetes documents skipped)"
    click.echo(summary, err=True)
    if outcome.input_errors:
        click.get_current_context().exit(EXIT_INPUT)
    if any(at_or_above(f.severity, threshold) for f in findings):
        click.get_current_context().exit(EXIT_FINDINGS)
