"""Image, resource, probe and networking rules."""

import pytest

from dorgu.models.evidence import Severity
from dorgu.rules.images import split_image

from .builders import app, first, hits, pod, run, service

C0 = "spec.template.spec.containers[0]"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", ("nginx", None, None)),
        ("nginx:1.25", ("nginx", "1.25", None)),
        ("localhost:5000/team/app", ("localhost:5000/team/app", None, None)),
        ("localhost:5000/team/app:2", ("localhost:5000/team/app", "2", None)),
        ("app@sha256:abc", ("app", None, "sha256:abc")),
    ],
)
def test_split_image(image, expected):
    assert split_image(image) == expected


@pytest.mark.parametrize("image", ["nginx", "nginx:latest", "registry:5000/team/app"])
def test_latest_or_untagged_images_are_errors(image):
    objects = app()
    first(objects[0])["image"] = image
    [finding] = hits(objects, "reliability.image-tag")
    assert finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.image"
    assert image in finding.message


def test_a_digest_pins_even_an_untagged_image():
    objects = app()
    first(objects[0])["image"] = "nginx@sha256:" + "a" * 64
    first(objects[0])["imagePullPolicy"] = "IfNotPresent"
    assert hits(objects, "reliability.image-tag") == []
    assert hits(objects, "reliability.image-pull-policy") == []


@pytest.mark.parametrize("policy", ["IfNotPresent", "Never", None])
def test_pull_policy_other_than_always_is_a_warning_for_tags(policy):
    objects = app()
    if policy is None:
        del first(objects[0])["imagePullPolicy"]
    else:
        first(objects[0])["imagePullPolicy"] = policy
    [finding] = hits(objects, "reliability.image-pull-policy")
    assert finding.severity is Severity.WARNING
    assert finding.field == f"{C0}.imagePullPolicy"


def test_missing_requests_are_reported_but_a_limit_implies_its_request():
    objects = app()
    del first(objects[0])["resources"]["requests"]
    assert hits(objects, "resources.requests") == []  # limits cpu+memory are copied over
    first(objects[0])["resources"] = {}
    [finding] = hits(objects, "resources.requests")
    assert "cpu and memory" in finding.message
    assert finding.field == f"{C0}.resources.requests"


def test_missing_memory_limit_is_a_warning_but_cpu_limit_is_optional():
    objects = app()
    del first(objects[0])["resources"]["limits"]["cpu"]
    assert hits(objects, "resources.memory-limit") == []
    del first(objects[0])["resources"]["limits"]["memory"]
    [finding] = hits(objects, "resources.memory-limit")
    assert finding.field == f"{C0}.resources.limits.memory"


def test_limit_below_request_is_an_error_with_both_values():
    objects = app()
    first(objects[0])["resources"]["limits"]["memory"] = "64Mi"
    [finding] = hits(objects, "resources.limit-below-request")
    assert finding.severity is Severity.ERROR
    assert "64Mi" in finding.message and "128Mi" in finding.message
    assert finding.field == f"{C0}.resources.limits.memory"


def test_invalid_quantities_are_errors_and_numbers_are_fine():
    objects = app()
    first(objects[0])["resources"]["requests"] = {"cpu": 1, "memory": "512 MB"}
    [finding] = hits(objects, "resources.quantity")
    assert finding.field == f"{C0}.resources.requests.memory"


def test_long_running_containers_need_readiness_and_liveness_probes():
    objects = app()
    del first(objects[0])["readinessProbe"]
    del first(objects[0])["livenessProbe"]
    assert [f.field for f in hits(objects, "reliability.readiness-probe")] == [
        f"{C0}.readinessProbe"
    ]
    assert [f.field for f in hits(objects, "reliability.liveness-probe")] == [f"{C0}.livenessProbe"]


def test_identical_liveness_and_readiness_probes_are_a_warning():
    objects = app()
    first(objects[0])["livenessProbe"] = dict(first(objects[0])["readinessProbe"])
    [finding] = hits(objects, "reliability.identical-probes")
    assert finding.field == f"{C0}.livenessProbe"


def _cronjob(**container_fields):
    from .builders import container

    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "shop"},
        "spec": {
            "schedule": "0 * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "automountServiceAccountToken": False,
                            "securityContext": {
                                "runAsNonRoot": True,
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "containers": [
                                {
                                    k: v
                                    for k, v in container(name="report", **container_fields).items()
                                    if k not in ("readinessProbe", "livenessProbe", "ports")
                                    or k in container_fields
                                }
                            ],
                        }
                    }
                }
            },
        },
    }


def test_cronjobs_need_no_probes_and_pass_clean():
    assert run([_cronjob()]) == []


def test_readiness_probe_on_a_cronjob_is_info():
    job = _cronjob(readinessProbe={"exec": {"command": ["true"]}})
    [finding] = hits([job], "reliability.batch-probes")
    assert finding.severity is Severity.INFO
    assert finding.field == ("spec.jobTemplate.spec.template.spec.containers[0].readinessProbe")


def test_probe_on_an_undeclared_named_port_is_an_error():
    objects = app()
    first(objects[0])["livenessProbe"]["httpGet"]["port"] = "admin"
    [finding] = hits(objects, "networking.probe-port")
    assert finding.field == f"{C0}.livenessProbe.httpGet.port"
    assert "'admin'" in finding.message and "http" in finding.message
    first(objects[0])["livenessProbe"]["httpGet"]["port"] = 8080  # a declared number is fine
    assert hits(objects, "networking.probe-port") == []


def test_service_target_port_naming_no_container_port_points_into_the_service():
    objects = [*app()[:2], service(target_port="web")]
    [finding] = hits(objects, "networking.service-target-port")
    assert finding.resource is not None and finding.resource.kind == "Service"
    assert finding.field == "spec.ports[0].targetPort"


def test_a_service_selecting_other_pods_is_not_checked_against_this_workload():
    other = service(target_port="grpc")
    other["spec"]["selector"] = {"app.kubernetes.io/name": "billing"}
    assert hits([*app()[:2], other], "networking.service-target-port") == []


def test_unparseable_pieces_never_crash_a_rule():
    objects = app()
    pod(objects[0])["containers"] = ["junk", {"name": 3, "resources": "x", "ports": "y"}]
    pod(objects[0])["volumes"] = "nope"
    findings = run(objects)
    assert any(f.rule_id == "resources.requests" for f in findings)
