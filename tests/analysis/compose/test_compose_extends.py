"""extends within a file and across files."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose import parse_compose
from dorgu.errors import ParseError, UnsafePathError

COMMON = """
services:
  python-base:
    build:
      context: .
      dockerfile: Dockerfile
    environment:
      PYTHONUNBUFFERED: "1"
      LEVEL: info
    env_file: base.env
    volumes:
      - ./src:/app/src
"""


def test_same_file_extends_merges_the_base_service() -> None:
    compose = """
services:
  base:
    image: shop/app
    environment: {LEVEL: info, REGION: eu}
    cap_drop: [ALL]
  worker:
    extends: base
    command: celery worker
    environment: {LEVEL: debug}
"""
    worker = parse_compose([("compose.yml", compose)]).service("worker")
    assert worker.image == "shop/app"
    assert worker.command == ("celery", "worker")
    assert {v.name: v.value for v in worker.env} == {"LEVEL": "debug", "REGION": "eu"}
    assert worker.cap_drop == ("ALL",)


def test_cross_file_extends_resolves_paths_against_the_extended_file() -> None:
    compose = """
services:
  api:
    extends:
      file: common/services.yml
      service: python-base
    environment:
      LEVEL: warning
"""
    project = parse_compose(
        [("compose.yml", compose)],
        texts={"common/services.yml": COMMON, "common/base.env": "FROM_BASE=1\n"},
    )
    api = project.service("api")
    assert api.build is not None
    assert (api.build.context, api.build.dockerfile) == ("common", "common/Dockerfile")
    assert {v.name: v.value for v in api.env} == {
        "FROM_BASE": "1",
        "PYTHONUNBUFFERED": "1",
        "LEVEL": "warning",
    }
    assert api.volumes[0].source == "common/src"
    assert api.location is not None
    assert api.location.file == "compose.yml"
    assert [s.name for s in project.services] == ["api"]


def test_extends_chain_across_services() -> None:
    compose = """
services:
  a: {image: img, environment: {A: "1"}}
  b: {extends: a, environment: {B: "2"}}
  c: {extends: {service: b}, environment: {C: "3"}}
"""
    c = parse_compose([("compose.yml", compose)]).service("c")
    assert {v.name for v in c.env} == {"A", "B", "C"}
    assert c.image == "img"


def test_extends_cycle_is_a_parse_error() -> None:
    compose = "services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n"
    with pytest.raises(ParseError, match="cycle"):
        parse_compose([("compose.yml", compose)])


def test_extends_missing_service_names_file_and_line() -> None:
    compose = "services:\n  a:\n    image: x\n    extends: ghost\n"
    with pytest.raises(ParseError) as caught:
        parse_compose([("compose.yml", compose)])
    assert caught.value.line == 4
    assert "ghost" in str(caught.value)


def test_extends_missing_file_names_the_referencing_file_and_path() -> None:
    compose = "services:\n  a:\n    extends:\n      file: base.yml\n      service: x\n"
    with pytest.raises(ParseError) as caught:
        parse_compose([("compose.yml", compose)])
    assert (caught.value.file, caught.value.line) == ("compose.yml", 3)
    assert "base.yml" in str(caught.value)


def test_extends_file_outside_root_is_refused() -> None:
    compose = "services:\n  a:\n    extends:\n      file: ../base.yml\n      service: x\n"
    with pytest.raises(UnsafePathError):
        parse_compose([("compose.yml", compose)])
