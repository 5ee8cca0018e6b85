"""Reading manifests for `dorgu validate`: files, directories, stdin, List objects, personas,
file:line of every finding, hostile inputs; and generate's self-check."""

import io
from pathlib import Path

import pytest

from dorgu.errors import InputError
from dorgu.generation import GenerationResult
from dorgu.generation.manifests import GeneratedResource
from dorgu.services import generating
from dorgu.services.validating import (
    MAX_FILE_BYTES,
    ValidateRequest,
    check_generated,
    collect_files,
    load_persona_file,
    validate,
)
from tests.rules.builders import NOW

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: api
        image: ghcr.io/acme/api:1.0.0
        imagePullPolicy: Always
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 2Gi}
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          privileged: true
          capabilities:
            drop: [ALL]
"""
PERSONA = """\
apiVersion: dorgu.io/v1
kind: ApplicationPersona
metadata:
  name: api
spec:
  name: api
  type: api
  resources:
    bounds:
      memory:
        max: 1Gi
"""


def _line(needle, text=DEPLOYMENT):
    """The 1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _run(*paths, personas=(), stdin=None):
    request = ValidateRequest(paths=tuple(str(p) for p in paths), persona_files=tuple(personas))
    return validate(request, now=NOW, stdin=stdin)


def _by_rule(outcome):
    return {f.rule_id: f for f in outcome.findings}


def test_findings_carry_file_and_line_of_the_offending_field(tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text(DEPLOYMENT)
    outcome = _run(path)
    privileged = _by_rule(outcome)["security.privileged"]
    assert privileged.location is not None
    assert privileged.location.file == str(path)
    assert privileged.location.line == _line("privileged: true")
    single = _by_rule(outcome)["scaling.single-replica"]
    assert single.location is not None and single.location.line == _line("replicas: 1")
    assert outcome.objects == 1 and outcome.files == 1 and outcome.input_errors == ()


def test_a_missing_field_points_at_its_nearest_parent(tmp_path):
    path = tmp_path / "deploy.yaml"
    text = DEPLOYMENT.replace("      automountServiceAccountToken: false\n", "")
    path.write_text(text)
    token = _by_rule(_run(path))["security.service-account-token"]
    assert token.location is not None
    assert token.location.line == _line("runAsNonRoot", text) - 2  # the pod's `spec:`


def test_multi_document_files_and_lists_are_located_per_document(tmp_path):
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + line + "\n" if i == 0 else "  " + line + "\n"
        for i, line in enumerate(DEPLOYMENT.splitlines())
    )
    path = tmp_path / "all.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + listed)
    outcome = _run(path)
    privileged = _by_rule(outcome)["security.privileged"]
    assert privileged.location is not None
    assert privileged.location.line == 4 + 3 + _line("privileged: true")
    assert outcome.objects == 2


def test_a_persona_file_applies_its_bounds(tmp_path):
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "persona.yaml").write_text(PERSONA)
    outcome = _run(tmp_path / "deploy.yaml", personas=[tmp_path / "persona.yaml"])
    bound = _by_rule(outcome)["persona.resource-bounds"]
    assert (
        "1Gi" in bound.message
        and bound.location is not None
        and bound.location.line == _line("memory: 2Gi")
    )
    assert outcome.notes == ()


def test_personas_among_the_inputs_are_used_too(tmp_path):
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "persona.yaml").write_text(PERSONA)
    assert "persona.resource-bounds" in _by_rule(_run(tmp_path))


def test_a_persona_that_selects_nothing_leaves_a_note(tmp_path):
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "persona.yaml").write_text(
        PERSONA.replace("  name: api\n  type", "  name: web\n  type")
    )
    outcome = _run(tmp_path / "deploy.yaml", personas=[tmp_path / "persona.yaml"])
    assert "persona.resource-bounds" not in _by_rule(outcome)
    assert "app.kubernetes.io/name=web" in outcome.notes[0]


def test_an_invalid_persona_is_an_input_error_with_its_line(tmp_path):
    path = tmp_path / "persona.yaml"
    path.write_text(PERSONA.replace("max: 1Gi", "max: lots"))
    with pytest.raises(InputError, match=r"persona.yaml:11: invalid persona"):
        load_persona_file(path)


