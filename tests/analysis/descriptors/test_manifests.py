"""Kubernetes manifests in the repository: ports, env, probes, resources and replicas of the
component they describe, with evidence; secret values never kept."""

from __future__ import annotations

from dorgu.models.app import EndpointKind

from .trees import APP, analyze, codes, rules

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 4
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.2.0
          ports:
            - name: web
              containerPort: 8080
          env:
            - name: PORT
              value: "8080"
            - name: API_TOKEN
              value: tok-literal-value-123
            - name: DB_URL
              valueFrom:
                secretKeyRef: {name: db, key: url}
            - name: MODE
              valueFrom:
                configMapKeyRef: {name: api-config, key: mode}
            - name: POD_IP
              valueFrom:
                fieldRef: {fieldPath: status.podIP}
          livenessProbe:
            httpGet: {path: /live, port: web}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          resources:
            requests: {cpu: 250m, memory: 300Mi}
            limits: {memory: 600Mi, cpu: lots}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
data:
  mode: production
"""


def test_a_deployment_states_ports_env_probes_resources_and_replicas_with_evidence():
    model = analyze({**APP, "k8s/deployment.yaml": DEPLOYMENT})
    api = model.component("api")
    assert [(p.number, p.name) for p in api.ports] == [(8080, "web")]
    env = {v.name: v for v in api.env}
    assert env["PORT"].value == "8080"
    assert env["MODE"].value == "production"  # from the ConfigMap of the same description
    assert env["DB_URL"].secret and env["DB_URL"].value is None
    assert env["POD_IP"].value is None and not env["POD_IP"].secret
    endpoints = {e.kind: (e.path, e.port) for e in api.endpoints}
    assert endpoints[EndpointKind.LIVENESS] == ("/live", 8080)  # named port resolved
    assert endpoints[EndpointKind.READINESS] == ("/ready", 8080)
    assert api.resources.cpu_request == "250m" and api.resources.memory_limit == "600Mi"
    assert api.resources.cpu_limit is None  # not a quantity: dropped, never written
    assert api.replicas == 4
    ports = next(e for e in model.evidence if e.field == "components.api.ports" and "k8s" in e.rule)
    assert ports.location is not None and ports.location.file == "k8s/deployment.yaml"
    assert ports.location.line == 13
    assert rules(model, "components.api.replicas") == ["k8s.replicas"]


def test_secret_values_in_manifests_never_reach_the_model_or_its_evidence():
    model = analyze({**APP, "k8s/deployment.yaml": DEPLOYMENT})
    token = next(v for v in model.component("api").env if v.name == "API_TOKEN")
    assert token.secret and token.value is None
    assert "tok-literal-value-123" not in model.model_dump_json()


def test_evidence_mode_keeps_facts_about_the_app_but_not_deployment_choices():
    model = analyze({**APP, "k8s/deployment.yaml": DEPLOYMENT}, mode="evidence")
    api = model.component("api")
    assert [p.number for p in api.ports] == [8080]
    assert api.replicas is None
    assert api.resources.cpu_request is None
    assert all(e.path != "/live" for e in api.endpoints)
    noted = [e for e in model.evidence if e.field == "components.api.replicas"]
    assert noted and "not kept" in (noted[0].detail or "")


def test_ignore_mode_reads_no_description():
    model = analyze({**APP, "k8s/deployment.yaml": DEPLOYMENT}, mode="ignore")
    assert [p.number for p in model.component("api").ports] == [3000]
    assert not [e for e in model.evidence if e.rule.startswith("k8s.")]


def test_a_port_variable_only_the_manifest_sets_decides_the_port_the_code_reads():
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: api\n"
        "          env:\n            - {name: PORT, value: '9090'}\n"
    )
    model = analyze({**APP, "deploy/api.yaml": manifest})
    assert [p.number for p in model.component("api").ports] == [9090]
    assert rules(model, "components.api.ports")[-1] == "k8s.env-port"


def test_a_job_in_the_manifests_marks_its_component_as_running_once():
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: api-migrate}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - {name: api, image: api, command: [node, m.js]}\n"
    )
    model = analyze({**APP, "manifests/job.yaml": job})
    assert model.component("api").run_once is True


def test_objects_in_a_kind_list_are_read():
    listed = (
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: apps/v1\n    kind: StatefulSet\n"
        "    metadata: {name: api}\n    spec:\n      replicas: 2\n      template:\n        spec:\n"
        "          containers: [{name: api, image: api}]\n"
    )
    assert analyze({**APP, "k8s/all.yaml": listed}).component("api").replicas == 2


def test_a_container_that_fits_no_component_is_reported_not_guessed():
    other = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: billing}\nspec:\n  template:\n"
        "    spec:\n      containers: [{name: billing, image: acme/billing}]\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
        "    spec:\n      containers: [{name: web, image: acme/web, ports: [{containerPort: 1}]}]\n"
    )
    model = analyze({**APP, "k8s/other.yaml": other})
    assert codes(model).count("descriptors.unmatched") == 2
    assert [p.number for p in model.component("api").ports] == [3000]


def test_a_lone_workload_describes_the_lone_app():
    lone = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: svc}\nspec:\n  replicas: 5\n"
        "  template:\n    spec:\n      containers: [{name: main, image: acme/svc}]\n"
    )
    model = analyze({**APP, "k8s/svc.yaml": lone})
    assert model.component("api").replicas == 5
    assert any("k8s.match.only" in (e.detail or "") for e in model.evidence)


def test_a_secret_literal_in_an_exec_probe_becomes_a_reference_to_its_variable():
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: api\n"
        "          env:\n            - {name: DB_PASSWORD, value: Sup3r-Secret}\n"
        "          args: [--password=Sup3r-Secret]\n"
        "          livenessProbe:\n            exec:\n"
        "              command: [sh, -c, 'mysqladmin ping -pSup3r-Secret']\n"
    )
    model = analyze({**APP, "k8s/api.yaml": manifest})
    check = model.component("api").healthcheck
    assert check is not None and check.test == ("sh", "-c", "mysqladmin ping -p${DB_PASSWORD}")
    assert "Sup3r-Secret" not in model.model_dump_json()
