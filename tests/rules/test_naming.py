"""Naming rules: object, namespace, container and port names and labels follow the API
server's syntax; every finding is an error pointing at the offending field."""

import pytest

from dorgu.models.evidence import Severity
from dorgu.rules.naming import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    iana_service_name,
    label_key,
    label_value,
)

from .builders import app, first, hits, hpa, pod

NAMES = "naming.dns-names"
LABELS = "naming.labels"
C0 = "spec.template.spec.containers[0]"


@pytest.mark.parametrize("value", ["a", "my-app", "a1", "1a", "x" * 63])
def test_valid_dns_labels(value):
    assert dns1123_label(value) is None


@pytest.mark.parametrize("value", ["", "My-App", "-a", "a-", "a.b", "a_b", "x" * 64])
def test_invalid_dns_labels(value):
    assert dns1123_label(value)


def test_subdomains_allow_dots_and_253_characters():
    assert dns1123_subdomain("api.v2") is None
    assert dns1123_subdomain(".".join(["x" * 63] * 4)[:253]) is None
    assert "253" in (dns1123_subdomain(".".join(["x" * 63] * 4)) or "")
    assert dns1123_subdomain("api..v2")
    assert dns1123_subdomain("Api")


def test_rfc1035_labels_start_with_a_letter():
    assert dns1035_label("api") is None
    assert dns1035_label("1api")


@pytest.mark.parametrize("value", ["http", "grpc-api", "h2c", "a" * 15])
def test_valid_port_names(value):
    assert iana_service_name(value) is None


@pytest.mark.parametrize("value", ["", "8080", "HTTP", "-http", "http-", "a--b", "a_b", "a" * 16])
def test_invalid_port_names(value):
    assert iana_service_name(value)


@pytest.mark.parametrize(
    "key", ["app", "app.kubernetes.io/name", "a_b.c-d", "example.com/A_b", "x" * 63]
)
def test_valid_label_keys(key):
    assert label_key(key) is None


@pytest.mark.parametrize("key", ["", "/name", "Example.com/name", "a/b/c", "-a", "a b", "x" * 64])
def test_invalid_label_keys(key):
    assert label_key(key)


@pytest.mark.parametrize("value", ["", "v1", "1.2.3", "A_b-c.d", "x" * 63])
def test_valid_label_values(value):
    assert label_value(value) is None


@pytest.mark.parametrize("value", [1, True, None, "-v1", "v 1", "v1.", "x" * 64])
def test_invalid_label_values(value):
    assert label_value(value)


def test_the_clean_app_has_no_naming_findings():
    assert hits(app(), NAMES) == [] and hits(app(), LABELS) == []


def test_an_invalid_workload_name_is_an_error_on_metadata_name():
    objects = app()
    objects[0]["metadata"]["name"] = "Api_Server"
    [finding] = hits(objects, NAMES)
    assert finding.severity is Severity.ERROR
    assert finding.field == "metadata.name"
    assert finding.resource is not None and finding.resource.kind == "Deployment"
    assert "DNS-1123 subdomain" in finding.message


def test_a_dotted_deployment_name_is_fine_but_a_dotted_service_name_is_not():
    objects = app()
    objects[0]["metadata"]["name"] = "api.v2"
    assert hits(objects, NAMES) == []
    objects[2]["metadata"]["name"] = "api.v2"
    [finding] = hits(objects, NAMES)
    assert finding.resource is not None and finding.resource.kind == "Service"
    assert finding.field == "metadata.name" and "RFC 1035" in finding.message


def test_a_service_name_starting_with_a_digit_is_an_error():
    objects = app()
    objects[2]["metadata"]["name"] = "1api"
    assert len(hits(objects, NAMES)) == 1


def test_linked_objects_are_checked_and_reported_on_themselves():
    autoscaler = hpa()
    autoscaler["metadata"]["name"] = "API"
    [finding] = hits([*app(), autoscaler], NAMES)
    assert finding.resource is not None and finding.resource.kind == "HorizontalPodAutoscaler"


def test_an_invalid_namespace_is_an_error():
    objects = app()
    objects[0]["metadata"]["namespace"] = "shop.eu"
    [finding] = hits(objects, NAMES)
    assert finding.field == "metadata.namespace"


def test_container_and_port_names_are_checked_with_their_paths():
    objects = app()
    pod(objects[0])["initContainers"] = [{"name": "Migrate", "image": "x:1"}]
    first(objects[0])["ports"][0]["name"] = "http-management"  # 15 is fine
    first(objects[0])["ports"].append({"name": "metrics-endpoint", "containerPort": 9100})
    fields = sorted(f.field for f in hits(objects, NAMES))
    assert fields == [f"{C0}.ports[1].name", "spec.template.spec.initContainers[0].name"]


def test_service_port_names_are_dns_labels():
    objects = app()
    objects[2]["spec"]["ports"][0]["name"] = "HTTP"
    [finding] = hits(objects, NAMES)
    assert finding.field == "spec.ports[0].name"


def test_invalid_labels_point_at_the_key_in_metadata_and_the_pod_template():
    objects = app()
    objects[0]["metadata"]["labels"]["version"] = 2
    template = objects[0]["spec"]["template"]["metadata"]["labels"]
    template["bad key"] = "x"
    findings = hits(objects, LABELS)
    assert {f.field for f in findings} == {
        "metadata.labels.version",
        'spec.template.metadata.labels["bad key"]',
    }
    assert all(f.severity is Severity.ERROR for f in findings)


def test_labels_of_a_linked_service_are_checked():
    objects = app()
    objects[2]["metadata"]["labels"] = {"tier": "front end"}
    [finding] = hits(objects, LABELS)
    assert finding.resource is not None and finding.resource.kind == "Service"


def test_cronjob_template_labels_use_the_cronjob_path():
    from .test_workload_rules import _cronjob

    job = _cronjob()
    job["spec"]["jobTemplate"]["spec"]["template"]["metadata"] = {"labels": {"a": "-x"}}
    [finding] = hits([job], LABELS)
    assert finding.field == "spec.jobTemplate.spec.template.metadata.labels.a"
