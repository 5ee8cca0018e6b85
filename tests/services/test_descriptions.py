"""Deployment descriptions end to end: dorgu's own output is never read back, Helm charts are
rendered through the ChartRenderer (a fake here; the testbed's helm when built), compose
profiles and run-once services reach generate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dorgu.analysis.descriptors.records import RenderedChart
from dorgu.generation import GitInfo
from dorgu.services.analyzing import analyze_path
from dorgu.services.charts import HelmRenderer, StaticRenderer, link_leaving
from dorgu.services.generating import GenerateRequest, generate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GIT = GitInfo(short_sha="0123abc")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def _copy(name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    shutil.copytree(EXAMPLES / name, path)
    return path


def _kinds(stream: str) -> list[tuple[str, str]]:
    docs = [d for d in yaml.safe_load_all(stream) if d]
    return [(d["kind"], d["metadata"]["name"]) for d in docs]


def test_generated_output_is_never_read_back_as_evidence(isolated):
    app = _copy("existing-manifests", isolated)
    before = analyze_path(app, environment={})
    generate(GenerateRequest(path=app), environ={}, git=GIT, stop_at=app)
    assert (app / "k8s" / ".dorgu-generated").is_file()
    after = analyze_path(app, environment={})
    assert after.model_dump_json() == before.model_dump_json()
    again = generate(GenerateRequest(path=app, force=True, diff=True), environ={}, git=GIT)
    assert again.diff == ""  # a second run sees the same app and writes the same bytes


def test_old_output_without_the_record_is_recognised_by_its_label(isolated):
    app = _copy("existing-manifests", isolated)
    before = analyze_path(app, environment={})
    generate(GenerateRequest(path=app, output=Path("deploy/generated")), environ={}, git=GIT)
    (app / "deploy" / "generated" / ".dorgu-generated").unlink()
    assert analyze_path(app, environment={}).model_dump_json() == before.model_dump_json()


def test_the_kept_probes_resources_and_replicas_reach_the_manifests(isolated):
    app = _copy("existing-manifests", isolated)
    outcome = generate(GenerateRequest(path=app, dry_run=True), environ={}, git=GIT)
    docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(outcome.stream) if d}
    deployment = docs[("Deployment", "existing-manifests-api")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"] == {"cpu": "200m", "memory": "192Mi"}
    assert docs[("HorizontalPodAutoscaler", "existing-manifests-api")]["spec"]["minReplicas"] == 3
    assert container["ports"][0]["containerPort"] == 8080
    job = docs[("Job", "existing-manifests-migrate")]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


def test_evidence_mode_leaves_deployment_choices_to_dorgu(isolated):
    app = _copy("existing-manifests", isolated)
    request = GenerateRequest(path=app, dry_run=True, flags={"descriptors": "evidence"})
    stream = generate(request, environ={}, git=GIT).stream
    assert "cpu: 200m" not in stream
    assert "containerPort: 8080" in stream  # the port is a fact about the app, still used


def test_a_compose_profile_keeps_its_services_out_unless_enabled(isolated):
    app = _copy("compose-shop", isolated)
    plain = _kinds(generate(GenerateRequest(path=app, dry_run=True), environ={}, git=GIT).stream)
    assert not any("adminer" in name for _kind, name in plain)
    request = GenerateRequest(path=app, dry_run=True, profiles=("debug",))
    enabled = _kinds(generate(request, environ={}, git=GIT).stream)
    assert ("Deployment", "compose-shop-adminer") in enabled


def test_a_chart_is_rendered_through_the_renderer_and_read(isolated):
    app = isolated / "app"
    shutil.copytree(EXAMPLES / "node-express-ts", app)
    (app / "chart" / "templates").mkdir(parents=True)
    (app / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    rendered = (
        "---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: rel-app}\nspec:\n  replicas: 6\n  template:\n    spec:\n"
        "      containers: [{name: app, image: app}]\n"
    )
    fake = StaticRenderer({"chart": RenderedChart(text=rendered)})
    model = analyze_path(app, environment={}, charts=fake)
    assert fake.calls == ["chart"]
    assert model.components[0].replicas == 6


def test_a_chart_with_a_link_leaving_the_tree_is_never_rendered(isolated):
    outside = isolated / "secret.txt"
    outside.write_text("password: hunter2\n")
    chart = isolated / "app" / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "templates" / "leak.yaml").symlink_to(outside)
    assert link_leaving(chart, root=isolated / "app") == chart / "templates" / "leak.yaml"
    result = HelmRenderer(Path("/nonexistent/helm")).render(chart, root=isolated / "app")
    assert result.text is None and "links outside" in (result.error or "")


def test_the_testbeds_helm_renders_a_real_chart(tmp_path):
    from dorgu.cli.helm import find_helm
    from tests.deploy.charting import tool

    helm = find_helm() or tool("helm")  # tool() skips (fails in CI) when helm is not built
    assert helm is not None
    app = tmp_path / "app"
    shutil.copytree(EXAMPLES / "node-express-ts", app)
    chart = app / "deploy" / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 3\nport: 8081\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-app\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: app}}\n"
        "  template:\n    metadata: {labels: {app: app}}\n    spec:\n      containers:\n"
        "        - name: app\n          image: app\n"
        "          ports: [{containerPort: {{ .Values.port }}}]\n"
    )
    model = analyze_path(app, environment={}, charts=HelmRenderer(helm))
    component = model.components[0]
    assert component.replicas == 3 and [p.number for p in component.ports] == [8081]
    broken = HelmRenderer(helm).render(app / "deploy", root=app)  # not a chart
    assert broken.text is None and broken.error


def test_generating_into_a_folder_of_user_manifests_warns_before_writing(isolated):
    app = _copy("existing-manifests", isolated)
    request = GenerateRequest(path=app, dry_run=True, output=Path("deploy/base"))
    outcome = generate(request, environ={}, git=GIT)
    assert "generate.output-holds-descriptions" in [d.code for d in outcome.diagnostics]
    default = generate(GenerateRequest(path=app, dry_run=True), environ={}, git=GIT)
    assert "generate.output-holds-descriptions" not in [d.code for d in default.diagnostics]


def test_manifests_linked_from_outside_the_tree_and_unreadable_ones_are_never_read(isolated):
    app = isolated / "app"
    shutil.copytree(EXAMPLES / "node-express-ts", app)
    outside = isolated / "elsewhere.yaml"
    outside.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 9\n"
        "  template: {spec: {containers: [{name: x, image: x}]}}\n"
    )
    (app / "k8s").mkdir()
    (app / "k8s" / "linked.yaml").symlink_to(outside)
    (app / "k8s" / "latin1.yaml").write_bytes(b"kind: Deployment\nname: caf\xe9\n")
    (app / "k8s" / "binary.yaml").write_bytes(b"\x00\x01\x02" * 100)
    (app / "k8s" / "big.yaml").write_text("a: b\n" * 400_000)
    model = analyze_path(app, environment={})
    assert model.components[0].replicas is None
    assert not [e for e in model.evidence if e.rule.startswith("k8s.")]


def test_without_any_helm_the_chart_values_are_read_and_the_user_is_told(isolated, monkeypatch):
    from dorgu.cli import helm as cli_helm

    monkeypatch.setattr(cli_helm, "find_helm", lambda: None)
    app = isolated / "app"
    shutil.copytree(EXAMPLES / "node-express-ts", app)
    (app / "chart").mkdir()
    (app / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (app / "chart" / "values.yaml").write_text("replicaCount: 4\n")
    renderer = cli_helm.TestbedHelm()
    model = analyze_path(app, environment={}, charts=renderer)
    assert model.components[0].replicas == 4
    assert "descriptors.helm-not-rendered" in [d.code for d in model.diagnostics]
