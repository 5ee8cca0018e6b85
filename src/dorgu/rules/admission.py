"""From findings to an admission decision, per validation mode (``off | audit | warn |
enforce``).  The webhook calls ``decide_admission`` and copies the result into its
``AdmissionResponse``; the operator records ``record``-ed findings in the persona's status.

- off: admitted, nothing recorded, no warnings;
- audit: admitted, findings recorded, no warnings;
- warn: admitted with one warning per error or warning finding (kubectl prints them);
- enforce: denied when any finding is an error (the message names rule, object, field,
  the observed value and persona bound from the finding's message, and the fix); warnings
  for the rest.

Warnings are clipped to what the API server passes on (256 characters each).

Must not do I/O, build HTTP responses, or know how findings are stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.models.personas_policies import ValidationMode

MAX_WARNING_CHARS = 256
MAX_WARNINGS = 20
MAX_MESSAGE_CHARS = 3000


@dataclass(frozen=True)
class AdmissionDecision:
    allowed: bool
    message: str = ""
    warnings: tuple[str, ...] = ()
    record: bool = False
    """Whether the findings belong in the persona's status (audit, warn, enforce)."""


def describe(finding: Finding) -> str:
    """One line: ``rule: Kind/ns/name field (container c): message; fix: suggestion``."""
    where = " ".join(str(x) for x in (finding.resource, finding.field) if x)
    container = f" (container {finding.container})" if finding.container else ""
    fix = f"; fix: {finding.suggestion}" if finding.suggestion else ""
    return f"{finding.rule_id or 'dorgu'}: {where}{container}: {finding.message}{fix}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _warnings(findings: Sequence[Finding]) -> tuple[str, ...]:
    shown = [f for f in findings if f.severity is not Severity.INFO]
    lines = [_clip(f"dorgu {f.severity.value}: {describe(f)}", MAX_WARNING_CHARS) for f in shown]
    if len(lines) > MAX_WARNINGS:
        lines = [
            *lines[: MAX_WARNINGS - 1],
            f"dorgu: {len(lines) - MAX_WARNINGS + 1} more findings",
        ]
    return tuple(lines)


def decide_admission(findings: Sequence[Finding], mode: ValidationMode) -> AdmissionDecision:
    """The decision for a workload with ``findings`` under ``mode``."""
    if mode is ValidationMode.OFF:
        return AdmissionDecision(allowed=True)
    if mode is ValidationMode.AUDIT:
        return AdmissionDecision(allowed=True, record=True)
    if mode is ValidationMode.WARN:
        return AdmissionDecision(allowed=True, warnings=_warnings(findings), record=True)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    rest = [f for f in findings if f.severity is not Severity.ERROR]
    if not errors:
        return AdmissionDecision(allowed=True, warnings=_warnings(rest), record=True)
    count = len(errors)
    head = f"denied by dorgu (enforce): {count} error{'s' if count != 1 else ''}"
    message = _clip("; ".join([head, *map(describe, errors)]), MAX_MESSAGE_CHARS)
    return AdmissionDecision(allowed=False, message=message, warnings=_warnings(rest), record=True)
