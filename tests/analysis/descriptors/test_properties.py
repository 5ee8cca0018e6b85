"""Descriptions never crash analysis, whatever the files hold."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .trees import APP, analyze

SECRET = "never-SHOWN-value-42"
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.just(SECRET)
)
keys = st.sampled_from(
    [
        "containers",
        "name",
        "image",
        "ports",
        "containerPort",
        "env",
        "value",
        "valueFrom",
        "secretKeyRef",
        "configMapKeyRef",
        "envFrom",
        "resources",
        "requests",
        "limits",
        "cpu",
        "memory",
        "replicas",
        "template",
        "spec",
        "livenessProbe",
        "httpGet",
        "path",
        "port",
        "exec",
        "command",
        "resources",
        "patches",
        "images",
        "newName",
        "count",
        "items",
        "artifacts",
        "context",
        "build",
        "API_TOKEN",
    ]
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=30,
)


def _object(kind: str, spec: object) -> str:
    return yaml.safe_dump(
        {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "api"}, "spec": spec}
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["Deployment", "Job", "CronJob", "Pod", "List", "ConfigMap"]),
    spec=trees,
    kustomization=trees,
    skaffold=trees,
    values=trees,
    procfile=st.text(max_size=200),
    app_json=st.one_of(st.text(max_size=50), trees.map(json.dumps)),
    junk=st.text(max_size=200),
)
def test_any_description_gives_a_model_never_an_exception(
    kind, spec, kustomization, skaffold, values, procfile, app_json, junk
):
    files = {
        **APP,
        "k8s/app.yaml": _object(kind, spec),
        "k8s/junk.yaml": junk,
        "deploy/kustomization.yaml": yaml.safe_dump(kustomization),
        "skaffold.yaml": yaml.safe_dump(skaffold),
        "chart/Chart.yaml": "name: api\n",
        "chart/values.yaml": yaml.safe_dump(values),
        "Procfile": procfile,
        "app.json": app_json,
    }
    model = analyze(files)
    assert model.components
    assert SECRET not in "".join(
        v.value or "" for c in model.components for v in c.env if v.name == "API_TOKEN"
    )
