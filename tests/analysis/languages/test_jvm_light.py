"""Javalin, Spark Java, Vert.x, Helidon and Dropwizard: detection from the build, ports and
routes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.jvm import ANALYZER
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


def pom(group: str, artifact: str) -> str:
    return (
        "<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId><artifactId>svc</artifactId>"
        f"<dependencies><dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        "<version>1.0</version></dependency></dependencies></project>\n"
    )


MAIN = "src/main/java/app/Main.java"
CASES = {
    "javalin": (
        pom("io.javalin", "javalin"),
        'var app = Javalin.create().start(7070);\napp.get("/users/{id}", ctx -> {});\n'
        'app.post("/users", ctx -> {});\n',
        7070,
        {("GET", "/users/{id}"), ("POST", "/users")},
    ),
    "sparkjava": (
        pom("com.sparkjava", "spark-core"),
        'import static spark.Spark.*;\nport(4568);\nget("/hello/:name", (req, res) -> "hi");\n'
        'delete("/items/:id", (req, res) -> "");\n',
        4568,
        {("GET", "/hello/{name}"), ("DELETE", "/items/{id}")},
    ),
    "vertx": (
        pom("io.vertx", "vertx-web"),
        'Router router = Router.router(vertx);\nrouter.get("/api/orders/:id").handler(this::one);\n'
        "vertx.createHttpServer().requestHandler(router).listen(8888);\n",
        8888,
        {("GET", "/api/orders/{id}")},
    ),
    "helidon": (
        pom("io.helidon.webserver", "helidon-webserver"),
        'routing.get("/greet", this::greet).put("/greet/{name}", this::set);\n',
        8080,
        {("GET", "/greet"), ("PUT", "/greet/{name}")},
    ),
}


@pytest.mark.parametrize("framework", sorted(CASES))
def test_light_jvm_frameworks_ports_and_routes(framework):
    build, code, port, routes = CASES[framework]
    report = _analyze({"pom.xml": build, MAIN: code})
    assert report.framework == framework
    assert report.app_type == "api"
    assert report.ports[0].number == port
    assert _routes(report) == routes


def test_helidon_port_comes_from_application_yaml():
    report = _analyze(
        {
            "pom.xml": pom("io.helidon.microprofile.bundles", "helidon-microprofile"),
            "src/main/resources/application.yaml": "server:\n  port: 7001\n",
        }
    )
    assert report.framework == "helidon"
    assert [p.number for p in report.ports] == [7001]


def test_dropwizard_has_app_and_admin_ports_and_the_admin_healthcheck():
    report = _analyze(
        {
            "pom.xml": pom("io.dropwizard", "dropwizard-core"),
            "src/main/java/app/Things.java": (
                '@Path("/things")\npublic class Things {\n  @GET\n  @Path("/{id}")\n'
                '  public Thing one(@PathParam("id") long id) { return null; }\n}\n'
            ),
        }
    )
    assert report.framework == "dropwizard"
    assert [(p.number, p.name) for p in report.ports] == [(8080, "http"), (8081, "admin")]
    assert [(e.path, e.port) for e in report.endpoints] == [("/healthcheck", 8081)]
    assert ("GET", "/things/{id}") in _routes(report)


@settings(max_examples=60, deadline=None)
@given(
    hostile_files(
        ["pom.xml", MAIN],
        st.sampled_from(
            [
                pom("io.javalin", "javalin"),
                pom("com.sparkjava", "spark-core"),
                ".start(",
                "port(",
                'get("',
                '", ',
                "router.get(",
                ".listen(",
                '"/a/<b>"',
                ")",
                "99999",
            ]
        ),
        max_files=2,
    )
)
def test_light_jvm_scans_never_crash_on_junk(files):
    _analyze(files)
