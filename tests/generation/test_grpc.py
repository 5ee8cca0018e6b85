"""gRPC components: a Service port named grpc with appProtocol, native grpc probes only when the
health service is registered, no Ingress for gRPC-only apps, rpcs in the persona's API."""

from dorgu.generation.grpc_api import grpc_routes
from dorgu.generation.personas import build_persona
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    GrpcMethod,
    GrpcServer,
    GrpcService,
    HealthCheck,
    Port,
)

from .builders import container, find, generate, kinds, settings

SERVICE = GrpcService(
    name="shop.v1.Orders",
    methods=(
        GrpcMethod(name="Get", input_type="GetReq", output_type="Order"),
        GrpcMethod(name="Watch", input_type="W", output_type="E", server_streaming=True),
        GrpcMethod(name="Chat", client_streaming=True, server_streaming=True),
    ),
)


def grpc_component(*, health: bool, **extra):
    return Component(
        name="orders",
        type=AppType.API,
        language="go",
        framework="grpc",
        ports=(Port(number=50051, name="grpc", purpose="grpc", published=50051),),
        grpc=GrpcServer(services=(SERVICE,), health=health, port=50051),
        **extra,
    )


def test_service_port_is_named_grpc_with_app_protocol():
    docs = generate(grpc_component(health=True))
    [port] = find(docs, "Service")["spec"]["ports"]
    assert port["name"] == "grpc" and port["appProtocol"] == "grpc"
    assert "Ingress" not in kinds(docs)


def test_health_service_gives_native_grpc_probes_even_over_a_healthcheck():
    check = HealthCheck(test=("/bin/grpc_health_probe", "-addr=:50051"))
    found = container(find(generate(grpc_component(health=True, healthcheck=check)), "Deployment"))
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert found[kind]["grpc"] == {"port": 50051}


def test_without_health_service_probes_are_tcp_on_the_grpc_port():
    found = container(find(generate(grpc_component(health=False)), "Deployment"))
    assert found["livenessProbe"]["tcpSocket"] == {"port": "grpc"}


def test_http_and_grpc_ports_side_by_side():
    component = grpc_component(health=False).model_copy(
        update={
            "framework": "aspnetcore",
            "ports": (Port(number=8080, purpose="http"), Port(number=50051, purpose="grpc")),
        }
    )
    ports = {p["name"]: p for p in find(generate(component), "Service")["spec"]["ports"]}
    assert set(ports) == {"http", "grpc"}
    assert "appProtocol" not in ports["http"] and ports["grpc"]["appProtocol"] == "grpc"


def test_rpcs_become_api_operations_with_their_streaming_kind():
    routes = {r.path: r.summary for r in grpc_routes(grpc_component(health=True))}
    assert routes == {
        "/shop.v1.Orders/Get": "unary: GetReq -> Order",
        "/shop.v1.Orders/Watch": "server streaming: W -> E",
        "/shop.v1.Orders/Chat": "bidirectional streaming: ? -> ?",
    }
    component = grpc_component(health=True)
    model = AppModel(name="shop", root=".", components=[component])
    persona = build_persona(model, component, settings=settings())
    assert persona.spec.api is not None
    assert [r.method for r in persona.spec.api.routes] == ["GRPC"] * 3
