from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.golang import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import endpoints as _endpoints
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


GIN_APP = {
    "go.mod": (
        "module github.com/acme/shop\n\n"
        "go 1.22\n\n"
        "require (\n"
        "\tgithub.com/gin-gonic/gin v1.9.1\n"
        "\tgithub.com/jackc/pgx/v5 v5.5.0\n"
        "\tgithub.com/prometheus/client_golang v1.18.0\n"
        "\tgithub.com/redis/go-redis/v9 v9.3.0 // indirect\n"
        ")\n"
    ),
    "main.go": (
        "package main\n"
        "func main() {\n"
        "\tr := gin.Default()\n"
        '\t// r.GET("/commented", h)\n'
        '\tlog.Println("GET /health is served elsewhere")\n'
        '\tr.GET("/healthz", health)\n'
        '\tr.GET("/metrics", gin.WrapH(promhttp.Handler()))\n'
        '\tv1 := r.Group("/api/v1")\n'
        "\t{\n"
        '\t\tv1.GET("/orders/:id", getOrder)\n'
        '\t\tv1.POST("/orders", createOrder)\n'
        "\t}\n"
        "\troutes.Register(v1)\n"
        '\tport := os.Getenv("PORT")\n'
        '\tif port == "" {\n'
        '\t\tport = "8080"\n'
        "\t}\n"
        '\tr.Run(":" + port)\n'
        "}\n"
    ),
    "routes/routes.go": (
        "package routes\n"
        "func Register(rg *gin.RouterGroup) {\n"
        '\trg.DELETE("/items/:itemId", del)\n'
        "}\n"
    ),
    "main_test.go": 'func TestX(t *testing.T) { r.GET("/readyz", h) }\n',
}


def test_gin_app_detection_version_and_module() -> None:
    report = _analyze(GIN_APP)
    assert report.language == "go"
    assert report.framework == "gin"
    assert report.language_version == "1.22"
    assert report.build_tool == "go"
    assert report.app_type == "api"
    assert report.extras == {"module": "github.com/acme/shop"}
    assert report.confidence >= 0.9


def test_gin_routes_with_groups_and_router_parameter_functions() -> None:
    assert _routes(_analyze(GIN_APP)) == {
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/orders/{id}"),
        ("POST", "/api/v1/orders"),
        ("DELETE", "/api/v1/items/{itemId}"),
    }


def test_gin_endpoints_from_routes_only() -> None:
    assert _endpoints(_analyze(GIN_APP)) == {
        (EndpointKind.HEALTH, "/healthz"),
        (EndpointKind.METRICS, "/metrics"),
    }


def test_port_from_getenv_fallback_and_direct_dependencies_only() -> None:
    report = _analyze(GIN_APP)
    assert [p.number for p in report.ports] == [8080]
    deps = {d.name: d for d in report.dependencies}
    assert set(deps) == {"postgres"}
    assert deps["postgres"].type == DependencyType.DATABASE
    assert deps["postgres"].location is not None
    assert deps["postgres"].location.line == 7
    assert [e.name for e in report.env] == ["PORT"]


def test_net_http_go122_patterns_and_listen_port() -> None:
    report = _analyze(
        {
            "go.mod": "module example.com/std\n\ngo 1.22.1\n",
            "main.go": (
                "package main\n"
                "func main() {\n"
                "\tmux := http.NewServeMux()\n"
                '\tmux.HandleFunc("GET /users/{id}", getUser)\n'
                '\tmux.HandleFunc("POST /users", createUser)\n'
                '\tmux.HandleFunc("/files/{path...}", files)\n'
                '\tmux.Handle("/livez", live)\n'
                '\tmux.Handle("/metrics", promhttp.Handler())\n'
                '\thttp.ListenAndServe(":9000", mux)\n'
                "}\n"
            ),
        }
    )
    assert report.framework == "net/http"
    assert _routes(report) == {
        ("GET", "/users/{id}"),
        ("POST", "/users"),
        ("ANY", "/files/{path}"),
        ("ANY", "/livez"),
        ("ANY", "/metrics"),
    }
    assert _endpoints(report) == {
        (EndpointKind.LIVENESS, "/livez"),
        (EndpointKind.METRICS, "/metrics"),
    }
    assert [p.number for p in report.ports] == [9000]


def test_chi_route_closures_and_mounted_router_functions() -> None:
    report = _analyze(
        {
            "go.mod": "module m\n\ngo 1.21\n\nrequire github.com/go-chi/chi/v5 v5.0.10\n",
            "main.go": (
                "package main\n"
                "func main() {\n"
                "\tr := chi.NewRouter()\n"
                '\tr.Get("/ping", ping)\n'
                '\tr.Route("/articles", func(r chi.Router) {\n'
                '\t\tr.Get("/", list)\n'
                '\t\tr.Route("/{articleID}", func(r chi.Router) {\n'
                '\t\t\tr.Put("/", update)\n'
                "\t\t})\n"
                "\t})\n"
                '\tr.Mount("/admin", adminRouter())\n'
                '\thttp.ListenAndServe(":3333", r)\n'
                "}\n"
                "func adminRouter() http.Handler {\n"
                "\tr := chi.NewRouter()\n"
                '\tr.Get("/stats", stats)\n'
                "\treturn r\n"
                "}\n"
            ),
        }
    )
    assert report.framework == "chi"
    assert _routes(report) == {
        ("GET", "/ping"),
        ("GET", "/articles"),
        ("PUT", "/articles/{articleID}"),
        ("GET", "/admin/stats"),
    }
    assert [p.number for p in report.ports] == [3333]


