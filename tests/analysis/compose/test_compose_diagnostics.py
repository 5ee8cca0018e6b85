"""Non-fatal diagnostics and fatal parse errors."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose import parse_compose
from dorgu.errors import LimitExceededError, ParseError, UnsafePathError, UsageError
from dorgu.models.evidence import Severity


def test_unknown_service_key_suggests_the_nearest_key() -> None:
    compose = "services:\n  web:\n    image: x\n    enviroment:\n      A: 1\n"
    (diagnostic,) = parse_compose([("compose.yml", compose)]).diagnostics
    assert diagnostic.code == "compose.unknown-key"
    assert "did you mean 'environment'?" in diagnostic.message
    assert str(diagnostic.location) == "compose.yml:4"


def test_unknown_top_level_key_suggests_the_nearest_key() -> None:
    compose = "servics:\n  web:\n    image: x\n"
    (diagnostic,) = parse_compose([("compose.yml", compose)]).diagnostics
    assert "did you mean 'services'?" in diagnostic.message


def test_extension_keys_are_not_unknown() -> None:
    compose = "x-common: &c\n  image: x\nservices:\n  web:\n    <<: *c\n    x-note: hi\n"
    project = parse_compose([("compose.yml", compose)])
    assert project.diagnostics == ()
    assert project.service("web").image == "x"


def test_version_key_is_reported_as_obsolete_info() -> None:
    compose = 'version: "3.8"\nservices:\n  web:\n    image: x\n'
    (diagnostic,) = parse_compose([("compose.yml", compose)]).diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("compose.obsolete-version", Severity.INFO)
    assert str(diagnostic.location) == "compose.yml:1"


def test_include_is_reported_as_unsupported() -> None:
    compose = "include: [other.yml]\nservices:\n  web:\n    image: x\n"
    codes = [d.code for d in parse_compose([("compose.yml", compose)]).diagnostics]
    assert codes == ["compose.include-unsupported"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("services: [web]\n", "'services' must be a mapping"),
        ("services:\n  web: nginx\n", "service 'web' must be a mapping"),
        ("services:\n  web:\n    image: x\n    image: y\n", "duplicate key"),
        ("services: {web: [}\n", "invalid YAML"),
    ],
)
def test_fatal_shapes_raise_parse_error(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_compose([("compose.yml", text)])


def test_parse_error_carries_the_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_compose([("compose.yml", "services:\n  web:\n    - image\n")])
    assert (caught.value.file, caught.value.line) == ("compose.yml", 2)


def test_alias_bomb_is_a_limit_error() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("services:\n  web:\n    image: x\n    command: *a8")
    with pytest.raises(LimitExceededError):
        parse_compose([("compose.yml", "\n".join(lines))])


def test_no_files_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_compose([])


def test_compose_file_outside_the_root_is_refused() -> None:
    with pytest.raises(UnsafePathError):
        parse_compose([("../compose.yml", "services: {}\n")])


def test_null_services_and_null_service_are_empty() -> None:
    assert parse_compose([("compose.yml", "services:\n")]).services == ()
    project = parse_compose([("compose.yml", "services:\n  web:\n")])
    assert [s.name for s in project.services] == ["web"]


def test_diagnostics_are_not_repeated_for_a_service_extended_twice() -> None:
    compose = """
services:
  base: {image: x, enviroment: {A: "1"}}
  one: {extends: base}
  two: {extends: base}
"""
    codes = [d.code for d in parse_compose([("compose.yml", compose)]).diagnostics]
    assert codes == ["compose.unknown-key"]
