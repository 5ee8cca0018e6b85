"""The effective port in merging: evidence, precedence over declared ports, diagnostics."""

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.listening.expressions import ListenExpr, env, literal, make_expr, prop
from dorgu.analysis.merging import ComponentSources, merge_component
from dorgu.models.app import Component, EnvVar, Port
from dorgu.models.evidence import Evidence, Location, Severity

CODE = Location(file="app.py", line=10)


def report(chain, port=None, framework="flask", rule="python.env.port_default", **extra):
    expr = make_expr('os.environ.get("APP_PORT", 8080)', chain, "python.env.port_expr", CODE)
    ports = (Port(number=port, name="http", purpose="http", location=CODE),) if port else ()
    evidence = (Evidence(field="port", value=str(port), rule=rule, location=CODE),) if port else ()
    return LanguageReport(
        language="python",
        framework=framework,
        confidence=0.9,
        ports=ports,
        listen=(expr,),
        evidence=evidence,
        **extra,
    )


def compose(*ports, **env_values):
    return Component(
        name="api",
        path="api",
        ports=tuple(
            Port(number=p, published=p, location=Location(file="compose.yaml", line=7))
            for p in ports
        ),
        env=tuple(
            EnvVar(name=k, value=v, location=Location(file="compose.yaml", line=9))
            for k, v in env_values.items()
        ),
    )


def merge(rep, base=None, dockerfile=None, overrides=None):
    docker = parse_dockerfile(dockerfile, file="api/Dockerfile") if dockerfile else None
    return merge_component(
        ComponentSources(
            name="api",
            path="api",
            base=base,
            dockerfile=docker,
            dockerfile_path="api/Dockerfile" if docker else None,
            reports=[rep],
            env_overrides=overrides or {},
        )
    )


def warnings(merged, code):
    return [d for d in merged.diagnostics if d.code == code]


def test_the_compose_value_of_the_variable_wins_over_the_code_default():
    merged = merge(report([env("APP_PORT"), literal(8080)], 8080), base=compose(APP_PORT="8081"))
    assert [p.number for p in merged.component.ports] == [8081]
    (ev,) = [e for e in merged.evidence if e.rule == "listen.env"]
    assert ev.field == "components.api.ports" and ev.value == "8081"
    assert ev.location == Location(file="compose.yaml", line=9)
    assert "APP_PORT=8081" in ev.detail and "api/app.py:10" in ev.detail
    assert not warnings(merged, "analysis.port-unresolved")


def test_a_dockerfile_env_value_beats_a_disagreeing_expose_with_a_warning_naming_both():
    dockerfile = "FROM python:3.12\nENV APP_PORT=9090\nEXPOSE 8080\n"
    merged = merge(report([env("APP_PORT"), literal(8080)], 8080), dockerfile=dockerfile)
    assert [p.number for p in merged.component.ports] == [9090]
    (warning,) = warnings(merged, "analysis.port-mismatch")
    assert "api/Dockerfile:3" in warning.message and "api/Dockerfile:2" in warning.message
    assert "9090" in warning.message


def test_a_compose_container_port_that_agrees_is_kept_with_its_published_port():
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080), base=compose(8081, APP_PORT="8081")
    )
    (port,) = merged.component.ports
    assert (port.number, port.published) == (8081, 8081)
    assert not warnings(merged, "analysis.port-mismatch")


def test_a_compose_container_port_that_disagrees_is_corrected_and_reported():
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080), base=compose(5000, APP_PORT="8081")
    )
    (port,) = merged.component.ports
    assert (port.number, port.published) == (8081, 5000)
    (warning,) = warnings(merged, "analysis.port-mismatch")
    assert "compose.yaml:7" in warning.message and "compose.yaml:9" in warning.message


def test_dorgu_yaml_env_overrides_compose():
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080),
        base=compose(APP_PORT="8081"),
        overrides={"APP_PORT": ("8555", Location(file=".dorgu.yaml", line=4))},
    )
    assert [p.number for p in merged.component.ports] == [8555]
    assert any(e.location == Location(file=".dorgu.yaml", line=4) for e in merged.evidence)


