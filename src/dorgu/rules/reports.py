"""Findings as text, JSON and SARIF 2.1.0 (for CI code scanning).  Pure string building:
the CLI prints what these return.

JSON is ``{"issues": [finding, ...], "summary": {...}, "inputErrors": [...]}``; ``issues``
holds ``Finding`` objects as ``dorgu explain`` reads them, so ``dorgu validate -f json ... |
dorgu explain -`` works.

Must not print, read files, or decide exit codes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from urllib.parse import quote

from dorgu import __version__
from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.rules.admission import describe
from dorgu.rules.registry import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
INFORMATION_URI = "https://github.com/dorgu-ai/dorgu"
STDIN_NAMES = frozenset({"-", "<stdin>", "stdin"})


def summarize(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {level.value: counts.get(level.value, 0) for level in Severity}


def summary_line(findings: Sequence[Finding], *, objects: int, files: int) -> str:
    counts = summarize(findings)
    parts = [
        f"{counts[s.value]} {s.value}{'s' if counts[s.value] != 1 and s is not Severity.INFO else ''}"
        for s in Severity
    ]
    return (
        f"{', '.join(parts)} in {objects} object{'s' if objects != 1 else ''} "
        f"from {files} file{'s' if files != 1 else ''}"
    )


def render_text(findings: Sequence[Finding]) -> str:
    """``file:line: severity: rule: Kind/name field: message`` and an indented fix line."""
    lines: list[str] = []
    for finding in findings:
        where = f"{finding.location}: " if finding.location else ""
        text = describe(finding.model_copy(update={"suggestion": None}))
        lines.append(f"{where}{finding.severity.value}: {text}")
        if finding.suggestion:
            lines.append(f"    fix: {finding.suggestion}")
    return "".join(f"{line}\n" for line in lines)


def render_json(findings: Sequence[Finding], *, input_errors: Sequence[str] = ()) -> str:
    data = {
        "issues": [f.model_dump(mode="json", exclude_none=True) for f in findings],
        "summary": summarize(findings),
        "inputErrors": list(input_errors),
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _fingerprint(finding: Finding) -> str:
    key = "|".join(
        str(x or "") for x in (finding.rule_id, finding.resource, finding.field, finding.container)
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule_id or "dorgu",
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": describe(finding.model_copy(update={"rule_id": None}))},
        "partialFingerprints": {"dorguFinding/v1": _fingerprint(finding)},
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    location: dict[str, object] = {}
    where = finding.location
    if where is not None and where.file not in STDIN_NAMES:
        physical: dict[str, object] = {
            "artifactLocation": {"uri": quote(where.file.replace("\\", "/"))}
        }
        if where.line is not None:
            physical["region"] = {"startLine": where.line}
        location["physicalLocation"] = physical
    if finding.resource is not None:
        name = str(finding.resource) + (f"/{finding.field}" if finding.field else "")
        location["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "resource"}]
    if location:
        result["locations"] = [location]
    return result


def render_sarif(findings: Sequence[Finding], *, input_errors: Sequence[str] = ()) -> str:
    """A SARIF 2.1.0 log with one run: every rule as a reporting descriptor, one result per
    finding, and input errors as tool execution notifications."""
    rules = [
        {
            "id": rule.id,
            "name": rule.id.replace(".", "/"),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.why},
            "help": {"text": f"{rule.why} Fix: {rule.fix} (see docs/rules.md)"},
            "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
            "properties": {"category": rule.category.value, "tags": [rule.category.value]},
        }
        for rule in RULES
    ]
    rule_index = {rule.id: index for index, rule in enumerate(RULES)}
    run = {
        "tool": {
            "driver": {
                "name": "dorgu",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": [_result(f, rule_index) for f in findings],
        "invocations": [
            {
                "executionSuccessful": not input_errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": error}} for error in input_errors
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"
