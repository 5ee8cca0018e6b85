"""Stock-image tools in generation: a load generator never gets an Ingress, a development
server is warned about, and a stock runtime running mounted code becomes a built image."""

from dorgu.models.app import AppType, Component, ComponentKind, Port
from tests.analysis.test_tooling import API, STACK, WEB, _analyze

from .builders import find, generate, settings


def test_load_generators_from_stock_images_get_no_ingress_and_dev_servers_a_warning():
    model = _analyze({"compose.yaml": STACK, **API, **WEB})
    config = settings(ingress={"enabled": True, "host": "shop.example.com"})
    result = generate(*model.components, config=config)
    ingresses = [r for r in result.resources if r.kind == "Ingress"]
    assert {r.component for r in ingresses} <= {"api", "web"}
    assert not any(r.component in ("locust", "k6") for r in ingresses)
    codes = {d.code.rsplit(".", 1)[-1] for d in result.diagnostics}
    assert {"dev-server", "frontend-dev-server"} <= codes
    image = find(result, "Deployment", "shop-api")["spec"]["template"]["spec"]["containers"][0]
    assert not image["image"].startswith("python:")  # the built image, not the stock runtime


def test_a_dev_server_warning_is_not_repeated_for_production_commands():
    api = Component(
        name="api",
        kind=ComponentKind.APP,
        type=AppType.API,
        ports=(Port(number=8000, purpose="http"),),
    )
    result = generate(api)
    assert "dev-server" not in {d.code.rsplit(".", 1)[-1] for d in result.diagnostics}
