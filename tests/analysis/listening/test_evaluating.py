from dorgu.analysis.listening.environments import runtime_env
from dorgu.analysis.listening.evaluating import Status, evaluate
from dorgu.analysis.listening.expressions import (
    Shape,
    env,
    flag,
    literal,
    make_expr,
    prop,
    read_port,
)
from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location

CODE = Location(file="app.py", line=3)


def compose(**values):
    return [
        EnvVar(name=k, value=v, location=Location(file="compose.yaml", line=i + 5))
        for i, (k, v) in enumerate(values.items())
    ]


def expr(*chain, **options):
    return make_expr("expr", list(chain), "test.rule", CODE, **options)


def test_read_port_understands_numbers_host_ports_urls_and_lists():
    assert read_port("8081", Shape.NUMBER) == 8081
    assert read_port(" '8081' ", Shape.NUMBER) == 8081
    assert read_port(":8080", Shape.NUMBER) == 8080
    assert read_port("0.0.0.0:9000", Shape.HOSTPORT) == 9000
    assert read_port("http://+:5005", Shape.URLS) == 5005
    assert read_port("https://+:5006;http://*:5005", Shape.URLS) == 5005
    assert read_port("http://[::]:7000", Shape.URLS) == 7000
    assert read_port("http://localhost", Shape.URLS) == 80
    assert read_port("https://example.org", Shape.URLS) == 443
    assert read_port("8080;8081", Shape.PORTS) == 8080


def test_read_port_rejects_values_that_hold_no_port():
    for value in ("", "abc", "0", "65536", "99999999", "-1", "8080abc", "x" * 100_000, "²", "8²"):
        assert read_port(value, Shape.NUMBER) is None
    assert read_port("ftp://host:21", Shape.URLS) is None
    assert read_port("http://+:70000", Shape.URLS) is None


def test_a_variable_set_in_compose_beats_the_default():
    runtime = runtime_env(compose_env=compose(APP_PORT="8081"))
    res = evaluate(expr(env("APP_PORT"), literal(8080)), runtime)
    assert (res.port, res.status, res.source) == (8081, Status.SET, "APP_PORT")
    assert res.location == Location(file="compose.yaml", line=5)
    assert res.origin == "compose environment"


def test_the_default_applies_when_the_variable_is_set_nowhere():
    res = evaluate(expr(env("APP_PORT"), literal(8080)), runtime_env())
    assert (res.port, res.status, res.defaulted) == (8080, Status.LITERAL, True)


def test_alternatives_are_tried_in_order_and_layers_override_each_other():
    image = [EnvVar(name="PORT", value="7000", location=Location(file="Dockerfile", line=4))]
    runtime = runtime_env(
        image_env=image,
        compose_env=compose(HTTP_PORT="7100"),
        overrides={"PORT": ("7200", Location(file=".dorgu.yaml", line=9))},
    )
    res = evaluate(expr(env("PORT"), env("HTTP_PORT"), literal(3000)), runtime)
    assert (res.port, res.origin) == (7200, ".dorgu.yaml env")
    res = evaluate(expr(env("HTTP_PORT"), env("PORT")), runtime)
    assert res.port == 7100


def test_env_file_values_name_their_file():
    var = EnvVar(
        name="PORT", value="4100", from_file="svc.env", location=Location(file="svc.env", line=2)
    )
    res = evaluate(expr(env("PORT")), runtime_env(compose_env=[var]))
    assert res.origin == "env_file svc.env"
    assert res.location == Location(file="svc.env", line=2)


def test_an_unresolvable_variable_without_default_is_unresolved():
    res = evaluate(expr(env("PORT")), runtime_env())
    assert res.status is Status.UNRESOLVED and res.port is None


def test_non_numeric_and_out_of_range_values_are_problems_and_fall_through():
    runtime = runtime_env(compose_env=compose(PORT="eighty", HTTP_PORT="70000"))
    res = evaluate(expr(env("PORT"), env("HTTP_PORT"), literal(3000)), runtime)
    assert res.port == 3000
    assert any("'eighty'" in p for p in res.problems)
    assert any("'70000'" in p for p in res.problems)


def test_empty_values_fall_through_only_when_the_operator_says_so():
    runtime = runtime_env(compose_env=compose(PORT=""))
    assert evaluate(expr(env("PORT"), literal(3000)), runtime).port == 3000
    strict = evaluate(expr(env("PORT"), literal(3000), empty_is_unset=False), runtime)
    assert strict.port == 3000 and strict.problems


def test_secret_values_are_never_read():
    secret = EnvVar(name="PORT_TOKEN", secret=True, location=Location(file="compose.yaml", line=3))
    res = evaluate(expr(env("PORT_TOKEN"), literal(8080)), runtime_env(compose_env=[secret]))
    assert res.port == 8080
    assert any("secret" in p for p in res.problems)


