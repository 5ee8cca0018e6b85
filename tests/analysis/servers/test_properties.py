"""Hypothesis properties: every server parser survives junk built from its own syntax, and
whatever it returns is well-formed (ports in range, locations in the file it read)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorgu.analysis.servers import parse_server_config

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SERVERS = ("nginx", "apache", "caddy", "haproxy", "envoy", "traefik")
_FRAGMENTS = st.sampled_from(
    [
        "server",
        "listen",
        " 80",
        ":8080",
        "[::]:",
        "${PORT}",
        "{$X:1}",
        "$host",
        "{",
        "}",
        ";",
        "\n",
        " ",
        "#",
        '"',
        "'",
        "\\",
        "location /api/",
        "proxy_pass http://a:1/",
        "upstream u",
        "include *.conf",
        "Listen",
        "<VirtualHost *:80>",
        "</VirtualHost>",
        "ProxyPass / balancer://c/",
        "<Proxy balancer://c>",
        "BalancerMember http://b:2",
        "reverse_proxy",
        "import x",
        "(snip)",
        "frontend f",
        "backend b",
        "bind *:",
        "server s ",
        "acl a path_beg /x",
        "use_backend b if a",
        "listeners:",
        "- address:",
        "port_value: ",
        "socket_address: {address: h, port_value: 99999}",
        "entryPoints:",
        "ping: {}",
        "&a [*a]",
        "\x00",
        "99999",
        "0",
        "-1",
        "unix:/tmp/s",
        "return 200",
        "=",
        "~",
    ]
)


@FAST
@given(server=st.sampled_from(SERVERS), parts=st.lists(_FRAGMENTS, max_size=60))
def test_parsers_never_crash_and_return_sane_values(server, parts):
    config = parse_server_config(server, "".join(parts), file="conf")
    for listen in config.listens:
        assert 0 < listen.port < 65536
    for upstream in config.upstreams:
        assert upstream.port is None or 0 < upstream.port < 65536
        assert upstream.host
    for item in [*config.listens, *config.upstreams, *config.roots, *config.health]:
        assert item.location.file in ("conf", "compose")


@FAST
@given(text=st.text(max_size=400), server=st.sampled_from(SERVERS))
def test_parsers_survive_arbitrary_text(text, server):
    parse_server_config(server, text, file="conf")
