"""Multi-stage builds: aliases, inheritance, --target, ONBUILD and COPY --from."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.errors import ParseError

MULTI = """\
FROM golang:1.22 AS builder
WORKDIR /src
EXPOSE 6060
FROM builder AS tester
ENV CGO_ENABLED=0
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=builder /src/app /app
EXPOSE 8080
ENTRYPOINT ["/app"]
"""


def test_stages_have_index_name_image_and_line() -> None:
    info = parse_dockerfile(MULTI)
    assert [(s.index, s.name, s.image) for s in info.stages] == [
        (0, "builder", "golang:1.22"),
        (1, "tester", "builder"),
        (2, "runtime", "gcr.io/distroless/static-debian12:nonroot"),
    ]
    assert [s.location.line for s in info.stages] == [1, 4, 6]


def test_final_stage_is_the_last_by_default() -> None:
    info = parse_dockerfile(MULTI)
    assert info.final_stage.name == "runtime"
    assert [p.number for p in info.ports] == [8080]


def test_stage_alias_is_resolved_to_the_external_base_image() -> None:
    info = parse_dockerfile(MULTI, target="tester")
    assert info.final_stage.image == "builder"
    assert info.final_stage.parent == 0
    assert info.base_image == "golang:1.22"
    assert info.stages[1].base_image == "golang:1.22"


def test_stage_built_on_a_stage_inherits_its_configuration() -> None:
    info = parse_dockerfile(MULTI, target="tester")
    assert info.workdir == "/src"
    assert [p.number for p in info.ports] == [6060]
    assert info.env_value("CGO_ENABLED") == "0"


def test_target_by_index_and_case_insensitive_name() -> None:
    assert parse_dockerfile(MULTI, target="0").final_stage.name == "builder"
    assert parse_dockerfile(MULTI, target="Runtime").final_stage.index == 2


def test_unknown_target_names_available_stages() -> None:
    with pytest.raises(ParseError, match="target stage 'prod' not found") as caught:
        parse_dockerfile(MULTI, target="prod")
    assert "builder, tester, runtime" in str(caught.value)


def test_unnamed_stages_are_listed_by_index_for_unknown_target() -> None:
    with pytest.raises(ParseError, match=r"available stages: 0, 1"):
        parse_dockerfile("FROM a\nFROM b\n", target="x")


def test_chained_aliases_resolve_to_the_root_image() -> None:
    text = "FROM node:20-alpine AS base\nFROM base AS deps\nFROM deps AS build\nFROM build\n"
    info = parse_dockerfile(text)
    assert info.base_image == "node:20-alpine"
    assert info.final_stage.parent == 2


def test_stage_names_are_lowercased() -> None:
    info = parse_dockerfile("FROM alpine AS Builder\nFROM BUILDER\n")
    assert info.stages[0].name == "builder"
    assert info.final_stage.parent == 0
    assert "dockerfile.stage-name-casing" in {d.code for d in info.diagnostics}


def test_image_named_like_a_later_stage_is_external() -> None:
    info = parse_dockerfile("FROM app\nFROM alpine AS app\n", target="0")
    assert info.base_image == "app"
    assert info.final_stage.parent is None


def test_duplicate_stage_name_is_reported() -> None:
    info = parse_dockerfile("FROM a AS x\nFROM b AS x\n")
    assert "dockerfile.duplicate-stage-name" in {d.code for d in info.diagnostics}


def test_args_of_a_parent_stage_are_inherited() -> None:
    text = "FROM alpine AS base\nARG PORT=7000\nFROM base\nEXPOSE $PORT\n"
    assert [p.number for p in parse_dockerfile(text).ports] == [7000]


def test_args_do_not_leak_into_unrelated_stages() -> None:
    text = "FROM scratch AS a\nARG PORT=7000\nFROM scratch\nENV P=${PORT:-none}\n"
    assert parse_dockerfile(text).env_value("P") == "none"


def test_onbuild_triggers_run_in_child_stages() -> None:
    text = "FROM node:20 AS base\nONBUILD EXPOSE 3000\nONBUILD ENV MODE=prod\nFROM base\n"
    info = parse_dockerfile(text)
    assert [p.number for p in info.ports] == [3000]
    assert info.env_value("MODE") == "prod"
    assert info.ports[0].location is not None
    assert info.ports[0].location.line == 2


def test_onbuild_triggers_do_not_run_in_their_own_stage() -> None:
    info = parse_dockerfile("FROM node:20\nONBUILD EXPOSE 3000\n")
    assert info.ports == ()


def test_onbuild_rejects_from_and_nested_onbuild() -> None:
    info = parse_dockerfile("FROM a\nONBUILD FROM b\nONBUILD ONBUILD RUN x\nONBUILD\n")
    assert {d.code for d in info.diagnostics} >= {"dockerfile.invalid-onbuild", "dockerfile.syntax"}


def test_copy_from_references_are_resolved() -> None:
    text = (
        "FROM golang AS build\nFROM alpine\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\n"
        "COPY --from=nginx:latest /etc/nginx /etc/nginx\nCOPY --from=5 /c /c\n"
    )
    info = parse_dockerfile(text)
    refs = [(c.stage, c.source, c.source_stage) for c in info.copies_from]
    assert refs == [(1, "build", 0), (1, "0", 0), (1, "nginx:latest", None), (1, "5", None)]
    assert "dockerfile.unknown-stage" in {d.code for d in info.diagnostics}


def test_copy_from_can_use_a_stage_arg() -> None:
    text = "FROM alpine AS assets\nFROM alpine\nARG SRC=assets\nCOPY --from=$SRC /x /x\n"
    assert parse_dockerfile(text).copies_from[0].source_stage == 0


def test_entrypoint_resets_an_inherited_cmd() -> None:
    text = 'FROM alpine AS base\nCMD ["sh"]\nFROM base\nENTRYPOINT ["/app"]\n'
    info = parse_dockerfile(text)
    assert info.entrypoint == ("/app",)
    assert info.cmd is None


def test_cmd_set_in_the_same_stage_survives_entrypoint() -> None:
    info = parse_dockerfile('FROM alpine\nCMD ["--help"]\nENTRYPOINT ["/app"]\n')
    assert info.cmd == ("--help",)