def test_a_build_arg_is_not_visible_to_the_program():
    runtime = runtime_env(build_args={"PORT": Location(file="Dockerfile", line=2)})
    res = evaluate(expr(env("PORT"), literal(8080)), runtime)
    assert res.port == 8080
    assert any("build ARG (Dockerfile:2)" in p for p in res.problems)


def test_a_property_is_overridden_by_its_relaxed_environment_variable():
    props = (("server.port", "${PORT:8080}"),)
    placeholder = expr(prop("server.port"), properties=props)
    assert evaluate(placeholder, runtime_env()).port == 8080
    assert evaluate(placeholder, runtime_env()).status is Status.LITERAL
    res = evaluate(placeholder, runtime_env(compose_env=compose(PORT="9000")))
    assert (res.port, res.status, res.source) == (9000, Status.SET, "PORT")
    res = evaluate(placeholder, runtime_env(compose_env=compose(SERVER_PORT="9100", PORT="9000")))
    assert (res.port, res.source) == (9100, "SERVER_PORT")


def test_nested_placeholders_and_property_references_resolve():
    props = (("server.port", "${app.port}"), ("app.port", "${PORT:${ALT_PORT:8085}}"))
    res = evaluate(expr(prop("server.port"), properties=props), runtime_env())
    assert res.port == 8085 and res.defaulted
    res = evaluate(
        expr(prop("server.port"), properties=props),
        runtime_env(compose_env=compose(ALT_PORT="8090")),
    )
    assert (res.port, res.status) == (8090, Status.SET)


def test_cyclic_references_are_reported_not_followed():
    props = (("server.port", "${a}"), ("a", "${b}"), ("b", "${a}"))
    res = evaluate(expr(prop("server.port"), literal(8080), properties=props), runtime_env())
    assert res.port == 8080
    assert any("cyclic reference a -> b -> a" in p for p in res.problems)


def test_cycles_through_environment_values_are_reported():
    runtime = runtime_env(compose_env=compose(A="${B}", B="${A}"))
    props = (("server.port", "${A}"),)
    res = evaluate(expr(prop("server.port"), properties=props), runtime)
    assert res.status is Status.UNRESOLVED
    assert any("cyclic" in p for p in res.problems)


def test_very_deep_or_huge_placeholders_are_bounded():
    deep = "${x0:" * 40 + "8080" + "}" * 40
    res = evaluate(expr(prop("p"), properties=(("p", deep),)), runtime_env())
    assert res.port is None and any("deeper" in p for p in res.problems)
    huge = "${" + "a" * 10_000 + "}"
    res = evaluate(expr(prop("p"), properties=(("p", huge),)), runtime_env())
    assert res.port is None and res.problems
    unclosed = evaluate(expr(prop("p"), properties=(("p", "${PORT:80"),)), runtime_env())
    assert unclosed.port is None and any("unclosed" in p for p in unclosed.problems)


def test_a_flag_is_read_from_the_start_command():
    runtime = runtime_env(command=("/app", "-port", "9001"))
    assert evaluate(expr(flag("port"), literal(8080)), runtime).port == 9001
    runtime = runtime_env(command=("/app", "--port=9002"))
    assert evaluate(expr(flag("port"), literal(8080)), runtime).port == 9002
    assert evaluate(expr(flag("port"), literal(8080)), runtime_env(command=("/app",))).port == 8080


def test_a_flag_in_a_shell_form_command_expands_variables():
    runtime = runtime_env(
        compose_env=compose(PORT="7001"), command=("/bin/sh", "-c", "/app -port ${PORT:-7000}")
    )
    res = evaluate(expr(flag("port"), literal(8080)), runtime)
    assert (res.port, res.source, res.status) == (7001, "PORT", Status.SET)
    runtime = runtime_env(command=("/bin/sh", "-c", "/app -port ${PORT:-7000}"))
    assert evaluate(expr(flag("port"), literal(8080)), runtime).port == 7000


def test_an_exec_form_command_passes_dollar_variables_literally():
    runtime = runtime_env(compose_env=compose(PORT="7001"), command=("/app", "-port", "$PORT"))
    res = evaluate(expr(flag("port"), literal(8080)), runtime)
    assert res.port == 8080
    assert any("literally" in p for p in res.problems)


def test_a_secret_looking_value_in_a_port_variable_is_never_shown():
    value = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
    res = evaluate(expr(env("PORT"), literal(8080)), runtime_env(compose_env=compose(PORT=value)))
    assert res.port == 8080
    assert res.problems and all(value not in p for p in res.problems)
