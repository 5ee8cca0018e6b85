"""`dorgu validate`: formats, exit codes, flags, stdin and hostile input through the CLI."""

import json
import shutil

import pytest
from click.testing import Result

from tests.cli.running import EXAMPLES, dorgu
from tests.services.test_validating import DEPLOYMENT, PERSONA

CLEAN = DEPLOYMENT.replace("          privileged: true\n", "").replace("replicas: 1", "replicas: 0")


@pytest.fixture
def manifests(tmp_path):
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "clean.yaml").write_text(CLEAN)
    return tmp_path


def test_validate_is_listed_in_help():
    assert "validate" in dorgu("--help").output


def test_error_findings_exit_1_with_file_line_in_text(manifests):
    result = dorgu("validate", str(manifests / "deploy.yaml"))
    assert result.exit_code == 1, result.output
    assert f"{manifests / 'deploy.yaml'}:" in result.output
    assert ": error: security.privileged: Deployment/api " in result.output
    assert "    fix: remove privileged: true" in result.output
    assert "1 error, 0 warnings, 1 info in 1 object from 1 file" in result.output


def test_clean_input_exits_0_and_warnings_fail_only_with_strict(manifests):
    result = dorgu("validate", str(manifests / "clean.yaml"))
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings, 0 info in 1 object from 1 file" in result.output
    writable = manifests / "writable.yaml"
    writable.write_text(
        CLEAN.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    )
    result = dorgu("validate", str(writable))
    assert result.exit_code == 0
    assert "warning: security.read-only-root-filesystem" in result.output
    assert dorgu("validate", "--strict", str(writable)).exit_code == 1
    assert dorgu("validate", "--level", "strict", str(writable)).exit_code == 1
    assert dorgu("validate", "--level", "relaxed", "--strict", str(writable)).exit_code == 0


def test_disable_and_severity_flags(manifests):
    path = str(manifests / "deploy.yaml")
    assert dorgu("validate", path, "--disable", "security.privileged").exit_code == 0
    assert dorgu("validate", path, "--severity", "security.privileged=warning").exit_code == 0
    assert dorgu("validate", path, "--disable", "security,reliability").exit_code == 0


def test_unknown_rule_ids_are_usage_errors(manifests):
    result = dorgu("validate", str(manifests), "--disable", "security.nope")
    assert result.exit_code == 2
    assert "unknown rule id or category: security.nope" in result.output
    assert dorgu("validate", str(manifests), "--severity", "security=fatal").exit_code == 2


def test_json_output_pipes_into_dorgu_explain(manifests):
    result = dorgu("validate", "-f", "json", str(manifests / "deploy.yaml"))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"]["error"] == 1
    privileged = next(i for i in data["issues"] if i["rule_id"] == "security.privileged")
    assert privileged["location"]["line"] > 1
    explained = dorgu("explain", "--no-llm", "-", input=result.stdout)
    assert explained.exit_code == 0, explained.output
    assert "security.privileged" in explained.output


def test_sarif_output_is_a_sarif_log(manifests):
    result = dorgu("validate", "--format", "sarif", str(manifests))
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert any(uri.endswith("deploy.yaml") for uri in uris)


def test_stdin_is_the_default_when_piped():
    result = dorgu("validate", input=DEPLOYMENT)
    assert result.exit_code == 1
    assert "<stdin>:" in result.output
    assert dorgu("validate", "-", input=CLEAN).exit_code == 0


def test_persona_flag_checks_the_bounds(manifests, tmp_path):
    persona = tmp_path / "persona.yaml"
    persona.write_text(PERSONA)
    result = dorgu("validate", str(manifests / "clean.yaml"), "--persona", str(persona))
    assert result.exit_code == 1
    assert "persona.resource-bounds" in result.output
    assert "bound 1Gi (resources.bounds.memory.max)" in result.output


def test_unreadable_inputs_exit_3_after_checking_the_rest(manifests):
    (manifests / "bad.yaml").write_bytes(b"kind: \xff\n")
    result = dorgu("validate", str(manifests))
    assert result.exit_code == 3
    assert "error: " in result.output and "bad.yaml:1: not valid UTF-8" in result.output
    assert "security.privileged" in result.output
    assert "Traceback" not in result.output


def test_an_invalid_persona_file_is_a_one_line_input_error(manifests, tmp_path):
    persona = tmp_path / "persona.yaml"
    persona.write_text("kind: ApplicationPersona\napiVersion: dorgu.io/v1\nspec: {name: x}\n")
    result = dorgu("validate", str(manifests), "--persona", str(persona))
    assert result.exit_code == 3
    assert result.output.count("\n") == 1 and "persona.yaml" in result.output


def test_generated_example_output_validates_without_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    app = tmp_path / "app"
    shutil.copytree(EXAMPLES / "compose-shop", app)
    # alerts without a runbook are warnings (observability.alert-runbook)
    (app / ".dorgu.yaml").write_text("app:\n  runbook: https://runbooks.example.com/shop\n")
    generated = dorgu("generate", str(app), "--image-tag", "1.0.0", "--registry", "ghcr.io/acme")
    assert generated.exit_code == 0, generated.output
    result = dorgu("validate", str(app / "k8s"))
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


