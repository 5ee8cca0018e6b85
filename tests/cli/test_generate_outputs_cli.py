"""`dorgu generate` output flags: --diff, --format, --skip-*, --ci, Argo CD options."""

from pathlib import Path

import pytest
import yaml

from tests.cli.running import dorgu, isolate_environment


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = isolate_environment(tmp_path, monkeypatch, "api", example="python-fastapi")
    (path / ".dorgu.yaml").write_text("app:\n  repository: https://github.com/acme/api.git\n")
    return path


def test_defaults_write_the_application_and_the_workflow(app):
    result = dorgu("generate", "--image-tag", "1", "--namespace", "shop")
    assert result.exit_code == 0, result.output
    application = yaml.safe_load((app / "k8s" / "argocd-application.yaml").read_text())
    assert application["spec"]["source"]["path"] == "k8s"
    assert "automated" not in application["spec"]["syncPolicy"]
    assert (app / ".github" / "workflows" / "dorgu-api.yaml").is_file()
    assert ".github/workflows/dorgu-api.yaml" in result.output
    assert "kubectl apply -f k8s/argocd-application.yaml" in result.output
    rule = yaml.safe_load((app / "k8s" / "monitoring" / "anomaly-rules.yaml").read_text())
    assert (rule["kind"], rule["metadata"]["namespace"]) == ("PrometheusRule", "shop")
    plain = yaml.safe_load(
        (app / "k8s" / "monitoring" / "anomaly-rules.prometheus.yaml").read_text()
    )
    assert plain == rule["spec"]
    assert "monitoring/anomaly-rules.yaml" not in (app / "k8s" / "kustomization.yaml").read_text()


def test_skip_flags(app):
    result = dorgu(
        "generate",
        "--skip-argocd",
        "--skip-ci",
        "--skip-persona",
        "--no-anomaly-rules",
        "--no-observability",
    )
    assert result.exit_code == 0, result.output
    assert not (app / "k8s" / "monitoring").exists()
    assert not (app / "k8s" / "argocd-application.yaml").exists()
    assert not (app / "k8s" / "applicationpersona.yaml").exists()
    assert not (app / ".github").exists()


