"""The bounded .proto parser: services, rpcs, streaming, and hostile inputs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.grpc.protos import MAX_METHODS, MAX_PROTO_CHARS, parse_proto

GREETER = """
syntax = "proto3";
// service Commented { rpc Nope(A) returns (B); }
package hello.v1;
import "google/protobuf/empty.proto";
import public "other.proto";

message HelloRequest { string name = 1; message Inner { int32 x = 1; } }

service Greeter {
  option (custom) = { a: "}" };
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc Chat (stream HelloRequest) returns (stream HelloReply) {
    option deprecated = true;
  }
  /* rpc Hidden (A) returns (B); */
  rpc Tail (.hello.v1.HelloRequest) returns (stream HelloReply);
  rpc Upload(stream Chunk) returns (google.protobuf.Empty);
}
"""


def test_services_methods_and_streaming_are_read():
    proto = parse_proto(GREETER, path="protos/hello.proto")
    assert proto.package == "hello.v1"
    assert proto.imports == ["google/protobuf/empty.proto", "other.proto"]
    [service] = proto.services
    assert service.name == "hello.v1.Greeter"
    assert service.location is not None and service.location.line == 10
    kinds = {m.name: (m.client_streaming, m.server_streaming) for m in service.methods}
    assert kinds == {
        "SayHello": (False, False),
        "Chat": (True, True),
        "Tail": (False, True),
        "Upload": (True, False),
    }
    tail = next(m for m in service.methods if m.name == "Tail")
    assert tail.input_type == "hello.v1.HelloRequest"
    assert not proto.diagnostics


def test_a_message_named_stream_is_not_streaming():
    proto = parse_proto("service S { rpc M (stream) returns (R); }", path="a.proto")
    [method] = proto.services[0].methods
    assert method.input_type == "stream" and not method.client_streaming


def test_malformed_rpcs_are_reported_and_the_rest_is_kept():
    text = "package p;\nservice S {\n  rpc Broken (A returns B;\n  rpc Good (A) returns (B);\n}\n"
    proto = parse_proto(text, path="bad.proto")
    assert [m.name for m in proto.services[0].methods] == ["Good"]
    [problem] = proto.diagnostics
    assert problem.code == "grpc.proto.malformed" and problem.location.line == 3


def test_an_unclosed_service_is_reported_not_hung():
    proto = parse_proto("service S {\n rpc A (X) returns (Y);\n", path="open.proto")
    assert proto.services[0].methods[0].name == "A"
    assert any("not closed" in d.message for d in proto.diagnostics)


def test_stray_braces_and_a_nameless_service_give_diagnostics():
    proto = parse_proto("}\nservice {\n}\n", path="junk.proto")
    assert not proto.services
    assert {d.code for d in proto.diagnostics} == {"grpc.proto.malformed"}


def test_binary_protos_are_skipped_with_a_diagnostic():
    proto = parse_proto("service S {\x00\x01}", path="bin.proto")
    assert not proto.services
    assert proto.diagnostics[0].code == "grpc.proto.binary"


def test_huge_protos_are_truncated_and_capped():
    rpcs = "".join(f"rpc M{i} (A) returns (B);\n" for i in range(MAX_METHODS + 50))
    text = "service Big {\n" + rpcs + "}\n" + "// padding\n" * (MAX_PROTO_CHARS // 10)
    proto = parse_proto(text, path="big.proto")
    assert len(proto.services[0].methods) == MAX_METHODS
    assert proto.diagnostics[0].code == "grpc.proto.truncated"


def test_import_cycles_are_recorded_never_followed():
    a = parse_proto('import "b.proto";\nservice A { rpc X (M) returns (M); }', path="a.proto")
    b = parse_proto('import "a.proto";\nservice B { rpc Y (M) returns (M); }', path="b.proto")
    assert a.imports == ["b.proto"] and b.imports == ["a.proto"]
    assert [s.name for s in a.services + b.services] == ["A", "B"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet='service rpc returns stream {}();"/*\n package import A.b', max_size=400))
def test_the_parser_never_crashes_on_junk(text):
    proto = parse_proto(text, path="junk.proto")
    assert len(proto.services) <= 100
