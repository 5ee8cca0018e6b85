"""Offline schema validation (kubeconform -strict style) against the bundled Kubernetes 1.37
schemas, dorgu's CRDs and the Argo CD Application subset; and `dorgu validate` wiring."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from dorgu.crds import application_persona_crd
from dorgu.errors import UsageError
from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.rules.schemas import SchemaBundle, parse_bundle, validate_object, validate_objects
from dorgu.services.schemas import check_version, load_schema_bundle
from dorgu.services.validating import ValidateRequest, validate
from tests.rules.builders import NOW, deployment, hpa, pdb, service

GOLDEN = Path(__file__).resolve().parents[1] / "generation" / "golden"


@pytest.fixture(scope="module")
def bundle() -> SchemaBundle:
    return load_schema_bundle("1.37")


def errors(manifest: dict[str, Any], bundle: SchemaBundle) -> list[Finding]:
    return [f for f in validate_object(manifest, bundle=bundle) if f.severity is Severity.ERROR]


def argocd_application() -> dict[str, Any]:
    return yaml.safe_load((GOLDEN / "python-fastapi" / "argocd-application.yaml").read_text())


def test_the_hardened_fixtures_have_no_schema_findings(bundle):
    for manifest in (deployment(), hpa(), pdb(), service()):
        assert validate_object(manifest, bundle=bundle) == []


def test_unknown_field_is_an_error_with_its_path_and_a_suggestion(bundle):
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    [finding] = errors(manifest, bundle)
    assert finding.rule_id == "schema.unknown-field"
    assert finding.field == "spec.template.spec.containers[0].imagePulPolicy"
    assert finding.suggestion == 'did you mean "imagePullPolicy"?'
    assert str(finding.resource) == "Deployment/shop/api"


def test_unknown_top_level_field_and_quoted_keys(bundle):
    manifest = service()
    manifest["extra"] = {"x": 1}
    manifest["metadata"]["annotations"] = {"dorgu.io/x": "ok"}
    assert [f.field for f in errors(manifest, bundle)] == ["extra"]


def test_wrong_type_is_an_error(bundle):
    manifest = deployment()
    manifest["spec"]["replicas"] = "three"
    [finding] = errors(manifest, bundle)
    assert finding.rule_id == "schema.invalid"
    assert finding.field == "spec.replicas"
    assert "expected an integer, got a string" in finding.message


def test_booleans_are_not_integers_and_strings_are_not_booleans(bundle):
    manifest = deployment()
    manifest["spec"]["replicas"] = True
    manifest["spec"]["template"]["spec"]["automountServiceAccountToken"] = "false"
    assert {f.field for f in errors(manifest, bundle)} == {
        "spec.replicas",
        "spec.template.spec.automountServiceAccountToken",
    }


def test_missing_required_field_points_at_the_parent(bundle):
    manifest = deployment()
    del manifest["spec"]["selector"]
    del manifest["spec"]["template"]["spec"]["containers"][0]["name"]
    found = {(f.field, f.message) for f in errors(manifest, bundle)}
    assert found == {
        ("spec", 'missing required field "selector"'),
        ("spec.template.spec.containers[0]", 'missing required field "name"'),
    }


def test_enum_values_are_checked(bundle):
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
    [finding] = errors(manifest, bundle)
    assert finding.field == "spec.template.spec.containers[0].imagePullPolicy"
    assert "'Sometimes' is not one of: Always, IfNotPresent, Never" in finding.message


def test_int_or_string_and_quantities(bundle):
    ok = pdb(maxUnavailable="25%")
    assert errors(ok, bundle) == []
    assert errors(pdb(maxUnavailable=1), bundle) == []
    bad = pdb(maxUnavailable=[1])
    [finding] = errors(bad, bundle)
    assert finding.field == "spec.maxUnavailable"
    assert "an integer or a string" in finding.message
    manifest = deployment()
    resources = manifest["spec"]["template"]["spec"]["containers"][0]["resources"]
    resources["limits"] = {"cpu": 1, "memory": "256Mi", "nvidia.com/gpu": 0.5}
    assert errors(manifest, bundle) == []
    resources["limits"] = {"cpu": {"cores": 1}}
    [finding] = errors(manifest, bundle)
    assert finding.field == "spec.template.spec.containers[0].resources.limits.cpu"


def test_status_and_nulls_are_ignored(bundle):
    manifest = deployment()
    manifest["status"] = {"anything": "goes"}
    manifest["metadata"]["creationTimestamp"] = None
    assert validate_object(manifest, bundle=bundle) == []


def test_preserve_unknown_fields_and_embedded_resources(bundle):
    crd = application_persona_crd()
    assert errors(crd, bundle) == []  # JSONSchemaProps: recursive $refs, JSON values


def test_the_application_persona_crd_schema_is_strict(bundle):
    persona = yaml.safe_load((GOLDEN / "python-fastapi" / "applicationpersona.yaml").read_text())
    assert errors(persona, bundle) == []
    persona["spec"]["bogus"] = 1
    persona["metadata"]["nmae"] = "x"
    assert {(f.rule_id, f.field) for f in errors(persona, bundle)} == {
        ("schema.unknown-field", "spec.bogus"),
        ("schema.unknown-field", "metadata.nmae"),
    }


def test_the_argocd_application_subset_validates(bundle):
    application = argocd_application()
    assert errors(application, bundle) == []
    application["spec"]["syncPolicy"] = {"automated": {"prune": "yes", "selfHael": True}}
    application["spec"]["destination"]["cluster"] = "in-cluster"
    assert {(f.rule_id, f.field) for f in errors(application, bundle)} == {
        ("schema.invalid", "spec.syncPolicy.automated.prune"),
        ("schema.unknown-field", "spec.syncPolicy.automated.selfHael"),
        ("schema.unknown-field", "spec.destination.cluster"),
    }
    del application["spec"]["project"]
    assert any(f.message == 'missing required field "project"' for f in errors(application, bundle))


def test_unknown_kinds_are_warnings_and_removed_api_versions_name_the_served_one(bundle):
    [custom] = validate_object(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        bundle=bundle,
    )
    assert (custom.rule_id, custom.severity, custom.field) == (
        "schema.unknown-kind",
        Severity.WARNING,
        "kind",
    )
    old = pdb()
    old["apiVersion"] = "policy/v1beta1"
    [finding] = validate_object(old, bundle=bundle)
    assert finding.severity is Severity.WARNING
    assert finding.field == "apiVersion"
    assert "known as policy/v1" in finding.message


def test_kustomization_files_are_not_checked(bundle):
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
    assert validate_object(kustomization, bundle=bundle) == []


def test_validate_objects_keeps_the_index_of_each_object(bundle):
    broken = service()
    broken["spec"]["prots"] = []
    found = validate_objects([deployment(), broken], bundle=bundle)
    assert [(item.index, item.path) for item in found] == [(1, ("spec", "prots"))]


def test_the_bundle_is_checked_on_load():
    with pytest.raises(Exception, match="schema bundle"):
        parse_bundle({"definitions": {}})
    assert check_version("v1.37.2") == "1.37"
    with pytest.raises(UsageError, match="no schemas bundled"):
        check_version("1.29")


def _golden_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(GOLDEN.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict) and "kind" in document:
                found.append((str(path.relative_to(GOLDEN)), document))
    return found


def test_every_generated_example_has_zero_schema_findings(bundle):
    documents = _golden_documents()
    kinds = {d["kind"] for _, d in documents}
    assert {"Deployment", "ApplicationPersona", "Application", "Service", "PrometheusRule"} <= kinds
    problems = [
        f"{name}: {f.rule_id} {f.field}: {f.message}"
        for name, document in documents
        for f in validate_object(document, bundle=bundle)
    ]
    assert problems == []


def test_dorgu_validate_reports_schema_errors_at_their_line(tmp_path):
    text = yaml.safe_dump(service(), sort_keys=False).replace("  ports:", "  prots:")
    (tmp_path / "svc.yaml").write_text(text)
    outcome = validate(ValidateRequest(paths=[str(tmp_path / "svc.yaml")]), now=NOW)
    [finding] = [f for f in outcome.findings if f.rule_id == "schema.unknown-field"]
    line = text.splitlines().index("  prots:") + 1
    assert finding.location is not None
    assert (finding.location.file, finding.location.line) == (str(tmp_path / "svc.yaml"), line)
    skipped = validate(
        ValidateRequest(paths=[str(tmp_path / "svc.yaml")], kubernetes_version=None), now=NOW
    )
    assert not [f for f in skipped.findings if (f.rule_id or "").startswith("schema.")]


def test_dorgu_validate_schema_flags():
    from click.testing import CliRunner

    from dorgu.cli.validate import validate as command

    manifest = yaml.safe_dump({**service(), "bogus": 1})
    runner = CliRunner()
    failed = runner.invoke(command, ["-"], input=io.StringIO(manifest).read())
    assert failed.exit_code == 1
    assert "error: schema.unknown-field" in failed.output
    assert runner.invoke(command, ["--no-schema", "-"], input=manifest).exit_code == 0
    other = runner.invoke(command, ["--kubernetes-version", "1.30", "-"], input=manifest)
    assert other.exit_code != 0
    assert "no schemas bundled" in str(other.exception or other.output)


def _broken_service() -> dict[str, Any]:
    manifest = service()
    manifest["spec"]["prots"] = manifest["spec"].pop("ports")
    manifest["spec"]["type"] = 7
    return manifest


def test_schema_ids_are_registered_rules_with_their_default_severities(bundle):
    from dorgu.rules import RULES_BY_ID, RulePolicy

    expected = {
        "schema.unknown-field": Severity.ERROR,
        "schema.invalid": Severity.ERROR,
        "schema.unknown-kind": Severity.WARNING,
    }
    assert {k: RULES_BY_ID[k].severity for k in expected} == expected
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    found = {f.rule_id: f.severity for f in validate_objects_findings([_broken_service(), widget])}
    assert found == expected
    policy = RulePolicy().disabling(["schema.unknown-field", "schema"])
    assert policy.overriding({"schema.invalid": Severity.INFO}).unknown_names() == []


def validate_objects_findings(manifests, **options):
    return [
        item.finding
        for item in validate_objects(manifests, bundle=load_schema_bundle("1.37"), **options)
    ]


def test_disabling_one_schema_rule_removes_only_its_findings():
    from dorgu.rules import RulePolicy

    manifests = [_broken_service()]
    everything = sorted(f.rule_id for f in validate_objects_findings(manifests))
    assert everything == ["schema.invalid", "schema.unknown-field"]
    policy = RulePolicy().disabling(["schema.unknown-field"])
    assert [f.rule_id for f in validate_objects_findings(manifests, policy=policy)] == [
        "schema.invalid"
    ]
    category = RulePolicy().disabling(["schema"])
    assert validate_objects_findings(manifests, policy=category) == []


def test_a_policy_overrides_schema_severities_by_id_before_category():
    from dorgu.rules import RulePolicy

    policy = RulePolicy().overriding(
        {"schema": Severity.INFO, "schema.unknown-field": Severity.WARNING}
    )
    found = {
        f.rule_id: f.severity for f in validate_objects_findings([_broken_service()], policy=policy)
    }
    assert found == {"schema.unknown-field": Severity.WARNING, "schema.invalid": Severity.INFO}


def test_dorgu_validate_applies_the_policy_to_schema_findings(tmp_path):
    from dorgu.rules import RulePolicy

    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(_broken_service(), sort_keys=False))
    paths = [str(tmp_path / "svc.yaml")]

    def schema_ids(policy: RulePolicy) -> dict[str, Severity]:
        outcome = validate(ValidateRequest(paths=paths, policy=policy), now=NOW)
        return {f.rule_id: f.severity for f in outcome.findings if f.rule_id.startswith("schema.")}

    assert schema_ids(RulePolicy()) == {
        "schema.unknown-field": Severity.ERROR,
        "schema.invalid": Severity.ERROR,
    }
    assert schema_ids(RulePolicy().disabling(["schema.invalid"])) == {
        "schema.unknown-field": Severity.ERROR
    }
    assert schema_ids(RulePolicy().overriding({"schema.invalid": Severity.WARNING})) == {
        "schema.unknown-field": Severity.ERROR,
        "schema.invalid": Severity.WARNING,
    }


def test_exemption_annotations_do_not_hide_schema_findings(tmp_path):
    manifest = deployment()
    manifest["metadata"]["annotations"] = {
        "dorgu.io/exempt": "schema.unknown-field *",
        "dorgu.io/exempt-owner": "sre",
        "dorgu.io/exempt-expires": "2030-01-01",
    }
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    (tmp_path / "deploy.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    outcome = validate(ValidateRequest(paths=[str(tmp_path / "deploy.yaml")]), now=NOW)
    by_rule = {f.rule_id: f for f in outcome.findings}
    assert by_rule["schema.unknown-field"].severity is Severity.ERROR
    flagged = by_rule["exemption.unknown-rule"]
    assert "'schema.unknown-field', whose findings cannot be exempted" in flagged.message
    assert flagged.suggestion is not None and "--disable schema.unknown-field" in flagged.suggestion
    assert "exempt from *" in by_rule["exemption.applied"].message
