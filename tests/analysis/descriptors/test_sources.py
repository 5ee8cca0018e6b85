"""dorgu's own output, kustomize, skaffold, Helm and Procfiles as descriptions."""

from __future__ import annotations

from dorgu.analysis.descriptors.reading import read_descriptions
from dorgu.analysis.descriptors.records import RenderedChart
from dorgu.models.app import AppType

from .trees import APP, analyze, codes, rules, tree

WORKLOAD = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {{{labels}}}\n"
    "spec:\n  replicas: 7\n  template:\n    spec:\n      containers: [{{name: api, image: api}}]\n"
)


def test_dorgus_own_output_folder_is_never_read_back_as_evidence():
    files = {
        **APP,
        "k8s/.dorgu-generated": "# record\n" + "0" * 64 + "  deployment.yaml\n",
        "k8s/deployment.yaml": WORKLOAD.format(labels=""),
        "k8s/api/extra.yaml": WORKLOAD.format(labels=""),
    }
    model = analyze(files)
    assert model.component("api").replicas is None
    assert not [e for e in model.evidence if e.rule.startswith("k8s.")]


def test_objects_labelled_as_managed_by_dorgu_are_never_evidence():
    labels = "app.kubernetes.io/managed-by: dorgu"
    model = analyze({**APP, "deploy/deployment.yaml": WORKLOAD.format(labels=labels)})
    assert model.component("api").replicas is None
    mine = analyze({**APP, "deploy/deployment.yaml": WORKLOAD.format(labels="team: x")})
    assert mine.component("api").replicas == 7


def test_kustomize_resources_outside_the_deployment_folders_are_followed_when_loaded():
    files = {
        **APP,
        "ops/kustomization.yaml": "resources: [../infra/app.yaml, ../k8s/api.yaml]\n",
        "k8s/api.yaml": WORKLOAD.format(labels=""),
    }
    found = read_descriptions(tree(files, listed=("infra/app.yaml",)))
    assert [c.name for c in found.containers] == ["api"]
    assert "descriptors.not-loaded" in [d.code for d in found.diagnostics]


def test_kustomize_images_and_replicas_of_the_only_overlay_apply():
    files = {
        **APP,
        "deploy/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "deploy/base/deployment.yaml": WORKLOAD.format(labels=""),
        "deploy/overlays/prod/kustomization.yaml": (
            "resources: [../../base]\nreplicas:\n  - {name: api, count: 3}\n"
            "images:\n  - {name: api, newName: ghcr.io/acme/api}\n"
        ),
    }
    found = read_descriptions(tree(files))
    [item] = found.containers
    assert item.replicas == 3 and item.image == "ghcr.io/acme/api"
    assert item.locations["replicas"].file == "deploy/overlays/prod/kustomization.yaml"


def test_overlays_that_disagree_leave_the_base_value():
    files = {
        **APP,
        "deploy/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "deploy/base/deployment.yaml": WORKLOAD.format(labels=""),
        "deploy/overlays/a/kustomization.yaml": "resources: [../../base]\nreplicas: [{name: api, count: 1}]\n",
        "deploy/overlays/b/kustomization.yaml": "resources: [../../base]\nreplicas: [{name: api, count: 5}]\n",
    }
    model = analyze(files)
    assert model.component("api").replicas == 7
    assert "descriptors.overlays-disagree" in codes(model)


def test_a_skaffold_artifact_links_an_image_to_the_component_built_from_its_context():
    compose = "services:\n  web:\n    build: ./web\n  admin:\n    build: ./admin\n"
    skaffold = (
        "apiVersion: skaffold/v4beta11\nkind: Config\nbuild:\n  artifacts:\n"
        "    - image: registry.local/frontend\n      context: web\n"
        "    - image: registry.local/backoffice\n      context: admin\n"
    )
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: fe}\nspec:\n  replicas: 6\n"
        "  template:\n    spec:\n      containers: [{name: main, image: registry.local/frontend}]\n"
    )
    files = {
        "compose.yaml": compose,
        "skaffold.yaml": skaffold,
        "k8s/fe.yaml": manifest,
        **{f"web/{k}": v for k, v in APP.items()},
        **{f"admin/{k}": v for k, v in APP.items()},
    }
    model = analyze(files)
    assert model.component("web").replicas == 6
    assert model.component("admin").replicas is None
    replicas = next(e for e in model.evidence if e.field == "components.web.replicas")
    assert "skaffold.artifact" in (replicas.detail or "")


def test_a_rendered_chart_is_read_and_attributed_to_its_templates():
    rendered = (
        "---\n# Source: api/templates/service.yaml\napiVersion: v1\nkind: Service\n"
        "metadata: {name: api}\nspec: {ports: [{port: 80}]}\n"
        "---\n# Source: api/templates/deployment.yaml\n" + WORKLOAD.format(labels="")
    )
    files = {**APP, "charts/api/Chart.yaml": "name: api\nversion: 0.1.0\n"}
    model = analyze(files, charts={"charts/api": RenderedChart(text=rendered)})
    assert model.component("api").replicas == 7
    where = next(e for e in model.evidence if e.field == "components.api.replicas").location
    assert where is not None and where.file == "charts/api/templates/deployment.yaml"
    assert "descriptors.helm-not-rendered" not in codes(model)


