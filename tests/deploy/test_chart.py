"""The Helm chart offline: lint, template, dorgu validate, kubeconform -strict (schemas generated
offline from the testbed's OpenAPI plus the chart's CRDs), CRDs in sync, RBAC shape,
values documented; and the operator Dockerfile."""

from __future__ import annotations

import re

import pytest
import yaml

from dorgu.crds import crd_files
from dorgu.operator.peering import PEERING_CRD
from tests.deploy.charting import CHART, ROOT, chart_crds, render, run, tool

WORKLOAD_KINDS = {"Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"}


def test_helm_lint_passes_in_strict_mode() -> None:
    helm = tool("helm")
    assert helm is not None
    done = run(helm, "lint", "--strict", str(CHART))
    assert done.returncode == 0, done.stdout + done.stderr


def test_template_renders_every_object_with_the_release_namespace() -> None:
    objects = render()
    kinds = sorted(str(o["kind"]) for o in objects)
    assert kinds == sorted(
        ["ClusterKopfPeering", "ClusterRole", "ClusterRoleBinding", "Deployment",
         "PodDisruptionBudget", "Role", "RoleBinding", "Service", "Service", "ServiceAccount"]
    )  # fmt: skip
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS | {"Role", "RoleBinding"}:
            assert obj["metadata"]["namespace"] == "dorgu-system"  # type: ignore[index]


def test_deployment_is_ha_probed_hardened_and_runs_the_operator() -> None:
    [deployment] = [o for o in render() if o["kind"] == "Deployment"]
    spec = deployment["spec"]
    assert spec["replicas"] == 2  # type: ignore[index]
    pod = spec["template"]["spec"]  # type: ignore[index]
    [container] = pod["containers"]
    assert container["args"][:2] == ["operator", "run"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["limits"]["memory"] == "256Mi"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"webhook": 9443, "metrics": 8080}


def test_services_map_443_to_the_webhook_port_and_expose_metrics() -> None:
    services = {o["metadata"]["name"]: o["spec"] for o in render() if o["kind"] == "Service"}  # type: ignore[index]
    webhook = services["dorgu-webhook"]
    assert webhook["ports"] == [
        {"name": "https", "port": 443, "targetPort": "webhook", "protocol": "TCP"}
    ]  # type: ignore[index]
    assert services["dorgu-metrics"]["ports"][0]["port"] == 8080  # type: ignore[index]


def test_rbac_is_least_privilege() -> None:
    objects = render()
    [cluster_role] = [o for o in objects if o["kind"] == "ClusterRole"]
    rules = cluster_role["rules"]
    assert isinstance(rules, list)
    flat = {
        (g, r, v)
        for rule in rules
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }
    assert ("", "secrets", "get") not in flat  # secrets only through the namespaced Role
    assert not any(
        v in {"*", "deletecollection", "escalate", "bind", "impersonate"} for *_, v in flat
    )
    # delete: only what an earlier --admission policy run left (its own named policies and
    # bindings, and dorgu's own PersonaPolicy parameters), and the operator's own expired
    # incidents (retention)
    deletes = [r for r in rules if "delete" in r["verbs"]]
    assert {(tuple(r["apiGroups"]), tuple(r["resources"])) for r in deletes} == {
        (("admissionregistration.k8s.io",),
         ("validatingadmissionpolicies", "validatingadmissionpolicybindings")),
        (("dorgu.io",), ("personapolicies",)),
        (("dorgu.io",), ("incidentmemories",)),
    }  # fmt: skip
    named_deletes = [r for r in deletes if r["apiGroups"] == ["admissionregistration.k8s.io"]]
    assert named_deletes[0]["resourceNames"] == [
        "dorgu-persona-deny", "dorgu-persona-warn", "dorgu-persona-audit",
    ]  # fmt: skip
    assert not any(r == "*" or g == "*" for g, r, _ in flat)
    for workload in ("deployments", "statefulsets", "daemonsets"):
        assert {v for g, r, v in flat if r == workload} == {"get", "list", "watch"}
    named = [
        r
        for r in rules
        if r["resources"] == ["validatingwebhookconfigurations"] and "patch" in r["verbs"]
    ]
    assert named and named[0]["resourceNames"] == ["dorgu-validate-deployment"]
    [role] = [o for o in objects if o["kind"] == "Role"]
    secret_rules = role["rules"]
    assert isinstance(secret_rules, list)
    assert all(r["resources"] == ["secrets"] for r in secret_rules)
    assert any(r.get("resourceNames") == ["dorgu-webhook-certs"] for r in secret_rules)