def test_directories_are_walked_skipping_hidden_and_other_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "deploy.yml").write_text(DEPLOYMENT)
    (tmp_path / "a.json").write_text(
        '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}'
    )
    (tmp_path / ".git" / "x.yaml").write_text("junk: [")
    (tmp_path / "README.md").write_text("# no")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n")
    assert collect_files([str(tmp_path)]) == [
        str(tmp_path / "a.json"),
        str(tmp_path / "values.yaml"),
        str(tmp_path / "b" / "deploy.yml"),
    ]
    outcome = _run(tmp_path)
    assert outcome.objects == 2 and outcome.skipped == 1 and outcome.input_errors == ()


def test_stdin_is_read_as_a_file():
    outcome = _run("-", stdin=io.BytesIO(DEPLOYMENT.encode()))
    privileged = _by_rule(outcome)["security.privileged"]
    assert (
        privileged.location is not None
        and str(privileged.location) == f"<stdin>:{_line('privileged: true')}"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: \xff\xfe\n", r"bad.yaml:1: not valid UTF-8"),
        (b"\x00\x01binary", r"bad.yaml: binary file"),
        (b"a: [1, 2\nb: 3\n", r"bad.yaml:\d+: invalid YAML"),
        (b"a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         + b"".join(b"%s: &%s [%s]\n" % (bytes([99 + i]) * 2, bytes([99 + i]) * 2,
                    b", ".join([b"*" + (bytes([98 + i]) * (1 if i == 0 else 2))] * 9))
                    for i in range(8)),
         r"bad.yaml:\d+: YAML expands to more than"),
        (b"key: value\nkey: again\n", r"bad.yaml:2: duplicate key"),
    ],
    ids=["non-utf8", "binary", "syntax", "alias-bomb", "duplicate"],
)  # fmt: skip
def test_hostile_files_give_one_line_errors_and_the_rest_is_checked(tmp_path, content, message):
    (tmp_path / "bad.yaml").write_bytes(content)
    (tmp_path / "good.yaml").write_text(DEPLOYMENT)
    outcome = _run(tmp_path / "bad.yaml", tmp_path / "good.yaml")
    [error] = outcome.input_errors
    assert "\n" not in error
    assert __import__("re").search(message, error), error
    assert "security.privileged" in _by_rule(outcome)


def test_huge_files_are_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# x\n" * (MAX_FILE_BYTES // 4 + 1))
    [error] = _run(path).input_errors
    assert "huge.yaml: larger than 4 MiB" in error


def test_missing_files_and_fifos_are_reported(tmp_path):
    [error] = _run(tmp_path / "nope.yaml").input_errors
    assert "nope.yaml: no such file or directory" in error


def test_check_generated_keeps_error_findings_as_errors_and_the_rest_as_warnings():
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]
        },
    }
    diagnostics = check_generated([manifest], now=NOW)
    codes = {d.code for d in diagnostics}
    assert {"security.privileged", "reliability.image-tag"} <= codes
    privileged = next(d for d in diagnostics if d.code == "security.privileged")
    assert privileged.severity.value == "error"
    assert privileged.message.startswith("Pod/p spec.containers[0].securityContext.privileged")
    assert {d.severity.value for d in diagnostics} <= {"error", "warning"}  # info left out
    assert any(d.severity.value == "warning" for d in diagnostics)


def test_generate_runs_the_rules_on_its_own_output(tmp_path, monkeypatch):
    bad = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"hostNetwork": True, "containers": []},
    }
    monkeypatch.setattr(
        generating,
        "generate_manifests",
        lambda request: GenerationResult(resources=(GeneratedResource(bad),)),
    )
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text("FROM python:3.12\n")
    outcome = generating.generate(
        generating.GenerateRequest(path=Path(app), dry_run=True), environ={}, stop_at=app
    )
    assert "security.host-namespaces" in {d.code for d in outcome.diagnostics}


def test_check_generated_also_applies_the_kubernetes_schemas():
    manifest = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80, "targetPrt": 8080}], "selector": {"app": "web"}},
    }
    (unknown,) = [
        d for d in check_generated([manifest], now=NOW) if d.code == "schema.unknown-field"
    ]
    assert unknown.severity.value == "error"
    assert "targetPrt" in unknown.message