def test_a_variable_set_nowhere_falls_back_to_the_default_with_a_warning_and_low_confidence():
    merged = merge(report([env("APP_PORT"), literal(8080)], 8080))
    assert [p.number for p in merged.component.ports] == [8080]
    (warning,) = warnings(merged, "analysis.port-unresolved")
    assert warning.severity is Severity.WARNING
    assert "APP_PORT" in warning.message and "deploy time" in warning.message
    (fallback,) = [e for e in merged.evidence if e.rule == "listen.fallback"]
    assert fallback.confidence < 0.5


def test_a_default_confirmed_by_expose_needs_no_warning():
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080), dockerfile="FROM python:3.12\nEXPOSE 8080\n"
    )
    assert not warnings(merged, "analysis.port-unresolved")


def test_no_default_and_no_value_falls_back_to_the_framework_and_sets_the_variable():
    merged = merge(report([env("PORT")], 5000, rule="python.run.default_port"))
    assert [p.number for p in merged.component.ports] == [5000]
    assert warnings(merged, "analysis.port-unresolved")
    assert ("PORT", "5000") in [(v.name, v.value) for v in merged.component.env]


def test_a_non_numeric_value_is_reported_and_the_default_used():
    merged = merge(report([env("APP_PORT"), literal(8080)], 8080), base=compose(APP_PORT="http"))
    assert [p.number for p in merged.component.ports] == [8080]
    assert any("'http'" in d.message for d in warnings(merged, "analysis.port-value"))


def test_aspnetcore_urls_sets_the_port_unless_the_code_fixes_it():
    rep = LanguageReport(
        language="csharp",
        framework="aspnetcore",
        confidence=0.9,
        ports=(Port(number=8080, name="http", purpose="http"),),
    )
    merged = merge(rep, base=compose(ASPNETCORE_URLS="http://+:5005"))
    assert [p.number for p in merged.component.ports] == [5005]
    merged = merge(rep, base=compose(ASPNETCORE_HTTP_PORTS="5006"))
    assert [p.number for p in merged.component.ports] == [5006]
    fixed = LanguageReport(
        language="csharp",
        framework="aspnetcore",
        confidence=0.9,
        ports=(Port(number=7000, name="http", purpose="http"),),
        evidence=(Evidence(field="port", value="7000", rule="dotnet.kestrel-listen"),),
    )
    merged = merge(fixed, base=compose(ASPNETCORE_URLS="http://+:5005"))
    assert [p.number for p in merged.component.ports] == [7000]


def test_spring_profile_activated_by_the_container_applies():
    expr = make_expr(
        "server.port=9443",
        [prop("server.port")],
        "jvm.spring-boot.port_expr",
        Location(file="application-docker.yml", line=2),
        properties=(("server.port", "9443"),),
        profile="docker",
    )
    rep = LanguageReport(
        language="java",
        framework="spring-boot",
        confidence=0.9,
        ports=(Port(number=8080, name="http", purpose="http"),),
        listen=(expr,),
    )
    assert [p.number for p in merge(rep).component.ports] == [8080]
    merged = merge(rep, base=compose(SPRING_PROFILES_ACTIVE="docker"))
    assert [p.number for p in merged.component.ports] == [9443]
    assert [p.number for p in merge(rep, base=compose(SERVER_PORT="9000")).component.ports] == [
        9000
    ]


def test_the_start_command_flag_wins_over_the_code():
    dockerfile = "FROM python:3.12\nCMD uvicorn main:app --port ${PORT:-8000}\n"
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080),
        base=compose(PORT="7700"),
        dockerfile=dockerfile,
    )
    assert [p.number for p in merged.component.ports] == [7700]
    assert any(e.rule == "listen.command" for e in merged.evidence)


def test_a_variable_set_to_an_empty_value_is_reported_as_set_not_as_missing():
    merged = merge(report([env("APP_PORT"), literal(8080)], 8080), base=compose(APP_PORT=""))
    (warning,) = warnings(merged, "analysis.port-unresolved")
    assert "is set but" in warning.message and "set nowhere" not in warning.message