def test_webhook_can_be_disabled() -> None:
    objects = render("webhook.enabled=false")
    assert "Role" not in {o["kind"] for o in objects}
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    assert "--no-webhook" in deployment["spec"]["template"]["spec"]["containers"][0]["args"]  # type: ignore[index]


@pytest.mark.parametrize("values", [(), ("webhook.certificates=certManager",)])
def test_rendered_manifests_pass_dorgu_validate(tmp_path, values) -> None:  # type: ignore[no-untyped-def]
    from tests.cli.running import dorgu

    target = tmp_path / "rendered.yaml"
    target.write_text(yaml.safe_dump_all(render(*values)))
    result = dorgu("validate", "-f", "json", str(target))
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


# Kinds without a schema offline: cert-manager's CRDs are not part of the testbed (see
# tests/cluster/test_chart_apply.py); everything else the chart renders is checked.
NO_SCHEMA = ("Issuer", "Certificate")


@pytest.mark.parametrize("values", [(), ("webhook.certificates=certManager",)])
def test_rendered_manifests_pass_kubeconform_strict(tmp_path, values) -> None:  # type: ignore[no-untyped-def]
    from tests.judges import kubeconform, write_kubeconform_schemas

    location = write_kubeconform_schemas(tmp_path / "schemas", crds=chart_crds())
    target = tmp_path / "rendered.yaml"
    objects = render(*values)
    target.write_text(yaml.safe_dump_all(objects))
    crd_files_ = sorted((CHART / "crds").glob("*.yaml"))

    problems = kubeconform([target, *crd_files_], schema_location=location, skip=NO_SCHEMA)

    assert problems == [], [(p.get("kind"), p.get("name"), p.get("msg")) for p in problems]


def test_chart_crds_are_the_generated_ones() -> None:
    crds = CHART / "crds"
    for name, text in crd_files().items():
        assert (crds / name).read_text() == text, f"{name} drifted: copy deploy/crds/{name}"
        assert (ROOT / "deploy" / "crds" / name).read_text() == text
    peering = yaml.safe_load((crds / "clusterkopfpeerings.kopf.dev.yaml").read_text())
    assert peering == PEERING_CRD


