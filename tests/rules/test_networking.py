"""Networking rules on numeric ports: a probe or Service target number that no container
declares is a warning (Kubernetes allows undeclared ports); named ports stay errors."""

from dorgu.models.evidence import Severity

from .builders import app, first, hits, service

C0 = "spec.template.spec.containers[0]"
PROBE = "networking.probe-port"
TARGET = "networking.service-target-port"


def test_a_probe_on_a_declared_port_number_is_fine():
    objects = app()
    first(objects[0])["readinessProbe"]["httpGet"]["port"] = 8080
    assert hits(objects, PROBE) == []


def test_a_probe_on_an_undeclared_port_number_is_a_warning_listing_the_declared_ones():
    objects = app()
    first(objects[0])["readinessProbe"] = {"tcpSocket": {"port": 9090}}
    [finding] = hits(objects, PROBE)
    assert finding.severity is Severity.WARNING
    assert finding.field == f"{C0}.readinessProbe.tcpSocket.port"
    assert "9090" in finding.message and "8080" in finding.message
    assert finding.container == "api"


def test_numbers_are_not_judged_when_no_container_declares_ports():
    objects = app()
    del first(objects[0])["ports"]
    for probe in ("readinessProbe", "livenessProbe"):
        first(objects[0])[probe]["httpGet"]["port"] = 8080
    objects[2]["spec"]["ports"][0]["targetPort"] = 9999
    assert hits(objects, PROBE) == [] and hits(objects, TARGET) == []


def test_grpc_probe_ports_are_checked_too():
    objects = app()
    first(objects[0])["livenessProbe"] = {"grpc": {"port": 50051}}
    [finding] = hits(objects, PROBE)
    assert finding.field == f"{C0}.livenessProbe.grpc.port"


def test_named_probe_ports_stay_errors():
    objects = app()
    first(objects[0])["livenessProbe"]["httpGet"]["port"] = "admin"
    [finding] = hits(objects, PROBE)
    assert finding.severity is Severity.ERROR


def test_a_service_targeting_a_declared_number_is_fine():
    assert hits([*app()[:2], service(target_port=8080)], TARGET) == []


def test_a_service_targeting_an_undeclared_number_is_a_warning_on_the_service():
    [finding] = hits([*app()[:2], service(target_port=9999)], TARGET)
    assert finding.severity is Severity.WARNING
    assert finding.resource is not None and finding.resource.kind == "Service"
    assert finding.field == "spec.ports[0].targetPort"
    assert "9999" in finding.message and "8080" in finding.message


def test_without_target_port_the_service_port_is_the_target():
    svc = service()
    del svc["spec"]["ports"][0]["targetPort"]
    [finding] = hits([*app()[:2], svc], TARGET)
    assert finding.field == "spec.ports[0].port"
    svc["spec"]["ports"][0]["port"] = 8080
    assert hits([*app()[:2], svc], TARGET) == []


def test_a_number_declared_by_any_app_container_is_accepted():
    objects = app()
    sidecar = {"name": "metrics", "image": "x:1", "ports": [{"containerPort": 9100}]}
    objects[0]["spec"]["template"]["spec"]["containers"].append(sidecar)
    assert hits([*objects[:2], service(target_port=9100)], TARGET) == []


def test_named_target_ports_stay_errors():
    [finding] = hits([*app()[:2], service(target_port="web")], TARGET)
    assert finding.severity is Severity.ERROR
