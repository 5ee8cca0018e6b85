"""Frontends in generation: a static server gets the minimal profile (no Node runtime), a dev
server gets a warning, load generators never get an Ingress."""

from dorgu.generation import GenerationOptions
from dorgu.models.app import AppType, Component, Frontend, FrontendMode, Port

from .builders import container, find, generate, kinds, settings


def web(mode: FrontendMode) -> Component:
    return Component(
        name="web",
        type=AppType.WEB,
        language="typescript",
        framework="react",
        ports=(Port(number=80, published=8080),),
        frontend=Frontend(framework="react", bundler="vite", mode=mode, server="nginx"),
    )


def test_static_frontends_get_minimal_resources_not_node_sized_ones():
    static = container(find(generate(web(FrontendMode.STATIC)), "Deployment"))
    ssr = container(find(generate(web(FrontendMode.SSR)), "Deployment"))
    assert static["resources"]["requests"]["memory"] == "64Mi"
    assert ssr["resources"]["requests"]["memory"] == "256Mi"


def test_dev_servers_are_warned_about():
    result = generate(web(FrontendMode.DEV))
    assert "frontend-dev-server" in {d.code.rsplit(".", 1)[-1] for d in result.diagnostics}
    assert not any("dev-server" in d.code for d in generate(web(FrontendMode.STATIC)).diagnostics)


def test_a_load_generator_with_a_published_ui_gets_no_ingress():
    loadgen = Component(
        name="loadgen",
        type=AppType.WORKER,
        language="python",
        framework="locust",
        ports=(Port(number=8089, purpose="http", published=8089),),
    )
    config = settings(ingress={"enabled": True, "host": "shop.example.com"})
    result = generate(web(FrontendMode.STATIC), loadgen, config=config,
                      options=GenerationOptions())  # fmt: skip
    ingress = find(result, "Ingress")
    backends = {
        p["backend"]["service"]["name"]
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    }
    assert backends == {"web"}
    assert kinds(result).count("Ingress") == 1


def test_persona_docs_say_how_the_component_serves():
    from dorgu.generation.serving import describe_serving
    from dorgu.models.app import GrpcServer, GrpcService

    assert describe_serving(Component(name="x")) is None
    static = describe_serving(web(FrontendMode.STATIC))
    assert static == "Its react frontend is built by vite and served as static files by nginx."
    many = GrpcServer(services=tuple(GrpcService(name=f"s.S{i}") for i in range(7)), port=9000)
    text = describe_serving(Component(name="x", grpc=many))
    assert text is not None and "and 2 more" in text and "only check the port" in text