def test_a_chart_helm_could_not_render_falls_back_to_its_values():
    files = {
        **APP,
        "charts/api/Chart.yaml": "name: api\n",
        "charts/api/values.yaml": (
            "replicaCount: 2\nimage: {repository: api}\nservice: {port: 8088}\n"
            "livenessProbe: {httpGet: {path: /healthz, port: http}}\n"
        ),
    }
    model = analyze(files, charts={"charts/api": RenderedChart(error="missing dependency redis")})
    api = model.component("api")
    assert api.replicas == 2 and [p.number for p in api.ports] == [8088]
    assert any(e.path == "/healthz" for e in api.endpoints)
    assert "descriptors.helm-failed" in codes(model)


def test_a_procfile_splits_the_app_into_its_process_types():
    files = {
        **APP,
        "Procfile": "web: node server.js --port ${PORT:-8000}\nworker: node jobs.js\n"
        "release: node migrate.js\n",
        "app.json": '{"formation": {"web": {"quantity": 3}}, "env": {"SECRET_KEY": {"generator": "secret"}}}',
    }
    model = analyze(files)
    by_name = {c.name: c for c in model.components}
    assert set(by_name) == {"web", "worker", "release"}
    web = by_name["web"]
    assert [p.number for p in web.ports] == [8000] and web.replicas == 3
    assert web.entrypoint == ("/bin/sh", "-c") and web.command == (
        "node server.js --port ${PORT:-8000}",
    )
    assert {v.name: v.value for v in web.env}["PORT"] == "8000"
    assert by_name["worker"].type is AppType.WORKER and not by_name["worker"].ports
    assert by_name["worker"].routes == ()
    assert by_name["release"].run_once is True
    assert all(c.image == "api" for c in model.components)  # one image for every process
    secret = next(v for v in web.env if v.name == "SECRET_KEY")
    assert secret.secret and secret.value is None
    assert rules(model, "components.web.language") == rules(model, "components.worker.language")


def test_a_web_process_without_a_known_port_uses_the_foreman_default_with_low_confidence():
    model = analyze({**APP, "Procfile": "web: node server.js --port $PORT\n"})
    api = model.component("api")
    assert [p.number for p in api.ports] == [5000]
    assert "descriptors.procfile-port" in codes(model)
    port = [e for e in model.evidence if e.field == "components.api.ports"][-1]
    assert port.confidence <= 0.5


def test_a_procfile_does_not_split_compose_services():
    files = {
        "compose.yaml": "services:\n  api:\n    build: .\n",
        **APP,
        "Procfile": "web: node server.js\nworker: node jobs.js\n",
    }
    assert [c.name for c in analyze(files).components] == ["api"]


def test_kustomize_generators_supply_env_values_and_secret_key_names():
    workload = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: api\n"
        "          envFrom:\n            - configMapRef: {name: api-config}\n"
        "            - secretRef: {name: api-secrets}\n"
    )
    files = {
        **APP,
        "deploy/kustomization.yaml": (
            "resources: [deployment.yaml]\nconfigMapGenerator:\n"
            "  - name: api-config\n    literals: [LOG_LEVEL=warn, FEATURE_X=on]\n"
            "    envs: [settings.env]\n"
            "secretGenerator:\n  - name: api-secrets\n    literals: [API_KEY=super-secret-1]\n"
        ),
        "deploy/settings.env": "# tuning\nCACHE_TTL=60\n",
        "deploy/deployment.yaml": workload,
    }
    model = analyze(files)
    env = {v.name: v for v in model.component("api").env}
    assert env["LOG_LEVEL"].value == "warn" and env["CACHE_TTL"].value == "60"
    assert env["API_KEY"].secret and env["API_KEY"].value is None
    assert "super-secret-1" not in model.model_dump_json()


def test_a_skaffold_artifact_names_the_image_of_the_app_built_from_its_context():
    skaffold = "build:\n  artifacts:\n    - image: ghcr.io/acme/catalog\n"
    model = analyze({**APP, "skaffold.yaml": skaffold})
    assert model.component("api").image == "ghcr.io/acme/catalog"
    assert rules(model, "components.api.image") == ["skaffold.artifact"]
    two = "build:\n  artifacts:\n    - image: a\n    - image: b\n"
    assert analyze({**APP, "skaffold.yaml": two}).component("api").image is None


def test_manifests_in_test_fixture_example_and_docs_folders_describe_something_else():
    for folder in ("tests/fixtures/k8s", "examples/k8s", "docs/deploy", "testdata/manifests"):
        model = analyze({**APP, f"{folder}/api.yaml": WORKLOAD.format(labels="")})
        assert model.component("api").replicas is None, folder
