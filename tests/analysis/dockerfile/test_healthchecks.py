"""HEALTHCHECK: NONE, options as Go durations, exec/shell forms, HTTP probe recognition."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.dockerfile.healthchecks import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        ("2m", 120.0),
        ("100us", 0.0001),
        ("0", 0.0),
        ("-5s", -5.0),
        ("30", None),
        ("s", None),
        ("abc", None),
        ("", None),
        ("9" * 400 + "h", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    parsed = parse_duration(text)
    if seconds is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(seconds)


def test_healthcheck_options_and_exec_form() -> None:
    text = (
        "FROM a\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=5s "
        '--start-interval=2s --retries=4 CMD ["curl", "-f", "http://localhost:8080/health"]\n'
    )
    info = parse_dockerfile(text)
    check = info.healthcheck
    assert check is not None
    assert check.test == ("curl", "-f", "http://localhost:8080/health")
    assert check.interval_seconds == 90.0
    assert check.timeout_seconds == 0.5
    assert check.start_period_seconds == 5.0
    assert check.retries == 4
    assert info.healthcheck_start_interval_seconds == 2.0
    assert (check.http_path, check.http_port) == ("/health", 8080)
    assert check.location is not None
    assert check.location.line == 2


def test_unset_options_stay_none() -> None:
    info = parse_dockerfile("FROM a\nHEALTHCHECK CMD true\n")
    assert info.healthcheck is not None
    assert info.healthcheck.interval_seconds is None
    assert info.healthcheck.retries is None


def test_shell_form_healthcheck_uses_the_shell() -> None:
    text = "FROM a\nHEALTHCHECK CMD wget -q --spider http://127.0.0.1:3000/healthz || exit 1\n"
    check = parse_dockerfile(text).healthcheck
    assert check is not None
    assert check.test == (
        "/bin/sh",
        "-c",
        "wget -q --spider http://127.0.0.1:3000/healthz || exit 1",
    )
    assert (check.http_path, check.http_port) == ("/healthz", 3000)


def test_shell_form_respects_shell_instruction() -> None:
    text = (
        'FROM a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nHEALTHCHECK CMD curl -f localhost/\n'
    )
    check = parse_dockerfile(text).healthcheck
    assert check is not None
    assert check.test[:4] == ("/bin/bash", "-o", "pipefail", "-c")
    assert (check.http_path, check.http_port) == ("/", 80)


@pytest.mark.parametrize(
    ("command", "path", "port"),
    [
        ("curl -fsS http://localhost:8000/api/health?full=1", "/api/health?full=1", 8000),
        ("curl --fail https://localhost/ready", "/ready", 443),
        ("curl -f localhost:9000/live", "/live", 9000),
        ("wget -qO- http://0.0.0.0:5000/ || exit 1", "/", 5000),
        ("curl -f http://[::1]:8081/h", "/h", 8081),
        (
            "python -c \"import urllib.request; urllib.request.urlopen('http://localhost:8000/ping')\"",
            "/ping",
            8000,
        ),
        ("curl -f http://localhost:${PORT}/health", "/health", 8080),
        ("curl -f http://localhost:${MISSING:-7000}/health", "/health", 7000),
    ],
)
def test_http_probe_recognition(command: str, path: str, port: int) -> None:
    info = parse_dockerfile(f"FROM a\nENV PORT=8080\nHEALTHCHECK CMD {command}\n")
    assert info.healthcheck is not None
    assert (info.healthcheck.http_path, info.healthcheck.http_port) == (path, port)


@pytest.mark.parametrize(
    "command",
    ["pg_isready -U postgres", "curl -f http://example.com/health", "nc -z localhost 5432"],
)
def test_non_http_or_remote_checks_are_not_probes(command: str) -> None:
    check = parse_dockerfile(f"FROM a\nHEALTHCHECK CMD {command}\n").healthcheck
    assert check is not None
    assert check.http_path is None
    assert check.http_port is None


def test_unresolved_port_variable_gives_no_probe() -> None:
    check = parse_dockerfile(
        "FROM a\nHEALTHCHECK CMD curl -f http://localhost:$PORT/x\n"
    ).healthcheck
    assert check is not None
    assert check.http_port is None


def test_healthcheck_none_disables() -> None:
    info = parse_dockerfile("FROM a AS base\nHEALTHCHECK CMD true\nFROM base\nHEALTHCHECK NONE\n")
    assert info.healthcheck is not None
    assert info.healthcheck.disabled
    assert info.healthcheck.test == ()


def test_invalid_options_are_diagnostics() -> None:
    text = "FROM a\nHEALTHCHECK --interval=10 --timeout=-1s --retries=x --bogus=1 CMD true\n"
    info = parse_dockerfile(text)
    assert info.healthcheck is not None
    assert info.healthcheck.interval_seconds is None
    assert info.healthcheck.retries is None
    codes = [d.code for d in info.diagnostics]
    assert codes.count("dockerfile.invalid-duration") == 2
    assert "dockerfile.invalid-healthcheck" in codes
    assert "dockerfile.unknown-flag" in codes


def test_healthcheck_without_cmd_or_none_is_a_diagnostic() -> None:
    info = parse_dockerfile("FROM a\nHEALTHCHECK curl localhost\nHEALTHCHECK CMD\n")
    assert info.healthcheck is None
    assert "dockerfile.invalid-healthcheck" in {d.code for d in info.diagnostics}


def test_healthcheck_evidence() -> None:
    info = parse_dockerfile('FROM a\nHEALTHCHECK CMD ["curl", "-f", "http://localhost:81/"]\n')
    fields = {e.field: e for e in info.evidence}
    assert fields["healthcheck"].rule == "dockerfile.healthcheck"
    assert fields["healthcheck.http_path"].value == "/ on port 81"
