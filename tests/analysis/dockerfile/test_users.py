"""USER and the security hints derived from it."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile


@pytest.mark.parametrize(
    ("user", "uid", "gid", "root"),
    [
        ("root", None, None, True),
        ("0", 0, None, True),
        ("0:0", 0, 0, True),
        ("root:root", None, None, True),
        ("node", None, None, False),
        ("65532:65532", 65532, 65532, False),
        ("1001", 1001, None, False),
        ("app:app", None, None, False),
        ("ContainerAdministrator", None, None, True),
        ("ContainerUser", None, None, False),
    ],
)
def test_user_forms(user: str, uid: int | None, gid: int | None, root: bool) -> None:
    info = parse_dockerfile(f"FROM a\nUSER {user}\n")
    assert info.security.user == user
    assert info.user == user
    assert (info.security.uid, info.security.gid) == (uid, gid)
    assert info.security.runs_as_root is root


def test_last_user_wins_and_variables_resolve() -> None:
    info = parse_dockerfile("FROM a\nARG UID=10001\nUSER root\nRUN x\nUSER ${UID}:${UID}\n")
    assert info.security.user == "10001:10001"
    assert info.security.uid == 10001
    assert info.security.runs_as_root is False


def test_no_user_defaults_to_root_with_low_confidence() -> None:
    info = parse_dockerfile("FROM python:3.12\n")
    assert info.security.user is None
    assert info.security.runs_as_root is True
    evidence = next(e for e in info.evidence if e.field == "security.runs_as_root")
    assert evidence.confidence <= 0.5
    assert evidence.rule == "dockerfile.user.default"


def test_no_user_on_nonroot_distroless_image_is_not_root() -> None:
    info = parse_dockerfile("FROM gcr.io/distroless/static-debian12:nonroot\n")
    assert info.security.runs_as_root is False


def test_no_user_on_scratch_is_root_uid_zero() -> None:
    info = parse_dockerfile("FROM scratch\n")
    assert info.security.runs_as_root is True
    assert info.security.uid == 0


def test_user_from_parent_stage_is_inherited() -> None:
    info = parse_dockerfile("FROM alpine AS base\nUSER 1000\nFROM base\n")
    assert info.security.uid == 1000


def test_user_from_an_unrelated_stage_is_not_inherited() -> None:
    info = parse_dockerfile("FROM alpine AS build\nUSER 1000\nFROM alpine\n")
    assert info.security.user is None
    assert info.security.runs_as_root is True


def test_unresolvable_user_means_root_unknown() -> None:
    info = parse_dockerfile("FROM python:3\nUSER $APP_USER\n")
    assert info.security.user == "$APP_USER"
    assert info.security.runs_as_root is None


def test_empty_user_is_a_diagnostic() -> None:
    info = parse_dockerfile("FROM scratch\nUSER $NOPE\n")
    assert info.security.user is None
    assert "dockerfile.syntax" in {d.code for d in info.diagnostics}


def test_user_evidence() -> None:
    info = parse_dockerfile("FROM a\nUSER 1000\n")
    evidence = {e.field: e for e in info.evidence}
    assert evidence["security.user"].value == "1000"
    assert evidence["security.user"].rule == "dockerfile.user"
    assert evidence["security.runs_as_root"].value == "false"
    assert evidence["security.runs_as_root"].location is not None
    assert evidence["security.runs_as_root"].location.line == 2


def test_unresolved_group_still_tells_whether_the_user_is_root() -> None:
    info = parse_dockerfile("FROM python:3\nUSER app:$APP_GID\n")
    assert info.security.user == "app:$APP_GID"
    assert info.security.gid is None
    assert info.security.runs_as_root is False


def test_named_user_gets_the_uid_the_dockerfile_created():
    from dorgu.analysis.dockerfile import parse_dockerfile

    info = parse_dockerfile(
        "FROM debian:12\nRUN groupadd --gid 2000 shop && useradd --create-home --uid 10001 -g shop shop\n"
        "USER shop:shop\n",
        file="Dockerfile",
    )
    assert info.security.uid == 10001
    assert info.security.gid == 2000
    assert info.security.runs_as_root is False


def test_busybox_adduser_and_inherited_stages_are_understood():
    from dorgu.analysis.dockerfile import parse_dockerfile

    info = parse_dockerfile(
        "FROM node:20-alpine AS base\nRUN addgroup -S -g 1001 nodejs && adduser -S -u 1001 -G nodejs nextjs\n"
        "FROM base\nUSER nextjs\n",
        file="Dockerfile",
    )
    assert info.security.uid == 1001


def test_user_created_without_an_id_stays_unknown():
    from dorgu.analysis.dockerfile import parse_dockerfile

    info = parse_dockerfile("FROM debian\nRUN useradd app\nUSER app\n", file="Dockerfile")
    assert info.security.uid is None
