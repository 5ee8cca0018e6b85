"""Security rules, each on a clean app (no finding) and with one thing broken."""

import pytest

from dorgu.models.evidence import Severity

from .builders import app, deployment, first, hits, pod, run

C0 = "spec.template.spec.containers[0]"
POD = "spec.template.spec"


def test_a_hardened_app_has_no_findings():
    assert run(app()) == []


def test_missing_run_as_non_root_points_at_the_pod_security_context():
    objects = app()
    del pod(objects[0])["securityContext"]["runAsNonRoot"]
    del pod(objects[0])["securityContext"]["runAsUser"]
    [finding] = hits(objects, "security.run-as-non-root")
    assert finding.field == f"{POD}.securityContext.runAsNonRoot"
    assert finding.severity is Severity.WARNING
    assert finding.container == "api"
    assert finding.resource is not None and str(finding.resource) == "Deployment/shop/api"


def test_a_non_zero_run_as_user_is_enough_without_run_as_non_root():
    objects = app()
    del pod(objects[0])["securityContext"]["runAsNonRoot"]
    assert hits(objects, "security.run-as-non-root") == []


def test_a_container_overriding_to_root_is_reported_at_the_container():
    objects = app()
    first(objects[0])["securityContext"]["runAsUser"] = 0
    first(objects[0])["securityContext"]["runAsNonRoot"] = False
    [finding] = hits(objects, "security.run-as-non-root")
    assert finding.field == f"{C0}.securityContext.runAsNonRoot"


def test_run_as_non_root_with_uid_zero_is_an_error():
    objects = app()
    first(objects[0])["securityContext"]["runAsUser"] = 0
    [finding] = hits(objects, "security.run-as-non-root")
    assert finding.severity is Severity.ERROR
    assert "refuse to start" in finding.message


def test_init_containers_are_checked_too():
    objects = app()
    pod(objects[0])["initContainers"] = [
        {"name": "migrate", "image": "ghcr.io/acme/api:1.4.2", "securityContext": {}}
    ]
    found = hits(objects, "security.privilege-escalation")
    assert [f.field for f in found] == [
        "spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation"
    ]
    assert found[0].container == "migrate"


@pytest.mark.parametrize("value", [True, None])
def test_privilege_escalation_must_be_explicitly_false(value):
    objects = app()
    context = first(objects[0])["securityContext"]
    if value is None:
        del context["allowPrivilegeEscalation"]
    else:
        context["allowPrivilegeEscalation"] = value
    [finding] = hits(objects, "security.privilege-escalation")
    assert finding.field == f"{C0}.securityContext.allowPrivilegeEscalation"
    assert ("defaults to true" in finding.message) is (value is None)


def test_writable_root_filesystem_is_a_warning():
    objects = app()
    first(objects[0])["securityContext"]["readOnlyRootFilesystem"] = False
    [finding] = hits(objects, "security.read-only-root-filesystem")
    assert finding.severity is Severity.WARNING
    assert "emptyDir" in (finding.suggestion or "")


def test_capabilities_must_drop_all_in_any_case():
    objects = app()
    first(objects[0])["securityContext"]["capabilities"] = {"drop": ["all"]}
    assert hits(objects, "security.drop-capabilities") == []
    first(objects[0])["securityContext"]["capabilities"] = {"drop": ["NET_RAW"]}
    [finding] = hits(objects, "security.drop-capabilities")
    assert finding.field == f"{C0}.securityContext.capabilities.drop"


def test_added_capabilities_beyond_baseline_are_errors_and_within_baseline_warnings():
    objects = app()
    capabilities = first(objects[0])["securityContext"]["capabilities"]
    capabilities["add"] = ["NET_BIND_SERVICE"]
    assert hits(objects, "security.added-capabilities") == []
    capabilities["add"] = ["CHOWN"]
    [finding] = hits(objects, "security.added-capabilities")
    assert finding.severity is Severity.WARNING
    capabilities["add"] = ["CAP_SYS_ADMIN", "CHOWN"]
    [finding] = hits(objects, "security.added-capabilities")
    assert finding.severity is Severity.ERROR
    assert "SYS_ADMIN" in finding.message and "CHOWN" not in finding.message


def test_privileged_container_is_an_error():
    objects = app()
    first(objects[0])["securityContext"]["privileged"] = True
    [finding] = hits(objects, "security.privileged")
    assert finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.securityContext.privileged"


def test_seccomp_missing_is_a_warning_and_unconfined_an_error():
    objects = app()
    del pod(objects[0])["securityContext"]["seccompProfile"]
    [finding] = hits(objects, "security.seccomp-profile")
    assert finding.severity is Severity.WARNING
    first(objects[0])["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    [finding] = hits(objects, "security.seccomp-profile")
    assert finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.securityContext.seccompProfile.type"


def test_a_container_level_seccomp_profile_satisfies_the_rule():
    objects = app()
    del pod(objects[0])["securityContext"]["seccompProfile"]
    first(objects[0])["securityContext"]["seccompProfile"] = {"type": "Localhost"}
    assert hits(objects, "security.seccomp-profile") == []


@pytest.mark.parametrize("key", ["hostNetwork", "hostPID", "hostIPC"])
def test_host_namespaces_are_errors(key):
    objects = [deployment(**{key: True})]
    [finding] = hits(objects, "security.host-namespaces")
    assert finding.field == f"{POD}.{key}"
    assert finding.severity is Severity.ERROR
    assert hits([deployment(**{key: False})], "security.host-namespaces") == []


def test_host_path_volumes_are_errors():
    volumes = [
        {"name": "tmp", "emptyDir": {}},
        {"name": "docker", "hostPath": {"path": "/var/run"}},
    ]
    [finding] = hits([deployment(volumes=volumes)], "security.host-path")
    assert finding.field == f"{POD}.volumes[1].hostPath"
    assert "/var/run" in finding.message


def test_host_ports_are_errors():
    objects = app()
    first(objects[0])["ports"][0]["hostPort"] = 8080
    [finding] = hits(objects, "security.host-ports")
    assert finding.field == f"{C0}.ports[0].hostPort"


def test_token_automount_is_flagged_unless_the_pod_or_its_account_disables_it():
    objects = app()
    del pod(objects[0])["automountServiceAccountToken"]
    [finding] = hits(objects, "security.service-account-token")
    assert finding.field == f"{POD}.automountServiceAccountToken"
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "api", "namespace": "shop"},
        "automountServiceAccountToken": False,
    }
    assert hits([*objects, account], "security.service-account-token") == []
    pod(objects[0])["automountServiceAccountToken"] = True
    assert len(hits([*objects, account], "security.service-account-token")) == 1
