from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.merging import ComponentSources, merge_component
from dorgu.models.app import (
    AppType,
    Component,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    Port,
    Route,
)
from dorgu.models.evidence import Location


def report(**kwargs):
    defaults = {"language": "python", "framework": "fastapi", "confidence": 0.9}
    defaults.update(kwargs)
    return LanguageReport(**defaults)


def test_port_mismatch_between_dockerfile_and_code_is_a_warning_naming_both_places():
    docker = parse_dockerfile("FROM python:3.12\nEXPOSE 8080\n", file="svc/Dockerfile")
    code = report(ports=(Port(number=3000, location=Location(file="main.py", line=9)),))
    merged = merge_component(
        ComponentSources(
            name="svc",
            path="svc",
            dockerfile=docker,
            dockerfile_path="svc/Dockerfile",
            reports=[code],
        )
    )
    assert [p.number for p in merged.component.ports] == [8080]
    (warning,) = [d for d in merged.diagnostics if d.code == "analysis.port-mismatch"]
    assert "8080" in warning.message
    assert "svc/main.py:9" in warning.message


def test_env_port_explains_a_code_default_without_warning():
    docker = parse_dockerfile("FROM node:20\nENV PORT=8080\n", file="Dockerfile")
    code = report(ports=(Port(number=3000),))
    merged = merge_component(
        ComponentSources(
            name="web", dockerfile=docker, dockerfile_path="Dockerfile", reports=[code]
        )
    )
    assert [p.number for p in merged.component.ports] == [8080]
    assert not [d for d in merged.diagnostics if d.code == "analysis.port-mismatch"]


def test_a_port_variable_in_non_ascii_digits_is_no_port_and_no_crash():
    # "²".isdigit() is True, int("²") raises: the value names no port
    docker = parse_dockerfile("FROM node:20\nENV PORT=²\n", file="Dockerfile")
    merged = merge_component(
        ComponentSources(
            name="web", dockerfile=docker, dockerfile_path="Dockerfile", reports=[report()]
        )
    )
    assert [p.number for p in merged.component.ports] == []


def test_compose_ports_win_over_dockerfile_and_code():
    base = Component(name="api", ports=(Port(number=5000),))
    docker = parse_dockerfile("FROM python:3.12\nEXPOSE 8000\n", file="Dockerfile")
    merged = merge_component(
        ComponentSources(name="api", base=base, dockerfile=docker, reports=[report()])
    )
    assert [p.number for p in merged.component.ports] == [5000]


def test_locations_from_a_subdirectory_are_made_root_relative():
    code = report(
        routes=(Route(method="GET", path="/x", location=Location(file="app.py", line=3)),),
        endpoints=(
            Endpoint(
                kind=EndpointKind.HEALTH, path="/healthz", location=Location(file="app.py", line=7)
            ),
        ),
    )
    merged = merge_component(ComponentSources(name="svc", path="services/svc", reports=[code]))
    assert merged.component.routes[0].location == Location(file="services/svc/app.py", line=3)
    assert merged.component.endpoints[0].location == Location(file="services/svc/app.py", line=7)


def test_openapi_routes_are_merged_with_code_routes_without_duplicates():
    code = report(routes=(Route(method="GET", path="/a"), Route(method="POST", path="/b")))
    spec = [Route(method="GET", path="/a", summary="from spec", source="openapi")]
    merged = merge_component(ComponentSources(name="svc", reports=[code], openapi_routes=spec))
    routes = {(r.method, r.path): r for r in merged.component.routes}
    assert set(routes) == {("GET", "/a"), ("POST", "/b")}
    assert routes[("GET", "/a")].summary == "from spec"


def test_type_is_inferred_with_a_reason():
    merged = merge_component(ComponentSources(name="w", reports=[report(framework=None)]))
    assert merged.component.type is AppType.WORKER
    (why,) = [e for e in merged.evidence if e.field == "components.w.type"]
    assert why.detail == "no listening port or routes found"
    merged = merge_component(ComponentSources(name="a", reports=[report(ports=(Port(number=80),))]))
    assert merged.component.type is AppType.API


def test_compose_dependency_is_kept_over_a_driver_guess_of_the_same_kind():
    base = Component(
        name="api",
        dependencies=(
            Dependency(name="db", type=DependencyType.DATABASE, kind="postgres", component="db"),
        ),
    )
    code = report(
        dependencies=(Dependency(name="postgres", type=DependencyType.DATABASE, kind="postgres"),)
    )
    merged = merge_component(ComponentSources(name="api", base=base, reports=[code]))
    assert [(d.name, d.component) for d in merged.component.dependencies] == [("db", "db")]


def test_secret_dockerfile_env_never_carries_a_value():
    docker = parse_dockerfile(
        "FROM alpine\nENV API_TOKEN=abc123 LOG_LEVEL=info\n", file="Dockerfile"
    )
    merged = merge_component(
        ComponentSources(name="x", dockerfile=docker, dockerfile_path="Dockerfile")
    )
    env = {v.name: v for v in merged.component.env}
    assert env["API_TOKEN"].secret
    assert env["API_TOKEN"].value is None
    assert env["LOG_LEVEL"].value == "info"
    assert "abc123" not in merged.component.model_dump_json()
    assert all("abc123" not in e.value for e in merged.evidence)
