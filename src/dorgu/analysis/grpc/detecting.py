"""Whether a component serves gRPC, which services (with their rpcs from .proto files), whether
the standard health service is registered, and on which port.

A component serves gRPC when its code creates a gRPC server or registers a service (protos and
dependencies alone are not enough: clients have them too).  Registered service names are looked
up in the component's own .proto files first, then in the rest of the repository (shared
``protos/`` folders); services registered but never declared are listed without methods.

Must not: open files or raise.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.analysis.grpc.protos import ProtoFile, parse_proto
from dorgu.analysis.grpc.servers import HEALTH_NAMES, ServerCode, scan_server_code
from dorgu.analysis.languages.scanning import is_skipped, is_test
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import GrpcServer, GrpcService
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

MAX_PROTO_FILES = 200
# (manifest file name, the gRPC server package as it appears there)
_DEPENDENCIES = (
    ("requirements.txt", "grpcio"),
    ("pyproject.toml", "grpcio"),
    ("Pipfile", "grpcio"),
    ("go.mod", "google.golang.org/grpc"),
    ("pom.xml", "io.grpc"),
    ("pom.xml", "grpc-spring-boot-starter"),
    ("build.gradle", "io.grpc"),
    ("build.gradle.kts", "io.grpc"),
    ("Cargo.toml", "tonic"),
    ("package.json", "@grpc/grpc-js"),
    ("package.json", "@nestjs/microservices"),
    ("Gemfile", "grpc"),
    ("composer.json", "spiral/roadrunner-grpc"),
    ("composer.json", "grpc/grpc"),
)
MAX_SOURCE_FILES = 5000
SPRING_GRPC_PORT = 9090
_CODE_SUFFIXES = (
    ".py", ".go", ".java", ".kt", ".scala", ".cs", ".rs", ".js", ".mjs", ".cjs", ".ts", ".mts",
    ".rb", ".php",
)  # fmt: skip


@dataclass(frozen=True)
class GrpcFindings:
    """``server`` is None when the component does not serve gRPC.  Evidence fields are relative
    to the component (``grpc``, ``grpc.services``, ``grpc.health``, ``grpc.port``)."""

    server: GrpcServer | None = None
    evidence: tuple[Evidence, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def is_proto(path: str) -> bool:
    return path.endswith(".proto")


def _prefix(directory: str) -> str:
    return "" if directory in (".", "") else directory.rstrip("/") + "/"


def _code(tree: SourceTree, prefix: str) -> list[tuple[str, str]]:
    out = []
    for path in tree.under(prefix):
        if not path.endswith(_CODE_SUFFIXES) or is_skipped(path) or is_test(path):
            continue
        text = tree.texts.get(path)
        if text is not None:
            out.append((path, text))
            if len(out) >= MAX_SOURCE_FILES:
                break
    return out


def _protos(
    tree: SourceTree, prefix: str, diagnostics: list[Diagnostic]
) -> tuple[list[ProtoFile], list[ProtoFile]]:
    """Parsed protos inside the component's directory, and elsewhere in the repository."""
    own: list[ProtoFile] = []
    other: list[ProtoFile] = []
    paths = [p for p in tree.paths if is_proto(p) and not is_skipped(p)]
    paths.sort(key=lambda p: (not p.startswith(prefix), p))
    for path in paths[:MAX_PROTO_FILES]:
        text = tree.texts.get(path)
        if text is None:
            if path.startswith(prefix):
                diagnostics.append(
                    Diagnostic(
                        code="grpc.proto.unreadable",
                        severity=Severity.INFO,
                        message="this .proto file is too big, binary or not UTF-8; skipped",
                        location=Location(file=path),
                    )
                )
            continue
        parsed = parse_proto(text, path=path)
        (own if path.startswith(prefix) else other).append(parsed)
        if path.startswith(prefix):
            diagnostics.extend(parsed.diagnostics)
    return own, other


