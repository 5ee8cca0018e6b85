"""Text, JSON and SARIF 2.1.0 reports."""

import json

from dorgu.cli.explain import parse_findings
from dorgu.models.evidence import Location
from dorgu.rules import RULES
from dorgu.rules.reports import render_json, render_sarif, render_text, summary_line

from .builders import app, first, run


def _findings():
    objects = app()
    first(objects[0])["image"] = "nginx"
    first(objects[0])["securityContext"]["privileged"] = True
    located = []
    for line, finding in enumerate(run(objects), start=10):
        located.append(
            finding.model_copy(update={"location": Location(file="k8s/my app.yaml", line=line)})
        )
    return located


def test_text_has_file_line_severity_rule_object_field_and_fix():
    text = render_text(_findings())
    first_line, fix = text.splitlines()[:2]
    assert first_line.startswith(
        "k8s/my app.yaml:10: error: security.privileged: Deployment/shop/api "
    )
    assert (
        "spec.template.spec.containers[0].securityContext.privileged (container api)" in first_line
    )
    assert fix.startswith("    fix: ")


def test_summary_line_counts_each_severity():
    assert summary_line(_findings(), objects=3, files=1) == (
        "2 errors, 0 warnings, 0 info in 3 objects from 1 file"
    )


def test_json_issues_round_trip_through_dorgu_explain():
    findings = _findings()
    data = json.loads(render_json(findings, input_errors=["x.yaml:3: invalid YAML"]))
    assert data["summary"] == {"error": 2, "warning": 0, "info": 0}
    assert data["inputErrors"] == ["x.yaml:3: invalid YAML"]
    assert data["issues"][0]["location"] == {"file": "k8s/my app.yaml", "line": 10}
    assert parse_findings(json.dumps(data), where="stdin") == findings


def test_sarif_shape():
    findings = _findings()
    log = json.loads(render_sarif(findings))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "dorgu"
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    for rule in driver["rules"]:
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert rule["shortDescription"]["text"]
    assert len(sarif_run["results"]) == len(findings)
    for result in sarif_run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note", "none"}
        assert result["message"]["text"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "k8s/my%20app.yaml"
        assert physical["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith(
            "Deployment/shop/api/"
        )
        assert len(result["partialFingerprints"]["dorguFinding/v1"]) == 32
    assert sarif_run["invocations"][0]["executionSuccessful"] is True


def test_sarif_reports_input_errors_as_notifications_and_skips_stdin_locations():
    finding = _findings()[0].model_copy(update={"location": Location(file="<stdin>", line=3)})
    log = json.loads(render_sarif([finding], input_errors=["bad.yaml:1: not valid UTF-8"]))
    [sarif_run] = log["runs"]
    invocation = sarif_run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("bad.yaml:1")
    assert "physicalLocation" not in sarif_run["results"][0]["locations"][0]


def test_fingerprints_are_stable_across_line_moves():
    one = json.loads(render_sarif(_findings()))["runs"][0]["results"]
    moved = [
        f.model_copy(update={"location": Location(file="k8s/my app.yaml", line=99)})
        for f in _findings()
    ]
    two = json.loads(render_sarif(moved))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in one] == [r["partialFingerprints"] for r in two]
