"""EXPOSE: protocols, ranges, variables and invalid specs."""

from __future__ import annotations

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.dockerfile.ports import MAX_RANGE
from dorgu.models.app import Protocol


def ports_of(text: str, **kwargs: object) -> list[tuple[int, Protocol]]:
    info = parse_dockerfile(text, **kwargs)  # type: ignore[arg-type]
    return [(p.number, p.protocol) for p in info.ports]


def test_expose_with_protocols() -> None:
    assert ports_of("FROM a\nEXPOSE 80 53/udp 443/TCP 9/sctp\n") == [
        (80, Protocol.TCP),
        (53, Protocol.UDP),
        (443, Protocol.TCP),
        (9, Protocol.SCTP),
    ]


def test_expose_ranges_expand() -> None:
    assert [n for n, _ in ports_of("FROM a\nEXPOSE 8000-8002/udp\n")] == [8000, 8001, 8002]


def test_huge_range_is_capped_with_a_diagnostic() -> None:
    info = parse_dockerfile("FROM a\nEXPOSE 30000-40000\n")
    assert len(info.ports) == MAX_RANGE
    assert "dockerfile.expose-range-capped" in {d.code for d in info.diagnostics}


def test_duplicate_ports_are_kept_once_at_first_location() -> None:
    info = parse_dockerfile("FROM a\nEXPOSE 80\nEXPOSE 80/tcp 80/udp\n")
    assert [(p.number, p.protocol) for p in info.ports] == [(80, Protocol.TCP), (80, Protocol.UDP)]
    assert info.ports[0].location is not None
    assert info.ports[0].location.line == 2


def test_expose_resolves_variables_from_arg_and_env() -> None:
    text = "FROM a\nARG ADMIN_PORT=9090\nENV PORT=8080\nEXPOSE $PORT ${ADMIN_PORT}/tcp\n"
    assert [n for n, _ in ports_of(text)] == [8080, 9090]


def test_expose_variable_holding_several_ports() -> None:
    assert [n for n, _ in ports_of('FROM a\nENV PORTS="80 443"\nEXPOSE $PORTS\n')] == [80, 443]


def test_ports_carry_file_and_line() -> None:
    info = parse_dockerfile("FROM a\n\nEXPOSE 80\n", file="svc/Dockerfile")
    location = info.ports[0].location
    assert location is not None
    assert (location.file, location.line) == ("svc/Dockerfile", 3)


def test_invalid_ports_are_diagnostics_not_errors() -> None:
    info = parse_dockerfile("FROM a\nEXPOSE 0 70000 abc 80/http 8080:80 90-80 443\n")
    assert [p.number for p in info.ports] == [443]
    invalid = [d for d in info.diagnostics if d.code == "dockerfile.invalid-port"]
    assert len(invalid) == 6
    assert all(d.location is not None and d.location.line == 2 for d in invalid)


def test_unresolvable_port_variable_is_reported() -> None:
    info = parse_dockerfile("FROM python:3\nEXPOSE $PORT\n")
    assert info.ports == ()
    assert "dockerfile.unresolved-port" in {d.code for d in info.diagnostics}


def test_undefined_port_variable_on_scratch_expands_to_nothing() -> None:
    info = parse_dockerfile("FROM scratch\nEXPOSE $PORT\n")
    assert info.ports == ()
    assert "dockerfile.invalid-port" in {d.code for d in info.diagnostics}


def test_expose_evidence_has_rule_and_location() -> None:
    info = parse_dockerfile("FROM a\nARG P=81\nEXPOSE 80 $P\n")
    evidence = [e for e in info.evidence if e.field == "ports"]
    assert [e.value for e in evidence] == ["80/tcp", "81/tcp"]
    assert all(e.rule == "dockerfile.expose" for e in evidence)
    assert evidence[0].confidence > evidence[1].confidence
    assert evidence[0].location is not None
    assert evidence[0].location.line == 3
