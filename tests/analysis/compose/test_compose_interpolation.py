"""Variable interpolation in compose values."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose import parse_compose
from dorgu.analysis.compose.interpolating import interpolate, lookup_in
from dorgu.errors import ParseError
from dorgu.models.evidence import Location

HERE = Location(file="compose.yml", line=3)


def _expand(text: str, **variables: str) -> str:
    value, _unset = interpolate(text, lookup_in(variables), HERE)
    return value


def test_plain_and_braced_variables_expand() -> None:
    assert _expand("$A-${B}", A="1", B="2") == "1-2"


def test_default_applies_when_unset_or_empty_with_colon() -> None:
    assert _expand("${A:-x}") == "x"
    assert _expand("${A:-x}", A="") == "x"
    assert _expand("${A:-x}", A="set") == "set"


def test_default_without_colon_applies_only_when_unset() -> None:
    assert _expand("${A-x}") == "x"
    assert _expand("${A-x}", A="") == ""


def test_alternative_value_applies_when_set() -> None:
    assert _expand("${A:+alt}", A="v") == "alt"
    assert _expand("${A:+alt}", A="") == ""
    assert _expand("${A+alt}", A="") == "alt"
    assert _expand("${A+alt}") == ""


def test_nested_defaults_expand_inner_variables() -> None:
    assert _expand("${A:-${B:-x}}") == "x"
    assert _expand("${A:-${B:-x}}", B="b") == "b"
    assert _expand("${A:-pre-${B}-post}", B="b") == "pre-b-post"


def test_double_dollar_is_a_literal_dollar() -> None:
    assert _expand("echo $$HOME and $${X}", HOME="/root") == "echo $HOME and ${X}"


def test_dollar_before_non_name_stays_literal() -> None:
    assert _expand("cost: 5$ or $1") == "cost: 5$ or $1"


def test_unset_variable_becomes_empty_and_is_reported() -> None:
    value, unset = interpolate("a${MISSING}b$OTHER", lookup_in({}), HERE)
    assert value == "ab"
    assert unset == ["MISSING", "OTHER"]


def test_unused_default_does_not_report_its_variables() -> None:
    _value, unset = interpolate("${A:-${B}}", lookup_in({"A": "a"}), HERE)
    assert unset == []


def test_required_variable_error_names_file_line_and_message() -> None:
    with pytest.raises(ParseError) as caught:
        _expand("${DB_PASSWORD:?please set the database password}")
    assert "compose.yml:3" in str(caught.value)
    assert "please set the database password" in str(caught.value)
    assert caught.value.line == 3


def test_required_without_colon_accepts_empty() -> None:
    assert _expand("${A?missing}", A="") == ""
    with pytest.raises(ParseError):
        _expand("${A?missing}")


def test_unclosed_brace_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unclosed"):
        _expand("${A")


def test_invalid_variable_name_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid interpolation"):
        _expand("${1A}")


def test_compose_file_values_are_interpolated_with_environment_over_dotenv() -> None:
    compose = """
services:
  web:
    image: "shop/web:${TAG}"
    environment:
      MODE: ${MODE:-dev}
      REPLICA: $REGION
"""
    project = parse_compose(
        [("compose.yml", compose)],
        texts={".env": "TAG=1.0\nMODE=staging\nREGION=eu\n"},
        environment={"TAG": "2.0"},
    )
    web = project.service("web")
    assert web.image == "shop/web:2.0"
    assert {v.name: v.value for v in web.env} == {"MODE": "staging", "REPLICA": "eu"}


def test_keys_are_not_interpolated() -> None:
    compose = """
services:
  web:
    image: app
    labels:
      "${KEY}": "${VALUE}"
"""
    project = parse_compose([("compose.yml", compose)], environment={"KEY": "k", "VALUE": "v"})
    assert project.service("web").labels == (("${KEY}", "v"),)


def test_unset_variable_in_compose_file_gives_warning_with_line() -> None:
    compose = "services:\n  web:\n    image: app:${TAG}\n"
    project = parse_compose([("compose.yml", compose)])
    assert project.service("web").image == "app:"
    (diagnostic,) = [d for d in project.diagnostics if d.code == "compose.unset-variable"]
    assert "TAG" in diagnostic.message
    assert str(diagnostic.location) == "compose.yml:3"


def test_required_variable_missing_in_compose_file_raises_parse_error_with_location() -> None:
    compose = "services:\n  db:\n    image: postgres\n    environment:\n      PW: ${PW:?set PW}\n"
    with pytest.raises(ParseError) as caught:
        parse_compose([("compose.yml", compose)], texts={".env": "OTHER=1\n"})
    assert caught.value.file == "compose.yml"
    assert caught.value.line == 5
    assert "set PW" in str(caught.value)


def test_extension_blocks_are_not_interpolated_on_their_own() -> None:
    compose = "x-unused:\n  value: ${NEVER:?boom}\nservices:\n  web:\n    image: app\n"
    project = parse_compose([("compose.yml", compose)])
    assert project.service("web").image == "app"


def test_secret_variables_stay_references_outside_the_environment() -> None:
    compose = """
services:
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD}
    healthcheck:
      test: ["CMD-SHELL", "redis-cli -a ${REDIS_PASSWORD:?needed} ping"]
  app:
    image: app
    command: ["app", "--db", "${DB_URL}", "--level", "${LEVEL}"]
"""
    project = parse_compose(
        [("compose.yml", compose)],
        texts={".env": "REDIS_PASSWORD=hunter2\nDB_URL=postgres://u:pw@db/x\nLEVEL=info\n"},
    )
    cache = project.service("cache")
    # exec form: Kubernetes expands $(VAR) from the container's env, which now has the Secret's
    assert cache.command == ("redis-server", "--requirepass", "$(REDIS_PASSWORD)")
    assert cache.healthcheck is not None
    assert cache.healthcheck.test == ("/bin/sh", "-c", "redis-cli -a ${REDIS_PASSWORD} ping")
    assert {(v.name, v.secret, v.value) for v in cache.env} == {("REDIS_PASSWORD", True, None)}
    assert project.service("app").command == ("app", "--db", "$(DB_URL)", "--level", "info")
    assert "hunter2" not in repr(project)
    assert "u:pw" not in repr(project)