def test_every_value_is_documented() -> None:
    """Every key with a value has a ``# --`` comment (or sits in a documented block)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    documented: list[tuple[int, bool]] = []  # (indent, documented) of the enclosing keys
    for number, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z]\w*):(.*)$", line)
        if not match:
            continue
        indent = len(match.group(1))
        while documented and documented[-1][0] >= indent:
            documented.pop()
        here = lines[number - 1].strip().startswith("# --")
        inherited = any(flag for _, flag in documented)
        if match.group(3).strip():
            assert here or inherited, f"values.yaml:{number + 1}: {line.strip()} is undocumented"
        documented.append((indent, here))
    assert (CHART / "README.md").is_file()


def test_operator_dockerfile_is_slim_non_root_and_runs_the_operator() -> None:
    text = (ROOT / "deploy" / "docker" / "operator.Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    assert 'pip install ".[operator]"' in text
    assert re.search(r"^USER \d+:\d+$", text, re.MULTILINE)
    assert 'ENTRYPOINT ["dorgu"]' in text and 'CMD ["operator", "run"]' in text


@pytest.mark.parametrize(
    "values",
    [
        (),
        ("webhook.enabled=false",),
        ("webhook.optIn=true",),
        ("webhook.certificates=certManager",),
        ("admission.engine=policy",),
        ("admission.engine=both",),
        ("incidents.enabled=false",),
        ("alertmanager.receiver=true", "alertmanager.tokenSecret=am-token"),
    ],
)
def test_every_operator_flag_the_chart_passes_exists(values: tuple[str, ...]) -> None:
    import click

    from dorgu.cli.operator import operator

    assert isinstance(operator, click.Group)
    run_command = operator.commands["run"]
    known = {opt for param in run_command.params
             for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]}  # fmt: skip
    [deployment] = [o for o in render(*values) if o["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]  # type: ignore[index]
    flags = [a.split("=")[0] for a in args if a.startswith("--")]
    assert flags and set(flags) <= known, set(flags) - known


CERT_MANAGER = "webhook.certificates=certManager"


def _by_kind_and_name(objects: list[dict[str, object]]) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    return {(str(o["kind"]), str(o["metadata"]["name"])): o for o in objects}  # type: ignore[index]


def _args(objects: list[dict[str, object]]) -> list[str]:
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    return list(deployment["spec"]["template"]["spec"]["containers"][0]["args"])  # type: ignore[index]


def test_self_managed_certificates_are_the_default_and_render_no_cert_manager_objects() -> None:
    objects = render()
    assert "--certificates=self" in _args(objects)
    assert not [o for o in objects if str(o["apiVersion"]).startswith("cert-manager.io/")]


def test_cert_manager_mode_renders_a_ca_chain_and_a_serving_certificate_for_the_service() -> None:
    objects = render(CERT_MANAGER, "webhook.certSecret=my-certs")
    found = _by_kind_and_name(objects)
    selfsigned = found[("Issuer", "dorgu-selfsigned")]
    ca = found[("Certificate", "dorgu-ca")]
    ca_issuer = found[("Issuer", "dorgu-ca")]
    serving = found[("Certificate", "dorgu-webhook")]
    service = found[("Service", "dorgu-webhook")]
    managed = [selfsigned, ca, ca_issuer, serving]

    assert all(o["apiVersion"] == "cert-manager.io/v1" for o in managed)
    assert all(o["metadata"]["namespace"] == "dorgu-system" for o in managed)  # type: ignore[index]
    assert selfsigned["spec"] == {"selfSigned": {}}
    assert ca["spec"]["isCA"] is True
    assert ca["spec"]["issuerRef"] == {
        "group": "cert-manager.io",
        "kind": "Issuer",
        "name": "dorgu-selfsigned",
    }
    assert ca_issuer["spec"] == {"ca": {"secretName": ca["spec"]["secretName"]}}
    assert serving["spec"]["issuerRef"] == {
        "group": "cert-manager.io",
        "kind": "Issuer",
        "name": "dorgu-ca",
    }
    assert serving["spec"]["secretName"] == "my-certs"
    svc = service["metadata"]["name"]
    assert serving["spec"]["dnsNames"] == [
        f"{svc}.dorgu-system.svc",
        f"{svc}.dorgu-system.svc.cluster.local",
        svc,
    ]
    assert "server auth" in serving["spec"]["usages"]
    args = _args(objects)
    assert "--certificates=cert-manager" in args and "--cert-secret=my-certs" in args  # fmt: skip


def test_cert_manager_mode_only_lets_the_operator_read_its_secret() -> None:
    [role] = [o for o in render(CERT_MANAGER) if o["kind"] == "Role"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["dorgu-webhook-certs"], "verbs": ["get"]}
    ]  # fmt: skip
    [role] = [o for o in render() if o["kind"] == "Role"]
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}  # type: ignore[attr-defined]
    assert {"create", "update"} <= verbs  # self: the operator writes and rotates it


def test_cert_manager_objects_are_not_rendered_without_the_webhook() -> None:
    objects = render(CERT_MANAGER, "webhook.enabled=false")
    assert not [o for o in objects if str(o["apiVersion"]).startswith("cert-manager.io/")]
    assert "Role" not in {o["kind"] for o in objects}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("webhook.certificates=cert-manager", 'webhook.certificates must be self or certManager, not "cert-manager"'),
        ("operator.peeringLifetime=4", "operator.peeringLifetime must be whole seconds from 5 to 3600, not 4"),
        ("operator.peeringLifetime=3601", "operator.peeringLifetime must be whole seconds from 5 to 3600, not 3601"),
        ("operator.peeringLifetime=2.5", "operator.peeringLifetime must be whole seconds from 5 to 3600, not 2.5"),
    ],
)  # fmt: skip
def test_bad_certificate_modes_and_peering_lifetimes_fail_the_render(
    value: str, error: str
) -> None:
    helm = tool("helm")
    assert helm is not None
    done = run(helm, "template", "dorgu", str(CHART), f"--set={value}")
    assert done.returncode != 0
    assert error in done.stderr, done.stderr


def test_peering_lifetime_is_passed_to_the_operator() -> None:
    assert "--peering-lifetime=20" in _args(render())
    assert "--peering-lifetime=90" in _args(render("operator.peeringLifetime=90"))


def test_admission_engine_webhook_is_the_default_and_may_only_delete_policy_leftovers() -> None:
    objects = render("admission.policyName=acme")
    assert "--admission=webhook" in _args(objects)
    assert "--policy-name=acme" in _args(objects)  # the names of the leftovers it deletes
    assert not any(a.startswith("--policy-refresh") for a in _args(objects))
    [role] = [o for o in objects if o["kind"] == "ClusterRole"]
    rules = [r for r in role["rules"]  # type: ignore[union-attr]
             if {"validatingadmissionpolicies", "personapolicies"} & set(r["resources"])]  # fmt: skip
    assert {v for r in rules for v in r["verbs"]} == {"list", "delete"}
    [named] = [r for r in rules if "validatingadmissionpolicies" in r["resources"]]
    assert named["verbs"] == ["delete"]
    assert named["resourceNames"] == ["acme-deny", "acme-warn", "acme-audit"]


@pytest.mark.parametrize("engine", ["policy", "both"])
def test_policy_engines_pass_the_flags_and_grant_rights_on_their_own_policies_only(
    engine: str,
) -> None:
    objects = render(f"admission.engine={engine}", "admission.policyName=acme")
    args = _args(objects)
    assert f"--admission={engine}" in args
    assert "--policy-name=acme" in args and "--policy-refresh=3600" in args
    [role] = [o for o in objects if o["kind"] == "ClusterRole"]
    rules = [r for r in role["rules"] if "validatingadmissionpolicies" in r["resources"]]  # type: ignore[union-attr]
    assert {tuple(r["resources"]) for r in rules} == {
        ("validatingadmissionpolicies", "validatingadmissionpolicybindings")
    }
    verbs = {v for r in rules for v in r["verbs"]}
    assert verbs == {"create", "get", "patch", "update"}
    named = [r for r in rules if "patch" in r["verbs"]]
    assert named[0]["resourceNames"] == ["acme-deny", "acme-warn", "acme-audit"]
    assert all("resourceNames" in r for r in rules if set(r["verbs"]) - {"create"})
    deployments = {v for r in role["rules"] if "deployments" in r["resources"] for v in r["verbs"]}  # type: ignore[union-attr]
    assert deployments == {"get", "list", "watch", "patch"}  # patch: the autoscaled marker
    params = [r for r in role["rules"] if "personapolicies" in r["resources"]]  # type: ignore[union-attr]
    assert [(r["apiGroups"], r["resources"]) for r in params] == [
        (["dorgu.io"], ["personapolicies"])
    ]
    assert set(params[0]["verbs"]) == {
        "get",
        "list",
        "watch",
        "create",
        "patch",
        "update",
        "delete",
    }


def test_bad_admission_engines_fail_the_render() -> None:
    helm = tool("helm")
    assert helm is not None
    for values in (("admission.engine=cel",), ("admission.engine=both", "webhook.enabled=false")):
        done = run(helm, "template", "dorgu", str(CHART), *(f"--set={v}" for v in values))
        assert done.returncode != 0
        assert "admission.engine" in done.stderr, done.stderr


def test_learning_is_off_without_a_prometheus_url_and_configured_with_one() -> None:
    assert not [a for a in _args(render()) if a.startswith(("--prometheus-url", "--learn-"))]
    args = _args(render("operator.prometheusUrl=http://prometheus.monitoring:9090",
                        "operator.learnInterval=600", "operator.learnWindow=14d"))  # fmt: skip
    assert "--prometheus-url=http://prometheus.monitoring:9090" in args
    assert "--learn-interval=600" in args and "--learn-window=14d" in args


def test_incidents_are_on_by_default_with_read_only_rights_on_what_they_watch() -> None:
    objects = render()
    args = _args(objects)
    assert "--incident-stabilization=5m" in args and "--incident-retention=720h" in args
    [cluster_role] = [o for o in objects if o["kind"] == "ClusterRole"]
    flat = {(g, r, v) for rule in cluster_role["rules"] for g in rule["apiGroups"]  # type: ignore[union-attr]
            for r in rule["resources"] for v in rule["verbs"]}  # fmt: skip
    for group, resource in (("", "pods"), ("", "events"), ("apps", "replicasets"),
                            ("batch", "jobs")):  # fmt: skip
        assert {v for g, r, v in flat if (g, r) == (group, resource)} >= {"list", "watch"}
        assert not {v for g, r, v in flat if (g, r) == (group, resource)} & {"update", "delete"}
    assert ("dorgu.io", "incidentmemories/status", "update") in flat


def test_incidents_can_be_turned_off_and_then_need_no_pod_rights() -> None:
    objects = render("incidents.enabled=false", "incidents.stabilization=10m")
    args = _args(objects)
    assert "--no-incidents" in args
    assert not [a for a in args if a.startswith("--incident-")]
    [cluster_role] = [o for o in objects if o["kind"] == "ClusterRole"]
    resources = {r for rule in cluster_role["rules"] for r in rule["resources"]}  # type: ignore[union-attr]
    assert not resources & {"pods", "replicasets", "jobs", "incidentmemories"}


def _env(objects: list[dict[str, object]]) -> list[dict[str, object]]:
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    return list(deployment["spec"]["template"]["spec"]["containers"][0]["env"])  # type: ignore[index]


def test_the_alertmanager_receiver_is_off_by_default_and_takes_its_token_from_a_secret() -> None:
    objects = render()
    assert not [a for a in _args(objects) if a.startswith("--alertmanager")]
    assert "DORGU_ALERTMANAGER_TOKEN" not in {e["name"] for e in _env(objects)}
    objects = render("alertmanager.receiver=true", "alertmanager.tokenSecret=am-token",
                     "alertmanager.maxBody=2097152")  # fmt: skip
    args = _args(objects)
    assert "--alertmanager-receiver" in args and "--alertmanager-max-body=2097152" in args
    [token] = [e for e in _env(objects) if e["name"] == "DORGU_ALERTMANAGER_TOKEN"]
    assert token["valueFrom"] == {"secretKeyRef": {"name": "am-token", "key": "token"}}
    assert "value" not in token  # never the token itself, only the Secret's name


def test_the_alertmanager_receiver_without_a_token_secret_fails_the_render() -> None:
    helm = tool("helm")
    assert helm is not None
    done = run(helm, "template", "dorgu", str(CHART), "--set=alertmanager.receiver=true")
    assert done.returncode != 0
    assert "alertmanager.tokenSecret is required" in done.stderr, done.stderr


@pytest.mark.parametrize("process", ["inline", "separate"])
def test_the_webhook_process_value_reaches_the_operator(process: str) -> None:
    objects = render(f"webhook.process={process}")
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]  # type: ignore[index]
    assert f"--webhook-process={process}" in args


def test_the_live_channel_is_a_port_a_service_and_narrow_rbac_when_enabled() -> None:
    assert not [o for o in render() if "channel" in str(o["metadata"]["name"])]  # type: ignore[index]
    objects = render("channel.enabled=true")
    by_kind = {(o["kind"], o["metadata"]["name"]): o for o in objects}  # type: ignore[index]
    service = next(o for (k, n), o in by_kind.items() if k == "Service" and n.endswith("-channel"))
    assert service["spec"]["ports"][0]["port"] == 8445  # type: ignore[index]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]  # type: ignore[index]
    assert "--channel-port=8445" in args
    assert any(a.startswith("--channel-service=") and a.endswith("-channel") for a in args)
    role = next(o for (k, n), o in by_kind.items() if k == "Role" and n.endswith("-channel"))
    named = [r for r in role["rules"] if r.get("resourceNames")]  # type: ignore[union-attr]
    assert {tuple(r["resourceNames"]) for r in named} == {
        ("dorgu-channel-tls",),
        ("dorgu-channel",),
    }
    reader = next(
        o
        for o in objects
        if o["kind"] == "RoleBinding" and o["metadata"]["namespace"] == "kube-system"
    )  # type: ignore[index]
    assert reader["roleRef"]["name"] == "extension-apiserver-authentication-reader"  # type: ignore[index]
    cluster_rules = next(o for o in objects if o["kind"] == "ClusterRole")["rules"]
    reviews = [
        r
        for r in cluster_rules
        if r["apiGroups"] in (["authentication.k8s.io"], ["authorization.k8s.io"])
    ]  # type: ignore[index]
    assert [r["verbs"] for r in reviews] == [["create"], ["create"]]
