"""Whole, realistic Dockerfiles from several ecosystems."""

from __future__ import annotations

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.models.app import Protocol

from . import dockerfile_samples as samples


def test_python_multi_stage_with_heredoc_and_secret_env() -> None:
    info = parse_dockerfile(samples.PYTHON, file="services/orders/Dockerfile")
    assert info.directives == (("syntax", "docker/dockerfile:1.7"),)
    assert [s.name for s in info.stages] == ["base", "deps", "runtime"]
    assert info.base_image == "python:3.12-slim"
    assert info.workdir == "/app"
    assert [(p.number, p.protocol) for p in info.ports] == [(8000, Protocol.TCP)]
    env = {e.name: e for e in info.env}
    assert list(env) == [
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PIP_NO_CACHE_DIR",
        "PORT",
        "SECRET_KEY",
    ]
    assert env["SECRET_KEY"].secret
    assert env["SECRET_KEY"].value is None
    assert "change-me-in-prod" not in info.model_dump_json()
    assert info.security.user == "app"
    assert info.security.runs_as_root is False
    assert info.healthcheck is not None
    assert (info.healthcheck.http_path, info.healthcheck.http_port) == ("/healthz", 8000)
    assert info.healthcheck.interval_seconds == 30.0
    assert info.cmd == ("gunicorn", "-b", "0.0.0.0:8000", "orders.wsgi")
    assert dict(info.labels)["org.opencontainers.image.licenses"] == "MIT"
    assert all(
        e.location is not None and e.location.file == "services/orders/Dockerfile"
        for e in info.evidence
    )


def test_node_multi_stage() -> None:
    info = parse_dockerfile(samples.NODE)
    assert info.final_stage.name == "runner"
    assert info.base_image == "node:20-alpine"
    assert [p.number for p in info.ports] == [3000]
    assert info.env_value("HOSTNAME") == "0.0.0.0"
    assert info.security.user == "nextjs"
    assert info.healthcheck is not None
    assert info.healthcheck.http_path == "/api/health"
    assert [(c.source, c.source_stage) for c in info.copies_from] == [
        ("deps", 0),
        ("build", 1),
        ("deps", 0),
    ]
    npm = next(a for a in info.args if a.name == "NPM_TOKEN")
    assert npm.secret
    assert npm.stage == 1


def test_go_distroless_nonroot() -> None:
    info = parse_dockerfile(samples.GO, build_args={"TARGETARCH": "arm64"})
    assert info.stages[0].platform == "$BUILDPLATFORM"
    assert info.base_image == "gcr.io/distroless/static-debian12:nonroot"
    assert (info.security.uid, info.security.gid) == (65532, 65532)
    assert info.security.runs_as_root is False
    assert [p.number for p in info.ports] == [8080, 9090]
    assert info.entrypoint == ("/server",)
    assert info.cmd is None
    arch = next(a for a in info.args if a.name == "TARGETARCH")
    assert arch.value == "arm64"
    assert not any(d.code == "dockerfile.undefined-variable" for d in info.diagnostics)


def test_java_with_build_platform_and_start_interval() -> None:
    info = parse_dockerfile(samples.JAVA)
    assert info.stages[0].image == "eclipse-temurin:21-jdk"
    assert info.stages[0].platform == "$BUILDPLATFORM"
    assert info.base_image == "eclipse-temurin:21-jre"
    assert [p.number for p in info.ports] == [8081]
    assert info.env_value("JAVA_OPTS") == "-XX:MaxRAMPercentage=75"
    assert info.security.user == "spring:spring"
    assert info.security.runs_as_root is False
    check = info.healthcheck
    assert check is not None
    assert check.start_period_seconds == 40.0
    assert info.healthcheck_start_interval_seconds == 5.0
    assert (check.http_path, check.http_port) == ("/actuator/health/readiness", 8081)
    assert info.stop_signal == "SIGTERM"
    assert info.workdir == "/opt/app"


def test_windows_backtick_escape() -> None:
    info = parse_dockerfile(samples.WINDOWS)
    assert info.escape == "`"
    assert info.workdir == "C:\\app"
    assert info.stages[0].name == "build"
    assert info.shell == ("powershell", "-Command", "$ErrorActionPreference = 'Stop';")
    assert [p.number for p in info.ports] == [80]
    assert info.env_value("ASPNETCORE_URLS") == "http://+:80"
    assert info.security.runs_as_root is False
    check = info.healthcheck
    assert check is not None
    assert check.test[0] == "powershell"
    assert "Invoke-WebRequest" in check.test[-1]
    assert check.http_path == "/health"
    assert check.http_port == 80
    assert info.entrypoint == ("dotnet", "Web.dll")


def test_nginx_with_heredoc_copies() -> None:
    info = parse_dockerfile(samples.NGINX_HEREDOC)
    assert [p.number for p in info.ports] == [8080]
    assert info.stop_signal == "SIGQUIT"
    assert info.security.runs_as_root is True


def test_every_sample_reports_evidence_for_base_image() -> None:
    for text in samples.ALL:
        info = parse_dockerfile(text)
        base = [e for e in info.evidence if e.field == "base_image"]
        assert [e.value for e in base] == [info.base_image]
        assert base[0].rule == "dockerfile.from"
