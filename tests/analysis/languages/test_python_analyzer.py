from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.python import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import endpoints as _endpoints
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


FASTAPI_APP = {
    "pyproject.toml": (
        '[project]\nname = "svc"\nrequires-python = ">=3.11"\n'
        'dependencies = ["fastapi>=0.110", "uvicorn", "asyncpg", "redis>=5"]\n'
    ),
    "app/main.py": (
        "import os\n"
        "from fastapi import FastAPI\n"
        "from .routers import users\n"
        "from app.routers.items import router as items_router\n"
        "app = FastAPI()\n"
        'app.include_router(users.router, prefix="/api")\n'
        'app.include_router(items_router, prefix="/api/v1")\n'
        '@app.get("/healthz")\n'
        "async def health():\n"
        '    return {"ok": True}\n'
        'if __name__ == "__main__":\n'
        "    import uvicorn\n"
        '    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))\n'
    ),
    "app/routers/users.py": (
        "from fastapi import APIRouter, Depends\n"
        'router = APIRouter(prefix="/users")\n'
        '@router.get("/{user_id}")\n'
        "async def get_user(user_id: int, verbose: bool = False, db=Depends(get_db)):\n"
        "    ...\n"
        '@router.post("")\n'
        "async def create(body: UserIn): ...\n"
    ),
    "app/routers/items.py": (
        "from fastapi import APIRouter\n"
        "router = APIRouter()\n"
        '@router.api_route("/items/{item_id}", methods=["GET", "PUT"])\n'
        "def item(item_id: str, q: str | None = None): ...\n"
    ),
}


def test_fastapi_app_is_detected_with_version_and_high_confidence() -> None:
    report = _analyze(FASTAPI_APP)
    assert report.language == "python"
    assert report.framework == "fastapi"
    assert report.language_version == "3.11"
    assert report.app_type == "api"
    assert report.confidence >= 0.9


def test_fastapi_routes_resolve_router_prefixes_across_modules() -> None:
    routes = _routes(_analyze(FASTAPI_APP))
    assert ("GET", "/api/users/{user_id}") in routes
    assert ("POST", "/api/users") in routes
    assert ("GET", "/api/v1/items/{item_id}") in routes
    assert ("PUT", "/api/v1/items/{item_id}") in routes


def test_fastapi_route_params_include_typed_query_params_but_not_dependencies() -> None:
    report = _analyze(FASTAPI_APP)
    route = next(r for r in report.routes if r.path == "/api/users/{user_id}")
    params = {p.name: p for p in route.params}
    assert params["user_id"].location == "path"
    assert params["user_id"].type == "integer"
    assert params["verbose"].location == "query"
    assert params["verbose"].type == "boolean"
    assert not params["verbose"].required
    assert "db" not in params
    assert route.location is not None
    assert route.location.file == "app/routers/users.py"
    assert route.location.line == 3


def test_fastapi_port_comes_from_run_call_env_default() -> None:
    report = _analyze(FASTAPI_APP)
    assert [p.number for p in report.ports] == [8080]
    assert any(e.field == "port" and e.value == "8080" for e in report.evidence)


def test_health_endpoint_comes_from_a_real_route() -> None:
    report = _analyze(FASTAPI_APP)
    assert (EndpointKind.HEALTH, "/healthz") in _endpoints(report)
    assert any(e.field == "endpoints.health" for e in report.evidence)


def test_health_mentioned_in_comments_strings_and_docstrings_creates_no_endpoint() -> None:
    report = _analyze(
        {
            "requirements.txt": "flask\n",
            "app.py": (
                '"""Call @app.get("/health") to check."""\n'
                "from flask import Flask\n"
                "app = Flask(__name__)\n"
                '# @app.route("/healthz")\n'
                'HELP = "see /health and /metrics"\n'
                'requests.get("http://x/health")\n'
                '@app.route("/orders")\n'
                "def orders(): ...\n"
            ),
        }
    )
    assert report.endpoints == ()
    assert _routes(report) == {("GET", "/orders")}


