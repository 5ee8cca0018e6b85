"""Port short and long syntax, expose, and the short-syntax round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.compose import PortMapping, format_port, parse_compose, parse_port
from dorgu.analysis.compose.coercing import InvalidValue
from dorgu.analysis.compose.ports import parse_expose
from dorgu.models.app import Protocol


def _simple(value: object) -> list[tuple[str | None, int | None, int, str]]:
    return [(m.host_ip, m.published, m.target, m.protocol.value) for m in parse_port(value)]


def test_container_port_only() -> None:
    assert _simple("8080") == [(None, None, 8080, "TCP")]
    assert _simple(8080) == [(None, None, 8080, "TCP")]


def test_published_and_target() -> None:
    assert _simple("80:8080") == [(None, 80, 8080, "TCP")]


def test_host_ip_and_protocol() -> None:
    assert _simple("127.0.0.1:80:8080/udp") == [("127.0.0.1", 80, 8080, "UDP")]


def test_host_ip_without_published_port() -> None:
    assert _simple("127.0.0.1::5000") == [("127.0.0.1", None, 5000, "TCP")]


def test_bracketed_ipv6_host() -> None:
    assert _simple("[::1]:80:8080") == [("::1", 80, 8080, "TCP")]


def test_ranges_expand_to_one_mapping_per_port() -> None:
    assert _simple("9000-9002:9000-9002") == [
        (None, 9000, 9000, "TCP"),
        (None, 9001, 9001, "TCP"),
        (None, 9002, 9002, "TCP"),
    ]
    assert [m.target for m in parse_port("3000-3001")] == [3000, 3001]


def test_host_range_for_a_single_container_port() -> None:
    (mapping,) = parse_port("8000-8010:80")
    assert (mapping.published, mapping.published_end, mapping.target) == (8000, 8010, 80)


def test_long_syntax() -> None:
    (mapping,) = parse_port(
        {
            "target": 80,
            "published": "8080",
            "host_ip": "0.0.0.0",
            "protocol": "udp",
            "name": "web",
            "app_protocol": "http",
            "mode": "host",
        }
    )
    assert mapping == PortMapping(
        target=80,
        published=8080,
        host_ip="0.0.0.0",
        protocol=Protocol.UDP,
        name="web",
        app_protocol="http",
    )


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "80:abc", "70000", "0", "80/http", "1:2:3:4", "9000-9001:80-82", "5-1", "1-65535"],
)
def test_bad_short_syntax_is_invalid(bad: str) -> None:
    with pytest.raises(InvalidValue):
        parse_port(bad)


def test_bad_long_syntax_is_invalid() -> None:
    with pytest.raises(InvalidValue):
        parse_port({"published": 80})
    with pytest.raises(InvalidValue):
        parse_port({"target": 80, "host_ip": "not-an-ip"})


def test_expose_items() -> None:
    assert [m.target for m in parse_expose(3000)] == [3000]
    assert [(m.target, m.protocol.value) for m in parse_expose("53/udp")] == [(53, "UDP")]
    assert [m.target for m in parse_expose("4000-4002")] == [4000, 4001, 4002]


def test_invalid_port_in_compose_is_a_diagnostic_and_others_survive() -> None:
    compose = """
services:
  web:
    image: app
    ports:
      - "80:8080"
      - "eighty"
      - target: 9090
        published: 9091
"""
    project = parse_compose([("compose.yml", compose)])
    assert [p.target for p in project.service("web").ports] == [8080, 9090]
    (diagnostic,) = [d for d in project.diagnostics if d.code == "compose.invalid-port"]
    assert str(diagnostic.location) == "compose.yml:7"
    assert "eighty" in diagnostic.message


def test_expose_in_compose() -> None:
    compose = "services:\n  api:\n    image: app\n    expose: ['3000', 9229]\n"
    project = parse_compose([("compose.yml", compose)])
    assert [p.target for p in project.service("api").expose] == [3000, 9229]


_port = st.integers(min_value=1, max_value=65535)
_ip = st.one_of(
    st.none(),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
_protocol = st.sampled_from(list(Protocol))


@st.composite
def _mappings(draw: st.DrawFn) -> PortMapping:
    target = draw(_port)
    published = draw(st.one_of(st.none(), _port))
    end = None
    if published is not None and published < 65535 and draw(st.booleans()):
        end = draw(st.integers(min_value=published + 1, max_value=min(65535, published + 1000)))
    return PortMapping(
        target=target,
        published=published,
        published_end=end,
        host_ip=draw(_ip),
        protocol=draw(_protocol),
    )


@settings(max_examples=200, deadline=None)
@given(_mappings())
def test_short_syntax_round_trips(mapping: PortMapping) -> None:
    assert parse_port(format_port(mapping)) == [mapping]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=60000),
    st.integers(min_value=1, max_value=60000),
    st.integers(min_value=0, max_value=20),
    _protocol,
)
def test_range_specs_expand_pairwise(
    host: int, target: int, extra: int, protocol: Protocol
) -> None:
    suffix = "" if protocol is Protocol.TCP else "/" + protocol.value.lower()
    spec = f"{host}-{host + extra}:{target}-{target + extra}{suffix}"
    parsed = parse_port(spec)
    assert [(m.published, m.target, m.protocol) for m in parsed] == [
        (host + i, target + i, protocol) for i in range(extra + 1)
    ]


def test_unquoted_port_mappings_are_read_as_strings_not_base_60() -> None:
    compose = "services:\n  git:\n    image: gitea\n    ports:\n      - 2222:22\n      - 22:22\n"
    project = parse_compose([("compose.yml", compose)])
    assert [(p.published, p.target) for p in project.service("git").ports] == [(2222, 22), (22, 22)]
    assert not project.diagnostics