def test_the_effective_port_among_several_declared_ones_comes_first_as_http():
    merged = merge(
        report([env("APP_PORT"), literal(8080)], 8080), base=compose(9100, 8081, APP_PORT="8081")
    )
    assert [(p.number, p.purpose) for p in merged.component.ports] == [(8081, "http"), (9100, None)]
    assert not warnings(merged, "analysis.port-mismatch")


def test_a_metrics_port_variable_moves_the_metrics_port():
    metrics = make_expr(
        'os.getenv("METRICS_PORT", "9100")',
        [env("METRICS_PORT"), literal(9100)],
        "python.env.port_expr",
        CODE,
        purpose="metrics",
    )
    rep = report([env("APP_PORT"), literal(8080)], 8080)
    rep = LanguageReport(
        language="python",
        framework="flask",
        confidence=0.9,
        evidence=rep.evidence,
        ports=(*rep.ports, Port(number=9100, name="metrics", purpose="metrics")),
        listen=(*rep.listen, metrics),
    )
    merged = merge(rep, base=compose(APP_PORT="8081", METRICS_PORT="9200"))
    assert [(p.number, p.purpose) for p in merged.component.ports] == [
        (8081, "http"),
        (9200, "metrics"),
    ]


def test_an_active_profile_beats_the_default_profile_even_when_its_variable_is_set():
    default = make_expr(
        "server.port=${PORT:8080}",
        [prop("server.port")],
        "jvm.spring-boot.port_expr",
        Location(file="application.properties", line=1),
        properties=(("server.port", "${PORT:8080}"),),
        confidence=0.9,
    )
    docker = make_expr(
        "server.port=9443",
        [prop("server.port")],
        "jvm.spring-boot.port_expr",
        Location(file="application-docker.yml", line=2),
        properties=(("server.port", "9443"),),
        profile="docker",
        confidence=0.8,
    )
    rep = LanguageReport(
        language="java", framework="spring-boot", confidence=0.9, listen=(default, docker)
    )
    merged = merge(rep, base=compose(PORT="8181", SPRING_PROFILES_ACTIVE="docker"))
    assert [p.number for p in merged.component.ports] == [9443]
    assert [p.number for p in merge(rep, base=compose(PORT="8181")).component.ports] == [8181]


def _express_on_3000(expr: ListenExpr, port_rule: str) -> LanguageReport:
    """An Express report whose code listens on 3000 (``port_rule`` says how it knows)."""
    return LanguageReport(
        language="javascript",
        framework="express",
        confidence=0.9,
        listen=(expr,),
        ports=(Port(number=3000, name="http", purpose="http"),),
        evidence=(Evidence(field="port", value="3000", rule=port_rule),),
    )


def test_a_loose_port_variable_does_not_move_a_port_the_code_fixes():
    loose = make_expr(
        "process.env.API_PORT || 8080", [env("API_PORT"), literal(8080)], "node.env.port_expr", CODE
    )
    rep = _express_on_3000(loose, "node.listen")
    merged = merge(rep, base=compose(API_PORT="9999"))
    assert [p.number for p in merged.component.ports] == [3000]
    bound = make_expr(
        "process.env.API_PORT || 3000", [env("API_PORT"), literal(3000)], "node.env.port_expr", CODE
    )
    rep = _express_on_3000(bound, "node.env.port_default")
    assert [p.number for p in merge(rep, base=compose(API_PORT="9999")).component.ports] == [9999]


def test_a_loose_port_variable_set_nowhere_is_no_warning_when_the_code_fixes_the_port():
    loose = make_expr(
        "process.env.API_PORT || 8080", [env("API_PORT"), literal(8080)], "node.env.port_expr", CODE
    )
    rep = _express_on_3000(loose, "node.listen")
    merged = merge(rep)
    assert [p.number for p in merged.component.ports] == [3000]
    assert not warnings(merged, "analysis.port-unresolved")