SCHEMA_BROKEN = CLEAN.replace("imagePullPolicy: Always", "imagePulPolicy: Always").replace(
    "replicas: 0", "replicas: many"
)


def _schema_findings(result: Result) -> dict[str, str]:
    issues = json.loads(result.stdout)["issues"]
    return {i["rule_id"]: i["severity"] for i in issues if i["rule_id"].startswith("schema.")}


def test_disabling_one_schema_rule_removes_only_its_findings(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(SCHEMA_BROKEN)
    everything = dorgu("validate", "-f", "json", str(path))
    assert everything.exit_code == 1
    assert _schema_findings(everything) == {
        "schema.unknown-field": "error",
        "schema.invalid": "error",
    }
    rules_before = {i["rule_id"] for i in json.loads(everything.stdout)["issues"]}
    one_off = dorgu("validate", "-f", "json", str(path), "--disable", "schema.unknown-field")
    assert _schema_findings(one_off) == {"schema.invalid": "error"}
    rules_after = {i["rule_id"] for i in json.loads(one_off.stdout)["issues"]}
    assert rules_after == rules_before - {"schema.unknown-field"}
    both = dorgu("validate", str(path), "--disable", "schema.unknown-field,schema.invalid")
    assert both.exit_code == 0, both.output
    assert dorgu("validate", str(path), "--disable", "schema").exit_code == 0


def test_schema_severity_overrides_change_the_exit_code(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(SCHEMA_BROKEN)
    lowered = ("--severity", "schema.unknown-field=warning", "--severity", "schema.invalid=info")
    result = dorgu("validate", "-f", "json", str(path), *lowered)
    assert result.exit_code == 0, result.output
    assert _schema_findings(result) == {"schema.unknown-field": "warning", "schema.invalid": "info"}
    assert dorgu("validate", str(path), *lowered, "--fail-on", "warning").exit_code == 1
    assert dorgu("validate", str(path), *lowered, "--strict").exit_code == 1
    # The typo also leaves the pull policy unset, which a rule reports as a warning.
    only_info = ("--severity", "schema=info", "--disable", "reliability.image-pull-policy")
    assert dorgu("validate", str(path), *only_info, "--fail-on", "warning").exit_code == 0
    assert dorgu("validate", str(path), *only_info, "--fail-on", "info").exit_code == 1
    # An unknown kind is a warning by default; it can be raised to an error.
    widget = tmp_path / "widget.yaml"
    widget.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    assert dorgu("validate", str(widget)).exit_code == 0
    raised = dorgu("validate", str(widget), "--severity", "schema.unknown-kind=error")
    assert raised.exit_code == 1
    assert "error: schema.unknown-kind: Widget/w" in raised.output


@pytest.mark.parametrize(
    ("flag", "value", "shown"),
    [
        (
            "--disable",
            "schema.unknown-fields",
            "schema.unknown-fields (did you mean schema.unknown-field?)",
        ),
        ("--severity", "schema.invalidd=warning", "schema.invalidd (did you mean schema.invalid?)"),
        ("--disable", "schemas", "schemas (did you mean schema?)"),
    ],
)
def test_unknown_schema_ids_are_one_line_usage_errors_with_a_guess(manifests, flag, value, shown):
    result = dorgu("validate", str(manifests / "clean.yaml"), flag, value)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: unknown rule id or category: ")
    assert shown in lines[0]


def test_sarif_lists_the_schema_rules(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(SCHEMA_BROKEN)
    run = json.loads(dorgu("validate", "-f", "sarif", str(path)).stdout)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert {"schema.unknown-field", "schema.invalid", "schema.unknown-kind"} <= set(ids)
    unknown_field = next(r for r in run["results"] if r["ruleId"] == "schema.unknown-field")
    assert ids[unknown_field["ruleIndex"]] == "schema.unknown-field"


OBSERVABILITY = """\
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: prod, labels: {app: shop}}
spec:
  selector: {app: shop}
  ports: [{name: http, port: 80}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: shop, namespace: prod}
spec:
  selector: {matchLabels: {app: shpo}}
  endpoints: [{port: http, intervall: 30s}]
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: shop, namespace: prod}
spec:
  groups:
  - name: shop
    rules:
    - alert: ShopDown
      expr: sum(rate(http_requests_total[5m])
"""


def test_observability_objects_get_promql_selector_and_schema_findings(tmp_path):
    path = tmp_path / "monitoring.yaml"
    path.write_text(OBSERVABILITY)
    result = dorgu("validate", str(path))
    assert result.exit_code == 1, result.output
    out = result.output
    assert "Traceback" not in out
    assert f"{path}:23: error: observability.rule-expression:" in out
    assert "invalid PromQL: unclosed left parenthesis" in out
    assert "observability.alert-severity" in out and "observability.alert-runbook" in out
    assert f"{path}:12: warning: observability.monitor-selector:" in out
    assert "schema.unknown-field" in out and "intervall" in out