def test_dependencies_from_manifest_are_typed_by_catalog() -> None:
    report = _analyze(FASTAPI_APP)
    deps = {d.name: d for d in report.dependencies}
    assert deps["postgres"].type == DependencyType.DATABASE
    assert deps["redis"].type == DependencyType.CACHE
    assert deps["postgres"].location is not None
    assert deps["postgres"].location.file == "pyproject.toml"


def test_flask_blueprints_use_url_prefix_and_methods() -> None:
    report = _analyze(
        {
            "requirements.txt": "Flask==3.0\npsycopg2-binary\n",
            "app/__init__.py": (
                "from flask import Flask\n"
                "from .views.orders import bp as orders_bp\n"
                "app = Flask(__name__)\n"
                'app.register_blueprint(orders_bp, url_prefix="/api/orders")\n'
                'app.run(host="0.0.0.0", port=5001)\n'
            ),
            "app/views/orders.py": (
                "from flask import Blueprint\n"
                'bp = Blueprint("orders", __name__, url_prefix="/ignored")\n'
                '@bp.route("/<int:order_id>", methods=["GET", "DELETE"])\n'
                "def order(order_id): ...\n"
                '@bp.post("/")\n'
                "def create(): ...\n"
            ),
        }
    )
    assert report.framework == "flask"
    assert _routes(report) == {
        ("GET", "/api/orders/{order_id}"),
        ("DELETE", "/api/orders/{order_id}"),
        ("POST", "/api/orders"),
    }
    assert [p.number for p in report.ports] == [5001]
    assert {d.name for d in report.dependencies} == {"postgres"}


def test_flask_blueprint_keeps_its_own_prefix_when_registered_without_one() -> None:
    report = _analyze(
        {
            "app.py": (
                "from flask import Flask, Blueprint\n"
                "app = Flask(__name__)\n"
                'api = Blueprint("api", __name__, url_prefix="/api")\n'
                '@api.route("/ping")\n'
                "def ping(): ...\n"
                "app.register_blueprint(api)\n"
            ),
        }
    )
    assert _routes(report) == {("GET", "/api/ping")}
    assert (EndpointKind.HEALTH, "/api/ping") in _endpoints(report)


def test_django_urlconf_includes_are_followed_from_root_urlconf() -> None:
    report = _analyze(
        {
            "requirements.txt": "Django>=5\ndjangorestframework\n",
            "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
            "mysite/settings.py": (
                'ROOT_URLCONF = "mysite.urls"\n'
                "DATABASES = {\n"
                '    "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}\n'
                "}\n"
            ),
            "mysite/urls.py": (
                "from django.urls import include, path, re_path\n"
                "urlpatterns = [\n"
                '    path("admin/", admin.site.urls),\n'
                '    path("shop/", include("shop.urls")),\n'
                '    path("healthz/", views.health),\n'
                '    path("ht/", include("health_check.urls")),\n'
                '    path("", include("django_prometheus.urls")),\n'
                "]\n"
            ),
            "shop/urls.py": (
                "from rest_framework.routers import DefaultRouter\n"
                "router = DefaultRouter()\n"
                'router.register(r"products", ProductViewSet)\n'
                "urlpatterns = [\n"
                '    path("orders/<int:pk>/", views.order),\n'
                '    re_path(r"^legacy/(?P<slug>[-\\w]+)/$", views.legacy),\n'
                '    path("api/", include(router.urls)),\n'
                "]\n"
            ),
        }
    )
    assert report.framework == "django"
    assert report.app_type == "web"
    routes = _routes(report)
    assert ("ANY", "/admin") in routes
    assert ("ANY", "/shop/orders/{pk}") in routes
    assert ("ANY", "/shop/legacy/{slug}") in routes
    assert ("ANY", "/shop/api/products") in routes
    assert ("ANY", "/shop/api/products/{pk}") in routes
    endpoints = _endpoints(report)
    assert (EndpointKind.HEALTH, "/healthz") in endpoints
    assert (EndpointKind.HEALTH, "/ht") in endpoints
    assert (EndpointKind.METRICS, "/metrics") in endpoints
    assert {d.name for d in report.dependencies} == {"postgres"}


