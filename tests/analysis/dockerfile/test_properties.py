"""Hypothesis properties: the parser never crashes, and it reads back what was generated."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.errors import DorguError
from dorgu.models.app import Protocol

from . import dockerfile_samples as samples

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FRAGMENTS = st.sampled_from(
    [
        "FROM ",
        "\nFROM alpine AS b\n",
        "\n",
        " ",
        "\\\n",
        "`",
        "# escape=`\n",
        "# syntax=x\n",
        "#",
        "<<EOF",
        "<<-EOF",
        "<<'EOF'",
        "\nEOF\n",
        "\tEOF\n",
        "$",
        "${",
        "}",
        ":-",
        ":+",
        "#",
        "%",
        "/",
        "'",
        '"',
        "[",
        "]",
        '["a", "b"]',
        "[1]",
        "=",
        "--from=",
        "--platform=",
        "--interval=",
        "ENV ",
        "ARG ",
        "EXPOSE ",
        "USER ",
        "WORKDIR ",
        "VOLUME ",
        "LABEL ",
        "SHELL ",
        "CMD ",
        "ENTRYPOINT ",
        "HEALTHCHECK ",
        "HEALTHCHECK NONE",
        "STOPSIGNAL ",
        "ONBUILD ",
        "COPY ",
        "RUN ",
        "MAINTAINER ",
        "80",
        "8000-8002/udp",
        "70000",
        "A",
        "PORT",
        "TOKEN",
        "root",
        "0:0",
        "30s",
        "1m30s",
        "curl -f http://localhost:8080/h",
        "é",
        "\r",
        "\ufeff",
    ]
)

_TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(_FRAGMENTS, max_size=60).map("".join),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5)), max_size=40).map("".join),
)


@FAST
@given(text=_TEXT, target=st.one_of(st.none(), st.sampled_from(["0", "b", "x"])))
def test_arbitrary_text_only_raises_dorgu_errors(text: str, target: str | None) -> None:
    try:
        info = parse_dockerfile(text, target=target, build_args={"A": "1", "TOKEN": "t0k3n"})
    except DorguError:
        return
    info.model_dump_json()
    assert info.final_stage in info.stages
    assert "t0k3n" not in info.model_dump_json()


@st.composite
def _mutated_sample(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(samples.ALL))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if not text:
            break
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 40)))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + draw(_FRAGMENTS) + text[start:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@FAST
@given(text=_mutated_sample())
def test_mutated_real_dockerfiles_only_raise_dorgu_errors(text: str) -> None:
    try:
        info = parse_dockerfile(text)
    except DorguError:
        return
    dumped = info.model_dump_json()
    # The sample sets SECRET_KEY=change-me-in-prod.  While a secret-looking name still owns the
    # value it must never be stored; a mutation that renames it to an innocent name (EY=...)
    # makes it an ordinary value, so only the assignment that survives intact is checked.
    if re.search(r"SECRET_KEY\s*=\s*change-me-in-prod", text):
        assert "change-me-in-prod" not in dumped


_NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,11}", fullmatch=True).filter(
    lambda n: (
        not any(word in n for word in ("KEY", "PASS", "SECRET", "TOKEN", "AUTH", "DSN"))
        and n not in {"SALT", "COOKIE"}
    )
)
_VALUES = st.from_regex(r"[a-z0-9./:-]{0,16}", fullmatch=True)
_PROTOCOLS = st.sampled_from(["", "/tcp", "/udp", "/sctp"])
_USERS = st.one_of(
    st.sampled_from(["root", "0", "app", "node", "nobody"]),
    st.integers(0, 70000).map(str),
    st.tuples(st.integers(0, 70000), st.integers(0, 70000)).map(lambda t: f"{t[0]}:{t[1]}"),
)


@dataclass(frozen=True)
class _Generated:
    """One generated instruction and what the parser should read back from it."""

    keyword: str
    arguments: str
    port: tuple[int, Protocol] | None = None
    env: tuple[str, str] | None = None
    user: str | None = None


def _expose(number: int, proto: str) -> _Generated:
    protocol = Protocol(proto[1:].upper()) if proto else Protocol.TCP
    return _Generated("EXPOSE", f"{number}{proto}", port=(number, protocol))


def _env(name: str, value: str, quoted: bool) -> _Generated:
    written = f'"{value}"' if quoted else value
    return _Generated("ENV", f"{name}={written}", env=(name, value))


_INSTRUCTION = st.one_of(
    st.builds(_expose, st.integers(1, 65535), _PROTOCOLS),
    st.builds(_env, _NAMES, _VALUES, st.booleans()),
    _USERS.map(lambda user: _Generated("USER", user, user=user)),
)


@FAST
@given(instructions=st.lists(_INSTRUCTION, max_size=25), lower_case=st.booleans())
def test_generated_instructions_are_read_back(
    instructions: list[_Generated], lower_case: bool
) -> None:
    lines = ["FROM alpine:3.20"]
    ports: dict[tuple[int, Protocol], None] = {}
    env: dict[str, str] = {}
    user: str | None = None
    for generated in instructions:
        keyword = generated.keyword.lower() if lower_case else generated.keyword
        lines.append(f"{keyword} {generated.arguments}")
        if generated.port is not None:
            ports.setdefault(generated.port, None)
        if generated.env is not None:
            env[generated.env[0]] = generated.env[1]
        if generated.user is not None:
            user = generated.user
    info = parse_dockerfile("\n".join(lines) + "\n")
    assert [(p.number, p.protocol) for p in info.ports] == list(ports)
    secret_names = {e.name for e in info.env if e.secret}
    assert [e.name for e in info.env] == list(env)
    assert {e.name: e.value for e in info.env if not e.secret} == {
        k: v for k, v in env.items() if k not in secret_names
    }
    assert info.security.user == user
    if user is not None:
        name = user.split(":")[0]
        assert info.security.runs_as_root is (name in {"root", "0"} or name.strip("0") == "")
