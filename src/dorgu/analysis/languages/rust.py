"""Rust analyser: ``Cargo.toml`` (frameworks, drivers and their features, edition, MSRV,
workspace members), ``rust-toolchain(.toml)``, listen ports in code, routes via ``rust_routes``.

Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath
import re
import tomllib

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.rust_routes import scan_rust_routes
from dorgu.analysis.languages.scanning import Text, is_skipped, sources, toml_error_line
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_FRAMEWORKS = ("actix-web", "axum", "rocket", "warp", "poem", "tonic")
_CRATE_KINDS = {
    "tokio-postgres": "postgres",
    "postgres": "postgres",
    "deadpool-postgres": "postgres",
    "bb8-postgres": "postgres",
    "r2d2_postgres": "postgres",
    "mysql": "mysql",
    "mysql_async": "mysql",
    "rusqlite": "sqlite",
    "redis": "redis",
    "deadpool-redis": "redis",
    "bb8-redis": "redis",
    "fred": "redis",
    "lapin": "rabbitmq",
    "deadpool-lapin": "rabbitmq",
    "amqprs": "rabbitmq",
    "rdkafka": "kafka",
    "kafka": "kafka",
    "mongodb": "mongodb",
    "elasticsearch": "elasticsearch",
    "opensearch": "opensearch",
    "async-nats": "nats",
    "nats": "nats",
    "scylla": "cassandra",
    "aws-sdk-s3": "s3",
    "aws-sdk-sqs": "sqs",
}
_FEATURE_KINDS = {  # crate -> feature -> kind
    "sqlx": {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite", "mssql": "mssql"},
    "diesel": {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"},
    "sea-orm": {"sqlx-postgres": "postgres", "sqlx-mysql": "mysql", "sqlx-sqlite": "sqlite"},
}
_METRICS_CRATES = ("prometheus", "metrics-exporter-prometheus", "axum-prometheus", "actix-web-prom")
_PORT_RULES = (
    (
        LazyPattern(
            r"(?:\.|::)bind\w*\s*\(\s*&?\(\s*(?:\"[^\"\n]*\"|\[[\d,\s]+\]|[\w:]+)\s*,\s*(\d{2,5})\s*\)"
        ),
        "rust.bind",
        0.85,
    ),
    (LazyPattern(r"(?:\.|::)bind\w*\s*\(\s*&?\"[^\"\n]*?:(\d{2,5})\""), "rust.bind", 0.85),
    (
        LazyPattern(
            r"SocketAddr(?:V4|V6)?::(?:from|new)\s*\(\s*\(?\s*(?:\[[\d,\s]+\]|[\w:]+(?:\([^()\n]*\))?)\s*,\s*(\d{2,5})\s*\)"
        ),
        "rust.socket-addr",
        0.85,
    ),
    (LazyPattern(r"\.run\s*\(\s*\(\s*\[[\d,\s]+\]\s*,\s*(\d{2,5})\s*\)"), "rust.warp.run", 0.85),
    (
        LazyPattern(r"\"(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|::):(\d{2,5})\""),
        "rust.address-literal",
        0.7,
    ),
)
_ENV_VAR = LazyPattern(r"\benv::var(?:_os)?\s*\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"\s*\)")
_ENV_PORT = LazyPattern(
    r"\benv::var\s*\(\s*\"([A-Z_]*PORT)\"\s*\)[^;]{0,200}?unwrap_or(?:_else)?\s*\(\s*(?:\|_\|\s*)?"
    r"(?:\"(\d{2,5})\"|(\d{2,5}))"
)
_TOOLCHAIN_CHANNEL = LazyPattern(r"^\s*(?:channel\s*=\s*\")?(\d+\.\d+(?:\.\d+)?)", re.M)


def _line(text: str, name: str) -> int | None:
    match = re.search(rf"(?m)^\s*\"?{re.escape(name)}\"?\s*[=.]", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _dependency_tables(data: dict[str, object]) -> list[dict[str, object]]:
    tables: list[object] = [data.get("dependencies")]
    workspace = data.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    targets = data.get("target")
    if isinstance(targets, dict):
        tables += [t.get("dependencies") for t in targets.values() if isinstance(t, dict)]
    return [t for t in tables if isinstance(t, dict)]


class RustAnalyzer:
    name = "rust"

    def wants(self, path: str) -> bool:
        base = posixpath.basename(path)
        return base.endswith(".rs") or base in (
            "Cargo.toml",
            "rust-toolchain",
            "rust-toolchain.toml",
        )

    def detect(self, tree: SourceTree) -> bool:
        return any(posixpath.basename(p) == "Cargo.toml" for p in tree.paths)

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("rust")
        crates: dict[str, tuple[set[str], Location]] = {}
        extras: dict[str, str] = {}
        version: str | None = None
        manifests = [p for p in tree.named("Cargo.toml") if not is_skipped(p) and p in tree.texts]
        for path in manifests:
            text = tree.texts[path]
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                findings.diagnose(
                    "rust.cargo.invalid",
                    f"invalid Cargo.toml: {e}",
                    Location(file=path, line=toml_error_line(str(e), text)),
                )
                continue
            package = data.get("package")
            if isinstance(package, dict):
                if isinstance(package.get("edition"), str):
                    extras.setdefault("edition", package["edition"])
                if isinstance(package.get("rust-version"), str) and version is None:
                    version = package["rust-version"]
                    findings.fact(
                        "language_version",
                        version,
                        "rust.cargo.rust-version",
                        Location(file=path, line=_line(text, "rust-version")),
                    )
            workspace = data.get("workspace")
            if isinstance(workspace, dict) and isinstance(workspace.get("members"), list):
                members = [str(m) for m in workspace["members"]]
                extras.setdefault("workspace_members", ",".join(members))
            for table in _dependency_tables(data):
                for name, spec in table.items():
                    crate = spec.get("package", name) if isinstance(spec, dict) else name
                    features = spec.get("features", []) if isinstance(spec, dict) else []
                    entry = crates.setdefault(
                        str(crate), (set(), Location(file=path, line=_line(text, name)))
                    )
                    entry[0].update(str(f) for f in features if isinstance(f, str))
        for path in tree.named("rust-toolchain.toml", "rust-toolchain"):
            match = _TOOLCHAIN_CHANNEL.search(tree.texts.get(path, ""))
            if match and version is None:
                version = match.group(1)
                findings.fact("language_version", version, "rust.toolchain", Location(file=path))
        framework = next((f for f in _FRAMEWORKS if f in crates), None)
        if framework:
            findings.fact(
                "framework", framework, "rust.cargo.dependency", crates[framework][1], 0.95
            )
        for crate, (features, location) in sorted(crates.items()):
            kinds = {_CRATE_KINDS[crate]} if crate in _CRATE_KINDS else set()
            kinds |= {k for f, k in _FEATURE_KINDS.get(crate, {}).items() if f in features}
            for kind in sorted(kinds):
                findings.dependency(
                    kind, location, "rust.cargo.dependency", via="driver", confidence=0.9
                )
        if manifests:
            findings.fact(
                "build_tool", "cargo", "rust.cargo", Location(file=manifests[0], line=1), 0.95
            )
        texts = [Text(p, raw, "go") for p, raw in sources(tree, ".rs")]
        for source in texts:
            _ports(source, findings)
        scan_rust_routes(texts, findings, rocket=framework == "rocket")
        if framework == "rocket":
            findings.port(8000, crates["rocket"][1], "rust.rocket.default-port", 0.5)
        metrics = [c for c in _METRICS_CRATES if c in crates]
        if metrics:
            extras["metrics_crate"] = metrics[0]
        app_type = "api" if framework and framework != "tonic" and findings.route_count else None
        return findings.report(
            confidence=0.9 if manifests else 0.3,
            framework=framework,
            language_version=version,
            build_tool="cargo" if manifests else None,
            app_type=app_type,
            extras=extras,
        )


def _ports(text: Text, findings: Findings) -> None:
    code = text.code
    if "env::var" in code:
        findings.env_names(text, _ENV_VAR, "rust.env-var")
        scan_env_ports(text, findings, "rust")
        for m in _ENV_PORT.finditer(code):
            findings.port(
                m.group(2) or m.group(3), text.loc(m.start()), "rust.env-port-fallback", 0.8
            )
    if "bind" not in code and "SocketAddr" not in code and ":" not in code:
        return
    for pattern, rule, confidence in _PORT_RULES:
        for m in pattern.finditer(code):
            findings.port(m.group(1), text.loc(m.start()), rule, confidence)


ANALYZER = RustAnalyzer()
