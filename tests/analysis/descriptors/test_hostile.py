"""Hostile descriptions give a diagnostic, never a crash or a hang."""

from __future__ import annotations

from dorgu.analysis.descriptors.reading import read_descriptions

from .trees import APP, analyze, codes, tree

BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)


def test_an_alias_bomb_in_a_manifest_is_refused_with_a_diagnostic():
    model = analyze({**APP, "k8s/bomb.yaml": BOMB})
    assert "descriptors.unreadable" in codes(model)


def test_malformed_yaml_and_non_objects_are_skipped():
    files = {
        **APP,
        "k8s/broken.yaml": "apiVersion: v1\nkind: [unclosed\n",
        "k8s/scalar.yaml": "just text\n",
        "k8s/noise.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec: 7\n",
        "k8s/weird.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: yes\n"
            "  template: {spec: {containers: [7, {name: api, ports: [{containerPort: 99999}],"
            " env: [{name: 5}, {value: x}], resources: {requests: []}}]}}\n"
        ),
    }
    model = analyze(files)
    assert codes(model).count("descriptors.unreadable") == 1
    assert [p.number for p in model.component("api").ports] == [3000]


def test_huge_files_and_too_many_documents_are_bounded():
    many = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n" for i in range(600)
    )
    found = read_descriptions(tree({"k8s/many.yaml": many, "k8s/huge.yaml": "a: b\n" * 1_000_000}))
    found_codes = [d.code for d in found.diagnostics]
    assert "descriptors.too-many-documents" in found_codes
    assert "descriptors.unreadable" in found_codes  # larger than the YAML size limit


def test_files_that_were_not_loaded_are_simply_not_read():
    # Binary, non-UTF-8 and oversized files are listed by the walker but have no text.
    model = analyze(APP, listed=("k8s/binary.yaml", "deploy/latin1.yaml"))
    assert [p.number for p in model.component("api").ports] == [3000]


def test_a_kustomization_that_includes_itself_is_reported_once_and_terminates():
    files = {
        **APP,
        "deploy/kustomization.yaml": "resources: [., ../deploy, overlay]\n",
        "deploy/overlay/kustomization.yaml": "resources: [..]\n",
    }
    found = read_descriptions(tree(files))
    assert [d.code for d in found.diagnostics].count("descriptors.kustomize-cycle") >= 1


def test_remote_bases_are_never_fetched_and_paths_leaving_the_tree_never_followed():
    files = {
        **APP,
        "deploy/kustomization.yaml": (
            "resources:\n  - github.com/acme/base?ref=v1\n  - https://example.com/x.yaml\n"
            "  - ../../../etc\n  - /etc/passwd\n"
        ),
    }
    found = [d.code for d in read_descriptions(tree(files)).diagnostics]
    assert found.count("descriptors.kustomize-remote") == 2
    assert found.count("descriptors.outside-tree") == 2


def test_patches_are_not_read_as_resources():
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: 9\n"
        "  template: {spec: {containers: [{name: api}]}}\n"
    )
    files = {
        **APP,
        "deploy/overlays/prod/kustomization.yaml": "resources: []\npatches:\n  - path: patch.yaml\n",
        "deploy/overlays/prod/patch.yaml": patch,
    }
    assert analyze(files).component("api").replicas is None


def test_a_malformed_chart_is_read_shallowly_with_diagnostics():
    files = {
        **APP,
        "charts/api/Chart.yaml": "name: [broken\n",
        "charts/api/values.yaml": "replicaCount: &x [*x]\n",
        "charts/api/templates/deployment.yaml": "{{ if .Values.x }}\nkind: {{ .Values.kind }}\n",
    }
    model = analyze(files)
    found = codes(model)
    assert "descriptors.helm-not-rendered" in found
    assert "descriptors.unreadable" in found
    # Templates are never parsed as plain manifests.
    assert not any(
        d.location and d.location.file.endswith("templates/deployment.yaml")
        for d in model.diagnostics
    )


def test_malformed_procfiles_and_app_json_are_reported():
    files = {
        **APP,
        "Procfile": "web node server.js\n: nothing\nweb: node server.js\n",
        "app.json": '{"env": {"PORT": ',
    }
    found = codes(analyze(files))
    assert found.count("descriptors.procfile-line") == 2
    assert "descriptors.unreadable" in found
