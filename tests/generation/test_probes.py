from dorgu.models.app import (
    AppType,
    Component,
    Endpoint,
    EndpointKind,
    HealthCheck,
    Port,
)

from .builders import container, find, generate, settings

HTTP = (Port(number=8080),)


def probes(component, **kwargs):
    found = container(find(generate(component, **kwargs), "Deployment"))
    return {k: found.get(k) for k in ("startupProbe", "readinessProbe", "livenessProbe")}


def test_spring_actuator_endpoints_give_distinct_liveness_and_readiness_paths():
    component = Component(
        name="shop",
        type=AppType.API,
        language="java",
        framework="spring-boot",
        ports=HTTP,
        endpoints=(
            Endpoint(kind=EndpointKind.HEALTH, path="/actuator/health"),
            Endpoint(kind=EndpointKind.LIVENESS, path="/actuator/health/liveness"),
            Endpoint(kind=EndpointKind.READINESS, path="/actuator/health/readiness"),
        ),
    )
    found = probes(component)
    assert found["livenessProbe"]["httpGet"] == {
        "path": "/actuator/health/liveness",
        "port": "http",
    }
    assert found["readinessProbe"]["httpGet"]["path"] == "/actuator/health/readiness"
    assert found["startupProbe"]["httpGet"]["path"] == "/actuator/health/liveness"
    assert found["startupProbe"]["failureThreshold"] * found["startupProbe"]["periodSeconds"] >= 120
    assert found["livenessProbe"] != found["readinessProbe"]
    assert "initialDelaySeconds" not in found["livenessProbe"]


def test_a_single_health_endpoint_serves_every_probe_with_different_timings():
    component = Component(
        name="shop", type=AppType.API, ports=HTTP,
        endpoints=(Endpoint(kind=EndpointKind.HEALTH, path="/healthz"),),
    )  # fmt: skip
    found = probes(component)
    assert {p["httpGet"]["path"] for p in found.values()} == {"/healthz"}
    assert found["livenessProbe"] != found["readinessProbe"]


def test_an_http_healthcheck_becomes_an_http_get():
    check = HealthCheck(
        test=("curl", "-f", "http://localhost:8080/ping"), http_path="/ping", http_port=8080
    )
    found = probes(Component(name="shop", type=AppType.API, ports=HTTP, healthcheck=check))
    assert found["livenessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}


def test_a_command_healthcheck_becomes_an_exec_probe():
    check = HealthCheck(test=("/app/bin", "-healthcheck"), timeout_seconds=4, retries=5)
    found = probes(Component(name="shop", type=AppType.API, ports=HTTP, healthcheck=check))
    assert found["livenessProbe"]["exec"] == {"command": ["/app/bin", "-healthcheck"]}
    assert found["livenessProbe"]["timeoutSeconds"] == 4
    assert found["livenessProbe"]["failureThreshold"] == 5


def test_without_any_endpoint_the_probes_check_the_port_and_never_invent_a_path():
    result = generate(Component(name="shop", type=AppType.API, ports=HTTP))
    found = container(find(result, "Deployment"))
    assert found["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert "httpGet" not in str(found)
    assert any(d.code == "generate.tcp-probes" for d in result.diagnostics)


def test_health_settings_win_over_inference():
    config = settings(health={"liveness": {"path": "/live", "period_seconds": 20}})
    component = Component(
        name="shop", type=AppType.API, ports=HTTP,
        endpoints=(Endpoint(kind=EndpointKind.HEALTH, path="/healthz"),),
    )  # fmt: skip
    found = probes(component, config=config)
    assert found["livenessProbe"]["httpGet"]["path"] == "/live"
    assert found["livenessProbe"]["periodSeconds"] == 20
    assert found["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_a_component_without_ports_or_checks_gets_no_probes_and_a_warning():
    result = generate(Component(name="shop", type=AppType.WORKER))
    found = container(find(result, "Deployment"))
    assert "livenessProbe" not in found
    assert any(d.code == "generate.no-probes" for d in result.diagnostics)


def test_a_disabled_healthcheck_is_ignored():
    check = HealthCheck(test=("true",), disabled=True)
    found = probes(Component(name="shop", type=AppType.API, ports=HTTP, healthcheck=check))
    assert "tcpSocket" in found["livenessProbe"]
