"""Rust analyser: Cargo manifests, listen ports, actix-web, axum and Rocket routes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.rust import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind

CARGO = """[package]
name = "svc"
edition = "2021"
rust-version = "1.75"

[dependencies]
{framework} = "4"
sqlx = {{ version = "0.7", features = ["runtime-tokio", "postgres"] }}
redis = "0.24"
queue = {{ package = "lapin", version = "2" }}

[dev-dependencies]
mongodb = "2"
"""
ACTIX = """use actix_web::{get, post, web, App, HttpServer};

#[get("/users/{id}")]
async fn get_user(path: web::Path<u32>) -> String { todo!() }

#[post("/users")]
async fn create_user() -> String { todo!() }

// #[get("/commented")]
fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/ping", web::get().to(ping));
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .service(web::scope("/api").service(get_user).service(create_user).configure(config))
            .service(web::resource("/items/{id}").route(web::get().to(h)).route(web::delete().to(h)))
            .route("/health", web::get().to(health))
    })
    .bind(("0.0.0.0", 8080))?
    .run()
    .await
}
"""
AXUM = """use axum::{routing::{get, post}, Router};

fn api_routes() -> Router {
    Router::new()
        .route("/orders/:id", get(show).put(update))
        .route("/files/{*path}", get(files))
}

#[tokio::main]
async fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_string());
    let app = Router::new()
        .route("/", get(root))
        .route("/metrics", get(metrics))
        .nest("/api/v1", api_routes())
        .nest("/admin", Router::new().route("/stats", axum::routing::get(stats)));
    let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
"""


def analyze(files: dict[str, str]) -> LanguageReport:
    return ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))


def test_cargo_manifest_framework_versions_and_dependencies() -> None:
    report = analyze({"Cargo.toml": CARGO.format(framework="actix-web")})
    assert ANALYZER.detect(SourceTree(paths=("Cargo.toml",)))
    assert ANALYZER.wants("src/main.rs")
    assert ANALYZER.wants("Cargo.toml")
    assert not ANALYZER.wants("main.go")
    assert (report.language, report.framework, report.language_version) == (
        "rust",
        "actix-web",
        "1.75",
    )
    assert report.build_tool == "cargo"
    assert report.extras["edition"] == "2021"
    assert {d.kind: d.type for d in report.dependencies} == {
        "postgres": DependencyType.DATABASE,
        "redis": DependencyType.CACHE,
        "rabbitmq": DependencyType.QUEUE,
    }
    redis = next(d for d in report.dependencies if d.kind == "redis")
    assert redis.location is not None
    assert redis.location.line == 9


def test_workspace_members_and_toolchain() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["api", "worker"]\n',
        "rust-toolchain.toml": '[toolchain]\nchannel = "1.78.0"\n',
    }
    report = analyze(files)
    assert report.extras["workspace_members"] == "api,worker"
    assert report.language_version == "1.78.0"


def test_actix_routes_scopes_resources_and_port() -> None:
    report = analyze({"Cargo.toml": CARGO.format(framework="actix-web"), "src/main.rs": ACTIX})
    routes = {(r.method, r.path) for r in report.routes}
    assert routes == {
        ("GET", "/api/users/{id}"),
        ("POST", "/api/users"),
        ("GET", "/api/ping"),
        ("GET", "/items/{id}"),
        ("DELETE", "/items/{id}"),
        ("GET", "/health"),
    }
    assert [p.number for p in report.ports] == [8080]
    assert (EndpointKind.HEALTH, "/health") in {(e.kind, e.path) for e in report.endpoints}


def test_axum_routes_nesting_wildcards_env_port_and_metrics() -> None:
    report = analyze({"Cargo.toml": CARGO.format(framework="axum"), "src/main.rs": AXUM})
    routes = {(r.method, r.path) for r in report.routes}
    assert routes == {
        ("GET", "/"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/orders/{id}"),
        ("PUT", "/api/v1/orders/{id}"),
        ("GET", "/api/v1/files/{path}"),
        ("GET", "/admin/stats"),
    }
    assert [p.number for p in report.ports] == [3000]
    assert [e.name for e in report.env] == ["PORT"]
    assert (EndpointKind.METRICS, "/metrics") in {(e.kind, e.path) for e in report.endpoints}


def test_no_health_endpoint_without_a_route() -> None:
    code = 'fn main() { let l = TcpListener::bind("0.0.0.0:9000"); }\n'
    report = analyze({"Cargo.toml": CARGO.format(framework="axum"), "src/main.rs": code})
    assert report.endpoints == ()
    assert [p.number for p in report.ports] == [9000]


def test_socket_addr_port() -> None:
    code = "fn main() { let addr = SocketAddr::from(([0, 0, 0, 0], 3030)); }\n"
    assert [p.number for p in analyze({"src/main.rs": code}).ports] == [3030]


def test_rocket_routes_mount_and_query() -> None:
    code = """#[get("/hello/<name>?<lang>")]
fn hello(name: &str, lang: Option<&str>) -> String { todo!() }

#[launch]
fn rocket() -> _ {
    rocket::build().mount("/api", routes![hello])
}
"""
    report = analyze({"Cargo.toml": CARGO.format(framework="rocket"), "src/main.rs": code})
    route = report.routes[0]
    assert (route.method, route.path) == ("GET", "/api/hello/{name}")
    assert [(p.name, p.location) for p in route.params] == [("name", "path"), ("lang", "query")]
    assert [p.number for p in report.ports] == [8000]


def test_invalid_cargo_toml_is_a_diagnostic_with_line() -> None:
    report = analyze({"Cargo.toml": '[package]\nname = "x"\nedition = \n'})
    assert [d.code for d in report.diagnostics] == ["rust.cargo.invalid"]
    location = report.diagnostics[0].location
    assert location is not None
    assert location.line == 3


_NAMES = st.sampled_from(["Cargo.toml", "src/main.rs", "src/routes.rs", "rust-toolchain"])


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        _NAMES,
        st.text(alphabet='#[]{}()"/:;,.=<>!| \nabgetroutenestscopebind0123', max_size=400),
        max_size=3,
    )
)
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    analyze(files)
