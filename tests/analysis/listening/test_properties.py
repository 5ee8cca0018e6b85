"""The evaluator and the command reader never crash or hang on junk."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.listening.commands import command_exprs
from dorgu.analysis.listening.environments import runtime_env
from dorgu.analysis.listening.evaluating import evaluate
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

TOKENS = st.sampled_from(
    ["${", "}", ":", "-", "$", "PORT", "A", "B", "a.b", "8080", "?", " ", "'", '"', "http://+:"]
)
JUNK = st.one_of(st.text(max_size=60), st.lists(TOKENS, max_size=30).map("".join))
NAMES = st.sampled_from(["PORT", "A", "B", "a.b", "server.port"])


@settings(max_examples=200, deadline=None)
@given(
    values=st.dictionaries(
        st.sampled_from(["PORT", "A", "B", "SERVER_PORT", "A_B"]), JUNK, max_size=5
    ),
    properties=st.dictionaries(NAMES, JUNK, max_size=5),
    shape=st.sampled_from(list(Shape)),
    command=st.lists(JUNK, max_size=6),
)
def test_evaluation_never_crashes(values, properties, shape, command):
    runtime = runtime_env(
        compose_env=[EnvVar(name=k, value=v) for k, v in values.items()],
        command=["/bin/sh", "-c", " ".join(command)] if command[:1] == ["sh"] else command,
    )
    chain = [prop("server.port"), env("PORT"), flag("port"), prop("a.b"), literal("8080")]
    expr = make_expr("x", chain, "t", None, shape=shape, properties=tuple(properties.items()))
    result = evaluate(expr, runtime)
    assert result.port is None or 1 <= result.port <= 65535


@settings(max_examples=200, deadline=None)
@given(
    argv=st.lists(
        st.one_of(
            JUNK,
            st.sampled_from(
                ["uvicorn", "gunicorn", "--port", "-b", "sh", "-c", "flask", "run", "php", "-S"]
            ),
        ),
        max_size=12,
    )
)
def test_command_reading_never_crashes(argv):
    for expr in command_exprs(argv, None):
        assert expr.chain


@given(value=JUNK, shape=st.sampled_from(list(Shape)))
def test_read_port_is_total(value, shape):
    port = read_port(value, shape)
    assert port is None or 1 <= port <= 65535
