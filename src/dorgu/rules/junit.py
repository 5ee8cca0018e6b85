"""Findings as JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One ``<testsuite>`` per rule category, one ``<testcase>`` per (rule, object) with a finding at
or above ``fail_on`` as a ``<failure>``; findings below it are listed in ``<system-out>``.
Pure string building: must not print, read files, or decide exit codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding

_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def at_or_above(severity: Severity, threshold: Severity) -> bool:
    return _RANK[severity] >= _RANK[threshold]


def _case_name(finding: Finding) -> str:
    resource = str(finding.resource) if finding.resource is not None else "input"
    return f"{finding.rule_id or 'rules'} {resource}"


def _detail(finding: Finding) -> str:
    where = f"{finding.location}: " if finding.location is not None else ""
    field = f" ({finding.field})" if finding.field else ""
    fix = f"\nfix: {finding.suggestion}" if finding.suggestion else ""
    return f"{where}{finding.severity.value}: {finding.message}{field}{fix}"


def render_junit(findings: Sequence[Finding], *, fail_on: Severity = Severity.ERROR) -> str:
    by_category: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        category = (finding.rule_id or "rules").split(".", 1)[0]
        by_category[category].append(finding)
    root = ET.Element("testsuites", name="dorgu validate")
    total_failures = 0
    for category in sorted(by_category):
        items = sorted(by_category[category], key=lambda f: (_case_name(f), f.message))
        suite = ET.SubElement(root, "testsuite", name=category)
        failures = 0
        for finding in items:
            case = ET.SubElement(
                suite, "testcase", classname=f"dorgu.{category}", name=_case_name(finding)
            )
            if at_or_above(finding.severity, fail_on):
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=finding.message[:500], type=finding.severity.value
                )
                failure.text = _detail(finding)
            else:
                ET.SubElement(case, "system-out").text = _detail(finding)
        suite.set("tests", str(len(items)))
        suite.set("failures", str(failures))
        total_failures += failures
    root.set("tests", str(len(findings)))
    root.set("failures", str(total_failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
