"""What every bundled example must yield: these apps are the demo, so their analysis must be
complete (language, framework, port, a health signal, routes) with no error diagnostics."""

from pathlib import Path

import pytest

from dorgu.models.app import AppType, ComponentKind, DependencyType
from dorgu.models.evidence import Severity
from dorgu.services.analyzing import analyze_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_apps_are_fully_understood(example):
    model = analyze_path(example, environment={})
    errors = [str(d) for d in model.diagnostics if d.severity is Severity.ERROR]
    assert not errors
    apps = [c for c in model.components if c.kind is ComponentKind.APP]
    assert apps
    buildpacks = (example / "Procfile").is_file()  # built by buildpacks (Heroku), no Dockerfile
    for app in apps:
        # A small Dockerfile on a stock server (FROM mysql, FROM nginx) adds no code.
        on_stock_image = app.language is None and app.base_image is not None
        assert app.language or on_stock_image, app.name
        assert app.framework or app.type is not None, app.name
        if app.type in (AppType.API, AppType.WEB):  # serving: workers and Jobs need neither
            assert app.ports, f"{app.name}: no port"
            # a gRPC server without the health service is probed on its gRPC port (tcpSocket)
            health = app.endpoints or app.healthcheck or app.grpc is not None
            assert health, f"{app.name}: no health signal"
        from_build_file = any(
            e.field == f"components.{app.name}.path" and e.rule == "discovery.build-file"
            for e in model.evidence
        )  # a service with a runnable build file and no Dockerfile (monorepo discovery)
        built_by_plugin = any(
            e.field == f"components.{app.name}.kind" and e.rule == "build.plugin-image"
            for e in model.evidence
        )
        mounted_on_stock_runtime = any(
            e.field == f"components.{app.name}.kind" and e.rule.startswith("compose.bind-source")
            for e in model.evidence
        )  # a dev stack: stock node/python image running bind-mounted code, nothing built
        if not (buildpacks or from_build_file or built_by_plugin or mounted_on_stock_runtime):
            assert app.build is not None and app.build.dockerfile, f"{app.name}: no Dockerfile"


def test_compose_shop_wires_services_and_typed_backing_dependencies():
    model = analyze_path(ROOT / "examples" / "compose-shop", environment={})
    kinds = {c.name: c.kind for c in model.components}
    assert kinds["postgres"] is ComponentKind.BACKING
    assert kinds["redis"] is ComponentKind.BACKING
    api = model.component("api")
    types = {d.name: d.type for d in api.dependencies}
    assert types["postgres"] is DependencyType.DATABASE
    assert types["redis"] is DependencyType.CACHE
    assert all(v.value is None for v in api.env if v.secret)
    assert any(v.secret for v in api.env)


def test_monorepo_yields_one_component_per_app():
    model = analyze_path(ROOT / "examples" / "monorepo", environment={})
    assert len(model.components) >= 3
    assert len({c.language for c in model.components}) >= 3