def test_django_default_port_only_when_runserver_is_used() -> None:
    base = {
        "requirements.txt": "django\n",
        "mysite/urls.py": 'urlpatterns = [path("a/", v)]\n',
        "manage.py": "from django.core.management import execute_from_command_line\n",
    }
    assert _analyze(base).ports == ()
    with_runserver = {**base, "Procfile": "web: python manage.py runserver 0.0.0.0:8000\n"}
    assert [p.number for p in _analyze(with_runserver).ports] == [8000]
    gunicorn = {**base, "Procfile": "web: gunicorn mysite.wsgi --bind 0.0.0.0:9001\n"}
    assert [p.number for p in _analyze(gunicorn).ports] == [9001]


def test_procfile_uvicorn_port_and_celery_worker() -> None:
    report = _analyze(
        {
            "requirements.txt": "fastapi\ncelery[redis]\n",
            "Procfile": (
                "web: uvicorn app.main:app --host 0.0.0.0 --port 8001\n"
                "worker: celery -A app.tasks worker -l info\n"
            ),
            "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "app/tasks.py": 'from celery import Celery\ncelery = Celery("t", broker="amqp://rabbit//")\n',
        }
    )
    assert report.framework == "fastapi"
    assert report.extras == {"worker": "celery"}
    assert [p.number for p in report.ports] == [8001]
    assert {"redis", "rabbitmq"} <= {d.name for d in report.dependencies}


def test_celery_only_app_is_a_worker() -> None:
    report = _analyze(
        {
            "requirements.txt": "celery\nredis\n",
            "tasks.py": 'from celery import Celery\napp = Celery("t", broker="redis://redis:6379/0")\n',
        }
    )
    assert report.framework == "celery"
    assert report.app_type == "worker"
    assert report.routes == ()


def test_metrics_endpoints_from_prometheus_mounts() -> None:
    report = _analyze(
        {
            "main.py": (
                "from fastapi import FastAPI\n"
                "from prometheus_client import make_asgi_app, start_http_server\n"
                "from prometheus_fastapi_instrumentator import Instrumentator\n"
                "app = FastAPI()\n"
                'app.mount("/prom", make_asgi_app())\n'
                'Instrumentator().instrument(app).expose(app, endpoint="/internal/metrics")\n'
                "start_http_server(9100)\n"
            ),
        }
    )
    endpoints = {(e.kind, e.path, e.port) for e in report.endpoints}
    assert (EndpointKind.METRICS, "/prom", None) in endpoints
    assert (EndpointKind.METRICS, "/internal/metrics", None) in endpoints
    assert (EndpointKind.METRICS, "/metrics", 9100) in endpoints
    assert [(p.number, p.purpose) for p in report.ports] == [(9100, "metrics")]


def test_prometheus_client_without_mount_gives_no_metrics_endpoint() -> None:
    report = _analyze(
        {
            "requirements.txt": "fastapi\nprometheus-client\n",
            "main.py": (
                "from fastapi import FastAPI\n"
                "from prometheus_client import Counter\n"
                "app = FastAPI()\n"
                'REQUESTS = Counter("requests", "served")\n'
            ),
        }
    )
    assert report.endpoints == ()


