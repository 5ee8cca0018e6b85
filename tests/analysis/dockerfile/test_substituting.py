"""ARG/ENV variable substitution: the forms Docker supports and the scoping rules."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.dockerfile.substituting import Var, VarKind, expand
from dorgu.errors import LimitExceededError

SCOPE = {"A": Var(VarKind.VALUE, "alpha"), "E": Var(VarKind.VALUE, ""), "U": Var(VarKind.UNSET)}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$A", "alpha"),
        ("${A}", "alpha"),
        ("x${A}y", "xalphay"),
        ("$A-b", "alpha-b"),
        ("${MISSING:-dflt}", "dflt"),
        ("${E:-dflt}", "dflt"),
        ("${E-dflt}", ""),
        ("${U-dflt}", "dflt"),
        ("${A:+alt}", "alt"),
        ("${E:+alt}", ""),
        ("${E+alt}", "alt"),
        ("${MISSING+alt}", ""),
        ("${MISSING:-${A}}", "alpha"),
        ("${A#al}", "pha"),
        ("${A#*l}", "pha"),
        ("${A%a}", "alph"),
        ("${A%%p*}", "al"),
        ("${A/a/o}", "olpha"),
        ("${A//a/o}", "olpho"),
        ("\\$A", "$A"),
        ("'$A'", "$A"),
        ('"$A"', "alpha"),
        ('"a b"', "a b"),
        ('"\\$A"', "$A"),
        ('"a\\b"', "a\\b"),
        ("a\\ b", "a b"),
        ("$", "$"),
        ("$1", "$1"),
        ("cost: $ 5", "cost: $ 5"),
    ],
)
def test_expansion_forms(word: str, expected: str) -> None:
    assert expand(word, SCOPE, "\\").text == expected


def test_backtick_escape_protects_dollar() -> None:
    assert expand("`$A", SCOPE, "`").text == "$A"
    assert expand("C:\\$A", SCOPE, "`").text == "C:\\alpha"


def test_secret_and_opaque_variables_are_kept_verbatim() -> None:
    scope = {"TOKEN": Var(VarKind.SECRET), "TARGETARCH": Var(VarKind.OPAQUE)}
    secret = expand("Bearer ${TOKEN}", scope, "\\")
    assert secret.text == "Bearer ${TOKEN}"
    assert secret.tainted
    opaque = expand("bin-$TARGETARCH", scope, "\\")
    assert opaque.text == "bin-$TARGETARCH"
    assert opaque.opaque
    assert not opaque.tainted


def test_problems_are_reported_not_raised() -> None:
    assert expand("${A", SCOPE, "\\").problems
    assert expand('"open', SCOPE, "\\").problems
    assert expand("${1bad}", SCOPE, "\\").problems
    assert expand("${MISSING:?must be set}", SCOPE, "\\").problems


def test_runaway_expansion_is_refused() -> None:
    lines = ["FROM alpine", "ENV A=abcdefghij"] + ["ENV A=$A$A"] * 20
    with pytest.raises(LimitExceededError):
        parse_dockerfile("\n".join(lines))


def test_env_values_expand_previous_env_and_arg() -> None:
    text = (
        "FROM alpine\nARG VERSION=1.2\nENV APP_HOME=/opt/app\n"
        "ENV PATH_ADD=$APP_HOME/bin V=v${VERSION}\n"
    )
    info = parse_dockerfile(text)
    assert info.env_value("PATH_ADD") == "/opt/app/bin"
    assert info.env_value("V") == "v1.2"


def test_one_env_instruction_sees_values_from_before_it() -> None:
    text = "FROM alpine\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n"
    info = parse_dockerfile(text)
    assert info.env_value("def") == "hello"
    assert info.env_value("ghi") == "bye"


def test_env_overrides_arg_of_the_same_name() -> None:
    text = "FROM alpine\nARG PORT=1\nENV PORT=2\nEXPOSE $PORT\n"
    info = parse_dockerfile(text, build_args={"PORT": "3"})
    assert [p.number for p in info.ports] == [2]


def test_global_arg_is_usable_in_from_only() -> None:
    text = "ARG VERSION=3.12\nFROM python:${VERSION}-slim\nENV V=$VERSION\n"
    info = parse_dockerfile(text)
    assert info.base_image == "python:3.12-slim"
    assert info.env_value("V") == ""
    assert "dockerfile.global-arg-not-redeclared" in {d.code for d in info.diagnostics}


def test_redeclared_global_arg_takes_the_global_value() -> None:
    text = "ARG VERSION=3.12\nFROM python:${VERSION}\nARG VERSION\nENV V=$VERSION\n"
    info = parse_dockerfile(text)
    assert info.env_value("V") == "3.12"


def test_build_args_override_global_and_stage_defaults() -> None:
    text = "ARG VERSION=3.12\nFROM python:${VERSION}\nARG VERSION\nARG PORT=8000\nEXPOSE $PORT\n"
    info = parse_dockerfile(text, build_args={"VERSION": "3.13", "PORT": "9000"})
    assert info.base_image == "python:3.13"
    assert [p.number for p in info.ports] == [9000]
    args = {(a.name, a.stage): a for a in info.args}
    assert args[("VERSION", None)].default == "3.12"
    assert args[("VERSION", None)].value == "3.13"
    assert args[("PORT", 0)].default == "8000"
    assert args[("PORT", 0)].value == "9000"


def test_arg_defaults_may_reference_earlier_args() -> None:
    text = "FROM alpine\nARG A=1\nARG B=${A}.0\nENV B=$B\n"
    assert parse_dockerfile(text).env_value("B") == "1.0"


def test_undefined_variable_in_from_is_a_warning() -> None:
    info = parse_dockerfile("FROM node:${NODE_VERSION:-20}\nFROM python:$PYV\n")
    assert info.stages[0].image == "node:20"
    assert info.stages[1].image == "python:"
    assert "dockerfile.undefined-variable" in {d.code for d in info.diagnostics}


def test_variable_from_base_image_is_kept_as_written() -> None:
    info = parse_dockerfile("FROM python:3.12\nENV PATH=/app/.venv/bin:$PATH APP=$APP_HOME\n")
    assert info.env_value("PATH") == "/app/.venv/bin:$PATH"
    assert info.env_value("APP") == "$APP_HOME"
    messages = [d.message for d in info.diagnostics if d.code == "dockerfile.base-image-variable"]
    assert len(messages) == 1
    assert "$APP_HOME" in messages[0]


def test_undefined_variable_on_scratch_is_empty() -> None:
    info = parse_dockerfile("FROM scratch\nENV PATH=/bin:$PATH\n")
    assert info.env_value("PATH") == "/bin:"


def test_platform_args_are_predefined_for_from_lines() -> None:
    info = parse_dockerfile("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n")
    assert info.stages[0].platform == "$BUILDPLATFORM"
    assert not any(d.code == "dockerfile.undefined-variable" for d in info.diagnostics)


def test_platform_args_can_be_given_as_build_args() -> None:
    info = parse_dockerfile(
        "FROM --platform=$BUILDPLATFORM golang\n", build_args={"BUILDPLATFORM": "linux/amd64"}
    )
    assert info.stages[0].platform == "linux/amd64"


def test_unused_build_args_are_reported() -> None:
    info = parse_dockerfile("FROM alpine\n", build_args={"NOPE": "1"})
    assert "dockerfile.unused-build-arg" in {d.code for d in info.diagnostics}