def test_argocd_options(app):
    result = dorgu(
        "generate", "--argocd-auto-sync", "--argocd-project", "team-a", "--argocd-namespace", "cd"
    )
    assert result.exit_code == 0, result.output
    application = yaml.safe_load((app / "k8s" / "argocd-application.yaml").read_text())
    assert application["spec"]["project"] == "team-a"
    assert application["metadata"]["namespace"] == "cd"
    assert application["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert dorgu("generate", "--argocd-project", "Not Valid").exit_code == 2


def test_ci_providers(app):
    assert dorgu("generate", "--ci", "gitlab").exit_code == 0
    assert (app / ".gitlab" / "ci" / "dorgu-api.gitlab-ci.yml").is_file()
    assert not (app / ".github").exists()
    assert dorgu("generate", "--gitlab-ci", "--force").exit_code == 0
    assert (app / ".github" / "workflows" / "dorgu-api.yaml").is_file()
    assert dorgu("generate", "--skip-ci", "--ci", "gitlab").exit_code == 2


def test_diff_prints_a_unified_diff_and_writes_nothing(app):
    result = dorgu("generate", "--diff", "--image-tag", "1")
    assert result.exit_code == 0, result.output
    assert "+++ b/k8s/deployment.yaml" in result.stdout
    assert not (app / "k8s").exists()
    assert dorgu("generate", "--image-tag", "1").exit_code == 0
    again = dorgu("generate", "--diff", "--image-tag", "1")
    assert again.stdout == "" and "no changes" in again.stderr
    changed = dorgu("generate", "--diff", "--image-tag", "2")
    assert "-    app.kubernetes.io/version: '1'" in changed.stdout
    assert "+    app.kubernetes.io/version: '2'" in changed.stdout
    assert dorgu("generate", "--diff", "--stdout").exit_code == 2


def test_format_yaml_has_no_kustomization_and_says_how_to_apply(app):
    result = dorgu("generate", "--format", "yaml")
    assert result.exit_code == 0, result.output
    assert not (app / "k8s" / "kustomization.yaml").exists()
    assert "kubectl apply -f k8s/serviceaccount.yaml" in result.output
    assert "secret.template.yaml -f" not in result.output


def test_the_dry_run_stream_includes_the_persona(app):
    result = dorgu("generate", "--dry-run", "--namespace", "shop")
    assert result.exit_code == 0, result.output
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert documents[-1]["kind"] == "ApplicationPersona"
    assert "Application" not in {d["kind"] for d in documents}
    assert not (app / "k8s").exists() and not (app / ".github").exists()


def test_force_removes_stale_generated_files_and_lists_them(app):
    assert dorgu("generate", "--skip-ci", "--host", "api.example.com").exit_code == 0
    (app / "k8s" / "mine.yaml").write_text("# mine\n")
    refused = dorgu("generate", "--skip-ci")
    assert refused.exit_code == 5
    assert "remove 1 stale file" in refused.output and "--force" in refused.output
    result = dorgu("generate", "--skip-ci", "--force")
    assert result.exit_code == 0, result.output
    assert "removed 1 stale file an earlier run generated" in result.stderr
    assert "\n  k8s/ingress.yaml\n" in result.stderr
    assert not (app / "k8s" / "ingress.yaml").exists()
    assert (app / "k8s" / "mine.yaml").read_text() == "# mine\n"


def test_stale_files_kept_without_force_are_listed_with_how_to_remove_them(app):
    flags = ("--skip-ci", "--no-anomaly-rules", "--no-observability")
    assert dorgu("generate", *flags, "--host", "api.example.com").exit_code == 0
    for path in (app / "k8s").iterdir():
        if path.name not in ("ingress.yaml", ".dorgu-generated"):
            path.unlink()
    result = dorgu("generate", *flags)
    assert result.exit_code == 0, result.output
    assert "kept 1 stale file an earlier run generated" in result.stderr
    assert "\n  k8s/ingress.yaml\nremove them with --force" in result.stderr
    assert (app / "k8s" / "ingress.yaml").is_file()


def test_diff_shows_stale_generated_files_as_deleted(app):
    assert dorgu("generate", "--skip-ci", "--host", "api.example.com").exit_code == 0
    ingress = (app / "k8s" / "ingress.yaml").read_text()
    result = dorgu("generate", "--skip-ci", "--diff")
    assert result.exit_code == 0, result.output
    assert "--- a/k8s/ingress.yaml\n+++ /dev/null\n@@ -1," in result.stdout
    assert result.stdout.endswith("".join(f"-{line}\n" for line in ingress.splitlines()))
    assert (app / "k8s" / "ingress.yaml").read_text() == ingress


def test_a_changed_stale_file_is_kept_and_reported(app):
    assert dorgu("generate", "--skip-ci", "--host", "api.example.com").exit_code == 0
    (app / "k8s" / "ingress.yaml").write_text("# tuned by hand\n")
    diff = dorgu("generate", "--skip-ci", "--diff")
    assert "+++ /dev/null" not in diff.stdout
    note = "kept k8s/ingress.yaml: no longer generated, but changed since dorgu wrote it"
    assert note in diff.stderr
    result = dorgu("generate", "--skip-ci", "--force")
    assert result.exit_code == 0, result.output
    assert note in result.stderr and "removed" not in result.stderr
    assert (app / "k8s" / "ingress.yaml").read_text() == "# tuned by hand\n"


def test_observability_files_follow_the_settings_and_stay_out_of_kustomize(app):
    (app / ".dorgu.yaml").write_text(
        "app:\n  runbook: https://runbooks.example.com/api\n  team: shop\n"
        "observability:\n  release: prom\n  labels: {monitoring: main}\n"
        "  slos:\n  - {name: availability, indicator: availability, objective: 99.5, window: 4w}\n"
    )
    result = dorgu("generate", "--skip-ci", "--namespace", "shop")
    assert result.exit_code == 0, result.output
    monitoring = app / "k8s" / "monitoring"
    monitor = yaml.safe_load((monitoring / "servicemonitor.yaml").read_text())
    assert monitor["kind"] == "ServiceMonitor"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["metadata"]["labels"]["monitoring"] == "main"
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "scheme": "http"}]
    slo = yaml.safe_load((monitoring / "slo-rules.yaml").read_text())
    assert [g["name"] for g in slo["spec"]["groups"]] == ["dorgu-slo-api-availability"]
    rules = slo["spec"]["groups"][0]["rules"]
    records = [r["record"] for r in rules if "record" in r]
    assert "dorgu_slo:sli_error:ratio_rate4w" in records
    page = next(r for r in rules if r.get("alert") == "DorguAvailabilityBurnRatePage")
    assert page["labels"]["runbook"] == "https://runbooks.example.com/api"
    assert page["labels"]["team"] == "shop"
    assert page["annotations"]["runbook_url"] == "https://runbooks.example.com/api"
    assert "(14.4 * 0.005)" in page["expr"]
    persona = yaml.safe_load((app / "k8s" / "applicationpersona.yaml").read_text())
    assert persona["spec"]["slos"] == [
        {"name": "availability", "indicator": "availability", "objective": 99.5, "window": "4w"}
    ]
    assert persona["spec"]["ownership"]["runbook"] == "https://runbooks.example.com/api"
    kustomization = (app / "k8s" / "kustomization.yaml").read_text()
    assert "monitoring/" not in kustomization
    assert "alerts carry no runbook" not in result.output


def test_no_observability_keeps_the_anomaly_rules_only(app):
    result = dorgu("generate", "--skip-ci", "--no-observability")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (app / "k8s" / "monitoring").iterdir())
    assert names == ["anomaly-rules.prometheus.yaml", "anomaly-rules.yaml"]


def test_an_invalid_slo_setting_is_one_line_without_traceback(app):
    (app / ".dorgu.yaml").write_text(
        "observability:\n  slos:\n  - {name: latency, indicator: latency, objective: 99}\n"
    )
    result = dorgu("generate", "--skip-ci")
    assert result.exit_code not in (0, 70), result.output
    assert "Traceback" not in result.output
    assert "threshold" in result.output
    assert not (app / "k8s").exists()


def test_credentials_in_the_runbook_never_reach_alerts_or_the_persona(app):
    (app / ".dorgu.yaml").write_text("app:\n  runbook: https://bob:s3cret@wiki.example.com/rb\n")
    result = dorgu("generate", "--skip-ci")
    assert result.exit_code == 0, result.output
    assert "app.runbook contains credentials" in result.output
    for path in (app / "k8s").rglob("*"):
        if path.is_file():
            assert "s3cret" not in path.read_text(), path
    slo = yaml.safe_load((app / "k8s" / "monitoring" / "slo-rules.yaml").read_text())
    page = slo["spec"]["groups"][0]["rules"][-2]
    assert page["annotations"]["runbook_url"] == "https://wiki.example.com/rb"


def test_an_errors_selector_that_is_not_label_matchers_is_refused(app):
    (app / ".dorgu.yaml").write_text(
        "observability:\n  errors_selector: 'code=\"5\"}) or vector(1) #'\n"
    )
    result = dorgu("generate", "--skip-ci")
    assert result.exit_code not in (0, 70), result.output
    assert "Traceback" not in result.output
    assert "errors_selector" in result.output
    assert not (app / "k8s").exists()