def test_env_vars_are_names_only_and_secret_flagged() -> None:
    report = _analyze(
        {
            "settings.py": (
                "import os\n"
                'DB = os.environ["DATABASE_URL"]\n'
                'TOKEN = os.getenv("API_TOKEN", "dev-token")\n'
                'DEBUG = os.environ.get("DEBUG", "0")\n'
                "class Settings(BaseSettings):\n"
                '    model_config = SettingsConfigDict(env_prefix="APP_")\n'
                '    redis_url: str = "redis://localhost"\n'
                "    workers: int = 2\n"
                "\n"
                "other: int = 3\n"
            ),
        }
    )
    env = {e.name: e for e in report.env}
    assert set(env) == {"DATABASE_URL", "API_TOKEN", "DEBUG", "APP_REDIS_URL", "APP_WORKERS"}
    assert env["API_TOKEN"].secret
    assert env["API_TOKEN"].value is None
    assert not env["DEBUG"].secret


def test_http_client_calls_become_service_dependencies() -> None:
    report = _analyze(
        {
            "client.py": (
                "import httpx\n"
                'httpx.get("http://inventory:8080/stock")\n'
                'requests.post("https://api.stripe.com/v1/charges")\n'
                'requests.get("http://localhost:9000/x")\n'
            ),
        }
    )
    deps = {d.name: d.type for d in report.dependencies}
    assert deps == {"inventory": DependencyType.SERVICE, "api.stripe.com": DependencyType.EXTERNAL}


def test_broken_pyproject_becomes_a_diagnostic_with_line() -> None:
    report = _analyze({"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n', "a.py": ""})
    assert len(report.diagnostics) == 1
    diagnostic = report.diagnostics[0]
    assert diagnostic.code == "python.manifest.invalid"
    assert diagnostic.location is not None
    assert diagnostic.location.file == "pyproject.toml"
    assert diagnostic.location.line is not None


def test_version_files_win_over_requires_python_and_poetry_is_the_build_tool() -> None:
    report = _analyze(
        {
            ".python-version": "3.12.1\n",
            "pyproject.toml": (
                "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
                'python = "^3.10"\nflask = "^3"\npymongo = "*"\n'
                "[tool.poetry.group.dev.dependencies]\npsycopg2 = '*'\n"
            ),
            "poetry.lock": "",
        }
    )
    assert report.language_version == "3.12.1"
    assert report.build_tool == "poetry"
    assert {d.name for d in report.dependencies} == {"mongodb"}


def test_routes_in_tests_and_virtualenvs_are_ignored() -> None:
    report = _analyze(
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "tests/test_app.py": '@app.route("/health")\ndef h(): ...\n',
            ".venv/lib/site-packages/x.py": '@app.route("/metrics")\ndef m(): ...\n',
        }
    )
    assert report.routes == ()
    assert not ANALYZER.wants("tests/test_app.py")
    assert not ANALYZER.wants(".venv/lib/x.py")
    assert ANALYZER.wants("src/app/main.py")
    assert ANALYZER.wants("requirements/prod.txt")


def test_detect_needs_python_files_or_manifests() -> None:
    assert ANALYZER.detect(SourceTree(paths=("requirements.txt",)))
    assert ANALYZER.detect(SourceTree(paths=("src/x.py",)))
    assert not ANALYZER.detect(SourceTree(paths=("package.json", "index.js")))


_PATHS = (
    "app.py",
    "urls.py",
    "pyproject.toml",
    "requirements.txt",
    "Procfile",
    "setup.py",
    "Pipfile",
)
_TOKENS = st.sampled_from(
    [
        '@app.get("/x/{id}")',
        "app.include_router(",
        'path("a/", include("urls"))',
        "urlpatterns = [",
        '"""',
        "'''",
        "#",
        "(",
        ")",
        "[",
        "\n",
        "os.environ[",
        "class S(BaseSettings):\n    a: int\n",
        "uvicorn.run(app, port=",
        "[project]\ndependencies = [",
        "Blueprint(",
        "register_blueprint(",
        "\x00",
        "é",
    ]
)


@settings(max_examples=60, deadline=None)
@given(hostile_files(_PATHS, _TOKENS, max_files=5))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = _analyze(files)
    assert 0.0 <= report.confidence <= 1.0
