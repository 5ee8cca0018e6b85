from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.php import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


LARAVEL_APP = {
    "composer.json": (
        '{"require": {"php": "^8.2", "laravel/framework": "^11.0", "predis/predis": "^2"},\n'
        ' "scripts": {"dev": "php artisan serve --port=8080"}}\n'
    ),
    ".env.example": "APP_NAME=Laravel\nDB_CONNECTION=pgsql\nQUEUE_CONNECTION=redis\n",
    "bootstrap/app.php": (
        "<?php\n"
        "return Application::configure(basePath: dirname(__DIR__))\n"
        "    ->withRouting(\n"
        "        web: __DIR__.'/../routes/web.php',\n"
        "        api: __DIR__.'/../routes/api.php',\n"
        "        health: '/up',\n"
        "    )->create();\n"
    ),
    "routes/api.php": (
        "<?php\n"
        "use Illuminate\\Support\\Facades\\Route;\n"
        "// Route::get('/health', fn() => 1);\n"
        "Route::get('/users/{id}', [UserController::class, 'show']);\n"
        "Route::prefix('v1')->group(function () {\n"
        "    Route::apiResource('photos', PhotoController::class)->only(['index', 'show']);\n"
        "    Route::middleware('auth')->group(function () {\n"
        "        Route::post('/orders', [OrderController::class, 'store']);\n"
        "    });\n"
        "});\n"
        "Route::group(['prefix' => 'admin'], function () {\n"
        "    Route::match(['get', 'post'], '/settings', fn() => 1);\n"
        "});\n"
        "Route::resource('posts.comments', CommentController::class);\n"
    ),
    "routes/web.php": "<?php\nRoute::get('/', fn() => view('welcome'));\n$k = env('STRIPE_SECRET');\n",
}


def test_laravel_detection_version_and_build_tool() -> None:
    report = _analyze(LARAVEL_APP)
    assert report.framework == "laravel"
    assert report.language == "php"
    assert report.language_version == "8.2"
    assert report.build_tool == "composer"
    assert report.confidence >= 0.9


def test_laravel_api_routes_get_api_prefix_and_group_prefixes() -> None:
    routes = _routes(_analyze(LARAVEL_APP))
    assert {
        ("GET", "/api/users/{id}"),
        ("GET", "/api/v1/photos"),
        ("GET", "/api/v1/photos/{photo}"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/admin/settings"),
        ("POST", "/api/admin/settings"),
        ("GET", "/"),
        ("GET", "/up"),
    } <= routes
    assert ("POST", "/api/v1/photos") not in routes


def test_laravel_nested_resource_routes() -> None:
    routes = _routes(_analyze(LARAVEL_APP))
    assert {
        ("GET", "/api/posts/{post}/comments"),
        ("GET", "/api/posts/{post}/comments/create"),
        ("GET", "/api/posts/{post}/comments/{comment}/edit"),
        ("DELETE", "/api/posts/{post}/comments/{comment}"),
    } <= routes


def test_laravel_health_endpoint_only_from_real_route() -> None:
    report = _analyze(LARAVEL_APP)
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.HEALTH, "/up")]


def test_laravel_port_dependencies_and_env() -> None:
    report = _analyze(LARAVEL_APP)
    assert [p.number for p in report.ports] == [8080]
    assert {d.name: d.type for d in report.dependencies} == {
        "redis": DependencyType.CACHE,
        "postgres": DependencyType.DATABASE,
    }
    env = {e.name: e for e in report.env}
    assert set(env) == {"STRIPE_SECRET"}
    assert env["STRIPE_SECRET"].secret


def test_custom_api_prefix_from_bootstrap() -> None:
    files = {
        **LARAVEL_APP,
        "bootstrap/app.php": "<?php\n->withRouting(api: __DIR__.'/x.php', apiPrefix: 'api/v2')\n",
    }
    assert ("GET", "/api/v2/users/{id}") in _routes(_analyze(files))


