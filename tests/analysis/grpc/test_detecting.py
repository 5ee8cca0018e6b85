"""gRPC server detection in every ecosystem, health service, ports, and folding into a
component."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.grpc.applying import CONVENTIONAL_PORT, apply_grpc
from dorgu.analysis.grpc.detecting import detect_grpc
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppType, Component, Port, Route

PROTO = """syntax = "proto3";
package shop.v1;
service Greeter { rpc SayHello (Req) returns (Rep); rpc Feed (Req) returns (stream Rep); }
"""


def tree(files):
    return SourceTree(paths=tuple(sorted(files)), texts=dict(files))


CASES = {
    "python": (
        "svc/server.py",
        "import grpc\nfrom grpc_health.v1 import health_pb2_grpc\n"
        "server = grpc.server(pool)\n"
        "greeter_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)\n"
        "health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)\n"
        "server.add_insecure_port('[::]:50051')\n",
        True,
        50051,
    ),
    "go": (
        "svc/main.go",
        'lis, _ := net.Listen("tcp", ":9000")\ns := grpc.NewServer()\n'
        "pb.RegisterGreeterServer(s, &server{})\n"
        "gw.RegisterGreeterHandlerServer(ctx, mux, &server{})\n",
        False,
        9000,
    ),
    "java": (
        "svc/src/main/java/App.java",
        "Server s = ServerBuilder.forPort(8980).addService(new GreeterImpl())"
        ".addService(health.getHealthService()).build();\n"
        "HealthStatusManager health = new HealthStatusManager();\n"
        "class GreeterImpl extends GreeterGrpc.GreeterImplBase {}\n",
        True,
        8980,
    ),
    "kotlin": (
        "svc/src/main/kotlin/App.kt",
        "@GrpcService\nclass GreeterService : GreeterGrpcKt.GreeterCoroutineImplBase() {}\n",
        False,
        9090,
    ),
    "dotnet": (
        "svc/Services/GreeterService.cs",
        "public class GreeterService : Greeter.GreeterBase {}\n"
        "app.MapGrpcService<GreeterService>();\napp.MapGrpcHealthChecksService();\n",
        True,
        None,
    ),
    "rust": (
        "svc/src/main.rs",
        'let addr = "[::1]:50051".parse()?;\n'
        "let (_reporter, health) = tonic_health::server::health_reporter();\n"
        "Server::builder().add_service(health).add_service(GreeterServer::new(g))"
        ".serve(addr).await?;\n",
        True,
        50051,
    ),
    "node": (
        "svc/server.js",
        "const server = new grpc.Server();\n"
        "server.addService(proto.shop.v1.Greeter.service, { sayHello });\n"
        "server.bindAsync('0.0.0.0:50051', creds, () => server.start());\n",
        False,
        50051,
    ),
    "ruby": (
        "svc/server.rb",
        "class GreeterServer < Shop::V1::Greeter::Service\nend\n"
        "s = GRPC::RpcServer.new\ns.add_http2_port('0.0.0.0:50051', :this_port_is_insecure)\n"
        "s.handle(GreeterServer)\n",
        False,
        50051,
    ),
    "php": (
        "svc/worker.php",
        "$server = new Server();\n$server->registerService(GreeterInterface::class, new G());\n",
        False,
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_servers_services_health_and_ports_in_every_ecosystem(case):
    path, code, health, port = CASES[case]
    found = detect_grpc(tree({path: code, "protos/greeter.proto": PROTO}), "svc")
    assert found.server is not None
    [service] = found.server.services
    assert service.name == "shop.v1.Greeter"  # resolved through the shared protos/ folder
    assert [m.name for m in service.methods] == ["SayHello", "Feed"]
    assert found.server.health is health
    assert found.server.port == port
    assert all(e.location is not None for e in found.evidence)
    if case == "go":
        assert "grpc.dependency" not in {e.field for e in found.evidence}  # no go.mod given


def test_the_manifest_dependency_is_supporting_evidence():
    files = {
        "svc/main.go": CASES["go"][1],
        "svc/go.mod": "module x\n\nrequire google.golang.org/grpc v1.64.0\n",
    }
    found = detect_grpc(tree(files), "svc")
    [dependency] = [e for e in found.evidence if e.field == "grpc.dependency"]
    assert dependency.location is not None and dependency.location.line == 3


def test_nestjs_grpc_microservices():
    code = (
        "app.connectMicroservice({ transport: Transport.GRPC, options: { package: 'shop.v1',\n"
        "  protoPath: join(__dirname, 'greeter.proto'), url: '0.0.0.0:5000' } });\n"
        "@Controller()\nexport class G {\n  @GrpcMethod('Greeter', 'SayHello')\n  say() {}\n}\n"
    )
    found = detect_grpc(tree({"svc/src/main.ts": code, "svc/src/greeter.proto": PROTO}), "svc")
    assert found.server is not None and found.server.port == 5000
    assert [s.name for s in found.server.services] == ["shop.v1.Greeter"]


def test_protos_and_client_code_alone_are_not_a_server():
    code = "channel = grpc.insecure_channel('pricing:50052')\nstub = GreeterStub(channel)\n"
    found = detect_grpc(tree({"svc/client.py": code, "svc/greeter.proto": PROTO}), "svc")
    assert found.server is None


def test_comments_do_not_count():
    code = "# server = grpc.server(pool)\n# add_GreeterServicer_to_server(x, server)\n"
    assert detect_grpc(tree({"svc/app.py": code}), "svc").server is None


def test_a_registered_service_without_a_proto_is_listed_without_methods():
    code = "s := grpc.NewServer()\npb.RegisterLedgerServer(s, &srv{})\n"
    found = detect_grpc(tree({"main.go": code}), ".")
    assert found.server is not None
    [service] = found.server.services
    assert service.name == "Ledger" and not service.methods


def test_malformed_and_unreadable_protos_are_diagnosed():
    files = {"svc/main.go": "s := grpc.NewServer()\n", "svc/bad.proto": "service {"}
    found = detect_grpc(SourceTree(paths=("svc/big.proto", *sorted(files)), texts=files), "svc")
    codes = {d.code for d in found.diagnostics}
    assert codes == {"grpc.proto.malformed", "grpc.proto.unreadable"}


def test_apply_names_the_code_port_grpc_and_makes_an_api():
    found = detect_grpc(tree({"main.go": CASES["go"][1]}), ".")
    component, evidence, _ = apply_grpc(Component(name="svc", type=AppType.WORKER), found)
    assert component.framework == "grpc" and component.type is AppType.API
    assert [(p.number, p.name) for p in component.ports] == [(9000, "grpc")]
    assert {e.field for e in evidence} >= {"components.svc.grpc", "components.svc.framework"}


def test_apply_keeps_an_http_framework_and_its_port_when_it_serves_routes():
    found = detect_grpc(tree({"svc/x.cs": CASES["dotnet"][1]}), "svc")
    web = Component(
        name="api",
        framework="aspnetcore",
        ports=(Port(number=8080, purpose="http"),),
        routes=(Route(method="GET", path="/orders"),),
    )
    component, _, _ = apply_grpc(web, found)
    assert component.framework == "aspnetcore"
    assert component.grpc is not None and component.grpc.port is None
    assert component.ports[0].purpose == "http"


def test_apply_makes_the_only_port_grpc_when_the_http_framework_serves_nothing_else():
    found = detect_grpc(tree({"svc/x.cs": CASES["dotnet"][1]}), "svc")
    web = Component(name="api", framework="aspnetcore", ports=(Port(number=8080, purpose="http"),))
    component, _, _ = apply_grpc(web, found)
    assert component.framework == "aspnetcore"
    assert component.grpc is not None and component.grpc.port == 8080
    assert [(p.number, p.name, p.purpose) for p in component.ports] == [(8080, "grpc", "grpc")]


def test_apply_without_any_port_assumes_the_conventional_one_and_warns():
    found = detect_grpc(tree({"svc/worker.php": CASES["php"][1]}), "svc")
    component, _, diagnostics = apply_grpc(Component(name="svc"), found)
    assert component.ports[0].number == CONVENTIONAL_PORT
    assert [d.code for d in diagnostics] == ["grpc.port-unknown"]


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["svc/a.py", "svc/b.go", "svc/C.java", "svc/d.rs", "svc/e.ts", "x.proto"]),
        st.lists(
            st.sampled_from(
                [
                    "grpc.server(",
                    "add_",
                    "Servicer_to_server(",
                    "grpc.NewServer(",
                    "Register",
                    "Server(s",
                    "forPort(",
                    "Grpc.",
                    "ImplBase",
                    "Server::builder()",
                    ".add_service(",
                    "new grpc.Server(",
                    ".addService(",
                    ".service,",
                    "Health",
                    "service S {",
                    "rpc M (",
                    "stream",
                    ") returns (",
                    "}",
                    ";",
                    '":50051"',
                    "net.Listen(",
                    "bindAsync('",
                    "\x00",
                    "\n",
                ]
            )
            | st.text(max_size=8),
            max_size=60,
        ).map("".join),
        max_size=6,
    )
)
def test_detection_never_crashes_on_hostile_trees(files):
    found = detect_grpc(tree(files), "svc")
    if found.server is not None:
        component, _, _ = apply_grpc(Component(name="svc"), found)
        assert component.grpc is not None and component.ports