def test_echo_fiber_and_gorilla_styles() -> None:
    echo = _analyze(
        {
            "go.mod": "module m\nrequire github.com/labstack/echo/v4 v4.11.0\n",
            "main.go": (
                'e := echo.New()\napi := e.Group("/api")\napi.GET("/users/:id", h)\n'
                'e.Start(":1323")\n'
            ),
        }
    )
    assert _routes(echo) == {("GET", "/api/users/{id}")}
    assert [p.number for p in echo.ports] == [1323]
    fiber = _analyze(
        {
            "go.mod": "module m\nrequire github.com/gofiber/fiber/v2 v2.52.0\n",
            "main.go": 'app := fiber.New()\napp.Get("/readyz", h)\napp.Listen(":3000")\n',
        }
    )
    assert (EndpointKind.READINESS, "/readyz") in _endpoints(fiber)
    assert [p.number for p in fiber.ports] == [3000]
    gorilla = _analyze(
        {
            "go.mod": "module m\nrequire github.com/gorilla/mux v1.8.1\n",
            "main.go": (
                "r := mux.NewRouter()\n"
                'api := r.PathPrefix("/api").Subrouter()\n'
                'api.HandleFunc("/books/{id}", h).Methods("GET", "DELETE")\n'
                'srv := &http.Server{Addr: "0.0.0.0:8000", Handler: r}\n'
            ),
        }
    )
    assert _routes(gorilla) == {("GET", "/api/books/{id}"), ("DELETE", "/api/books/{id}")}
    assert [p.number for p in gorilla.ports] == [8000]


def test_kafka_rabbitmq_and_grpc_ports() -> None:
    # The server is created (grpc.NewServer): only server code makes the framework grpc.  This
    # test used to pass with the grpc import and net.Listen alone, which a client has too.
    report = _analyze(
        {
            "go.mod": (
                "module m\nrequire (\n\tgoogle.golang.org/grpc v1.60.0\n"
                "\tgithub.com/segmentio/kafka-go v0.4.47\n\tgithub.com/rabbitmq/amqp091-go v1.9.0\n)\n"
            ),
            "main.go": (
                'import "google.golang.org/grpc"\n'
                'lis, _ := net.Listen("tcp", ":50051")\n'
                "s := grpc.NewServer()\n"
                'go http.ListenAndServe(":9102", promhttp.Handler())\n'
            ),
        }
    )
    assert report.framework == "grpc"
    assert {(p.number, p.purpose) for p in report.ports} == {(50051, "grpc"), (9102, "metrics")}
    assert {(e.kind, e.path, e.port) for e in report.endpoints} == {
        (EndpointKind.METRICS, "/metrics", 9102)
    }
    assert {d.name: d.type for d in report.dependencies} == {
        "kafka": DependencyType.QUEUE,
        "rabbitmq": DependencyType.QUEUE,
    }


def test_wants_skips_vendor_and_tests() -> None:
    assert ANALYZER.wants("go.mod")
    assert ANALYZER.wants("cmd/api/main.go")
    assert not ANALYZER.wants("vendor/github.com/x/y.go")
    assert not ANALYZER.wants("pkg/x_test.go")
    assert not ANALYZER.detect(SourceTree(paths=("README.md",)))


_PATHS = ("go.mod", "main.go", "internal/routes.go")
_TOKENS = st.sampled_from(
    [
        'r.GET("/x/:id", h)',
        'v1 := r.Group("/v1")',
        'r.Route("/a", func(r chi.Router) {',
        "func Register(rg *gin.RouterGroup) {",
        "Register(v1)",
        'os.Getenv("PORT")',
        "`",
        '"',
        "{",
        "}",
        "(",
        ")",
        "/*",
        "//",
        "\n",
        "require (\n",
        "go 1.",
        "\x00",
    ]
)


@settings(max_examples=60, deadline=None)
@given(hostile_files(_PATHS, _TOKENS, max_files=3))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = _analyze(files)
    assert 0.0 <= report.confidence <= 1.0


GRPC_MOD = "module m\nrequire google.golang.org/grpc v1.60.0\n"


def test_a_grpc_client_is_not_a_grpc_server() -> None:
    """go.mod lists grpc-go for clients too: dialling another service is not serving gRPC."""
    report = _analyze(
        {
            "go.mod": GRPC_MOD,
            "main.go": (
                'import "google.golang.org/grpc"\n'
                'conn, _ := grpc.Dial("cart:7070", grpc.WithInsecure())\n'
                "client := pb.NewCartServiceClient(conn)\n"
                'http.HandleFunc("/", handler)\n'
                'http.ListenAndServe(":8080", nil)\n'
            ),
        }
    )
    assert report.framework == "net/http"
    assert [p.number for p in report.ports] == [8080]


def test_a_grpc_client_with_a_listener_for_something_else_is_not_grpc() -> None:
    report = _analyze(
        {
            "go.mod": GRPC_MOD,
            "main.go": (
                'import "google.golang.org/grpc"\n'
                'conn, _ := grpc.NewClient("cart:7070")\n'
                'lis, _ := net.Listen("tcp", ":9000")\n'
            ),
        }
    )
    assert report.framework != "grpc"
    assert all(p.purpose != "grpc" for p in report.ports)


def test_a_registered_service_makes_a_grpc_server() -> None:
    report = _analyze(
        {
            "go.mod": GRPC_MOD,
            "main.go": 'import "google.golang.org/grpc"\npb.RegisterCartServiceServer(s, &server{})\n',
        }
    )
    assert report.framework == "grpc"


def test_server_code_only_in_comments_does_not_count() -> None:
    report = _analyze(
        {
            "go.mod": GRPC_MOD,
            "main.go": 'import "google.golang.org/grpc"\n// s := grpc.NewServer()\nfunc main() {}\n',
        }
    )
    assert report.framework != "grpc"