def _dependency(tree: SourceTree, prefix: str) -> Evidence | None:
    """Where the component's manifest names a gRPC package (supporting evidence)."""
    for path in tree.under(prefix):
        base = path.rsplit("/", 1)[-1]
        wanted = [package for name, package in _DEPENDENCIES if name == base]
        if base.endswith(".csproj"):
            wanted = ["Grpc.AspNetCore"]
        text = tree.texts.get(path) if wanted and not is_skipped(path) else None
        for package in wanted if text is not None else ():
            offset = text.find(package) if text is not None else -1
            if offset >= 0 and text is not None:
                where = Location(file=path, line=text.count("\n", 0, offset) + 1)
                return Evidence(
                    field="grpc.dependency",
                    value=package,
                    rule="grpc.manifest",
                    location=where,
                    confidence=0.8,
                )
    return None


def _lookup(short: str, files: list[ProtoFile]) -> GrpcService | None:
    for proto in files:
        for service in proto.services:
            if service.name.rsplit(".", 1)[-1] == short:
                return service
    return None


def _services(
    code: ServerCode, own: list[ProtoFile], other: list[ProtoFile], evidence: list[Evidence]
) -> tuple[GrpcService, ...]:
    services: dict[str, GrpcService] = {}
    for short, (rule, where) in code.services.items():
        found = _lookup(short, own) or _lookup(short, other)
        service = found or GrpcService(name=short, location=where)
        services.setdefault(service.name, service)
        detail = f"registered at {where}" + ("" if found else "; no .proto declares it")
        evidence.append(
            Evidence(
                field="grpc.services",
                value=service.name,
                rule=f"grpc.{rule.removeprefix('grpc.')}",
                location=service.location or where,
                confidence=0.9 if found else 0.7,
                detail=detail,
            )
        )
    if not services:
        for proto in own:
            for service in proto.services:
                if service.name.rsplit(".", 1)[-1] not in HEALTH_NAMES:
                    services.setdefault(service.name, service)
                    evidence.append(
                        Evidence(
                            field="grpc.services",
                            value=service.name,
                            rule="grpc.proto.service",
                            location=service.location,
                            confidence=0.6,
                            detail="declared in the component's .proto files",
                        )
                    )
    return tuple(sorted(services.values(), key=lambda s: s.name))


def detect_grpc(tree: SourceTree, directory: str) -> GrpcFindings:
    """gRPC facts for the component rooted at ``directory`` (root-relative paths throughout)."""
    prefix = _prefix(directory)
    code = scan_server_code(_code(tree, prefix))
    if not code.found:
        return GrpcFindings()
    diagnostics: list[Diagnostic] = []
    evidence: list[Evidence] = []
    own, other = _protos(tree, prefix, diagnostics)
    where = code.server[1] if code.server else next(iter(code.services.values()))[1]
    rule = code.server[0] if code.server else "grpc.service-registration"
    evidence.append(Evidence(field="grpc", value="server", rule=rule, location=where))
    dependency = _dependency(tree, prefix)
    if dependency is not None:
        evidence.append(dependency)
    services = _services(code, own, other, evidence)
    if code.health is not None:
        evidence.append(
            Evidence(
                field="grpc.health",
                value="grpc.health.v1.Health",
                rule=code.health[0],
                location=code.health[1],
            )
        )
    port: int | None = None
    if code.port is not None:
        port = code.port[0]
        evidence.append(
            Evidence(
                field="grpc.port",
                value=str(port),
                rule=code.port[1],
                location=code.port[2],
                confidence=0.85,
            )
        )
    elif code.server is not None and code.server[0] == "grpc.jvm.spring_grpc_service":
        port = SPRING_GRPC_PORT
        evidence.append(
            Evidence(
                field="grpc.port",
                value=str(port),
                rule="grpc.jvm.spring_grpc_default_port",
                location=code.server[1],
                confidence=0.6,
            )
        )
    server = GrpcServer(
        services=services, health=code.health is not None, port=port, location=where
    )
    return GrpcFindings(server=server, evidence=tuple(evidence), diagnostics=tuple(diagnostics))