def test_symfony_attributes_annotations_and_routes_yaml() -> None:
    report = _analyze(
        {
            "composer.json": '{"require": {"php": ">=8.1", "symfony/framework-bundle": "7.*", "ext-pdo_pgsql": "*"}}',
            "config/routes.yaml": (
                "controllers:\n"
                "    resource:\n"
                "        path: ../src/Controller/\n"
                "        namespace: App\\Controller\n"
                "    type: attribute\n"
                "    prefix: /shop\n"
                "health:\n"
                "    path: /healthz\n"
                "    controller: App\\Controller\\HealthController::check\n"
                "    methods: [GET]\n"
            ),
            "config/packages/doctrine.yaml": "doctrine:\n  dbal:\n    url: '%env(resolve:DATABASE_URL)%'\n",
            "src/Controller/ProductController.php": (
                "<?php\n"
                "#[Route('/products')]\n"
                "final class ProductController extends AbstractController\n"
                "{\n"
                "    #[Route('/{id}', name: 'product_show', methods: ['GET'])]\n"
                "    public function show(int $id) {}\n"
                "    /**\n"
                '     * @Route("/legacy", methods={"POST"})\n'
                "     */\n"
                "    public function legacy() {}\n"
                "    // #[Route('/commented')]\n"
                "}\n"
            ),
        }
    )
    assert report.framework == "symfony"
    assert report.app_type == "web"
    assert _routes(report) == {
        ("GET", "/shop/products/{id}"),
        ("POST", "/shop/products/legacy"),
        ("GET", "/healthz"),
    }
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.HEALTH, "/healthz")]
    assert [d.name for d in report.dependencies] == ["postgres"]
    assert [e.name for e in report.env] == ["DATABASE_URL"]


def test_slim_routes_with_group_and_builtin_server_port() -> None:
    report = _analyze(
        {
            "composer.json": '{"require": {"slim/slim": "^4.12"}, "scripts": {"start": "php -S 0.0.0.0:8888 -t public"}}',
            "public/index.php": (
                "<?php\n"
                "$app = AppFactory::create();\n"
                "$app->get('/hello/{name}', function ($request, $response, $args) {});\n"
                "$app->group('/api', function (RouteCollectorProxy $group) {\n"
                "    $group->get('/metrics', fn() => 1);\n"
                "    $group->map(['PUT', 'PATCH'], '/items/{id}', fn() => 1);\n"
                "});\n"
                "$request->get('key');\n"
            ),
        }
    )
    assert report.framework == "slim"
    assert _routes(report) == {
        ("GET", "/hello/{name}"),
        ("GET", "/api/metrics"),
        ("PUT", "/api/items/{id}"),
        ("PATCH", "/api/items/{id}"),
    }
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.METRICS, "/api/metrics")]
    assert [p.number for p in report.ports] == [8888]


def test_php_fpm_listen_port_is_fastcgi() -> None:
    report = _analyze(
        {
            "composer.json": '{"require": {"php": "^8.3"}}',
            "docker/php-fpm.d/www.conf": "[www]\nlisten = 9000\n",
        }
    )
    assert [(p.number, p.purpose) for p in report.ports] == [(9000, "fastcgi")]


def test_invalid_composer_json_becomes_a_diagnostic() -> None:
    report = _analyze({"composer.json": '{\n  "require": [\n', "index.php": "<?php"})
    assert [d.code for d in report.diagnostics] == ["php.composer.invalid"]
    assert report.diagnostics[0].location is not None
    assert report.diagnostics[0].location.file == "composer.json"


def test_wants_and_detect() -> None:
    assert ANALYZER.wants("composer.json")
    assert ANALYZER.wants("routes/api.php")
    assert ANALYZER.wants("config/routes.yaml")
    assert not ANALYZER.wants("vendor/laravel/framework/src/x.php")
    assert not ANALYZER.wants("tests/Feature/UserTest.php")
    assert not ANALYZER.detect(SourceTree(paths=("index.js",)))


_PATHS = (
    "composer.json",
    "routes/api.php",
    "src/Controller/A.php",
    "config/routes.yaml",
    ".env.example",
)
_TOKENS = st.sampled_from(
    [
        "Route::get('/x/{id}', f);",
        "Route::prefix('v1')->group(function () {",
        "Route::apiResource('a.b', C::class)->only(['index']);",
        "#[Route('/a', methods: ['GET'])]",
        "class A {",
        "/**",
        "*/",
        ' * @Route("/b")',
        "$app->group('/g', function ($g) {",
        "});",
        "{",
        "}",
        "'",
        '"',
        "\n",
        "a:\n  path: /x\n",
        "&a [*a, *a]",
        "\x00",
    ]
)


@settings(max_examples=60, deadline=None)
@given(hostile_files(_PATHS, _TOKENS, max_files=4))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = _analyze(files)
    assert 0.0 <= report.confidence <= 1.0
