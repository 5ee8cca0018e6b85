from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.node import ANALYZER
from dorgu.models.app import DependencyType, EndpointKind
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import endpoints as _endpoints
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


EXPRESS_APP = {
    "package.json": (
        '{"name": "svc", "scripts": {"start": "node src/server.js"},\n'
        ' "engines": {"node": ">=20"},\n'
        ' "dependencies": {\n'
        '   "express": "^4.18.0",\n'
        '   "pg": "^8",\n'
        '   "ioredis": "^5",\n'
        '   "prom-client": "^15",\n'
        '   "kafkajs": "2"\n'
        " }}\n"
    ),
    "yarn.lock": "",
    "src/server.js": (
        "const express = require('express');\n"
        "const usersRouter = require('./routes/users');\n"
        "import orders from './routes/orders';\n"
        "const app = express();\n"
        "const PORT = process.env.PORT || 3000;\n"
        "// app.get('/commented', h)\n"
        "app.use('/api/users', usersRouter);\n"
        "app.use('/api/orders', auth, orders);\n"
        "app.get('/healthz', (req, res) => res.send('ok'));\n"
        "app.get('/metrics', async (req, res) => res.end(await register.metrics()));\n"
        'const msg = "see /health for details";\n'
        "app.route('/books/:id').get(getBook).put(updateBook);\n"
        "app.listen(PORT);\n"
        'fetch("http://billing-svc:8080/charge");\n'
        "const { DB_HOST, DB_PASSWORD: pw } = process.env;\n"
    ),
    "src/routes/users.js": (
        "const router = require('express').Router();\n"
        "router.get('/:id', (req, res) => {});\n"
        "router.post('/', h);\n"
        "module.exports = router;\n"
    ),
    "src/routes/orders.ts": (
        "import { Router } from 'express';\n"
        "const r = Router();\n"
        "r.delete('/:orderId', h);\n"
        "export default r;\n"
    ),
}


def test_express_app_detection_version_and_build_tool() -> None:
    report = _analyze(EXPRESS_APP)
    assert report.framework == "express"
    assert report.language == "javascript"
    assert report.language_version == "20"
    assert report.build_tool == "yarn"
    assert report.app_type == "api"
    assert report.confidence >= 0.9
    assert report.extras["start"] == "node src/server.js"


def test_express_routes_resolve_mounted_routers_from_other_files() -> None:
    routes = _routes(_analyze(EXPRESS_APP))
    assert routes == {
        ("GET", "/api/users/{id}"),
        ("POST", "/api/users"),
        ("DELETE", "/api/orders/{orderId}"),
        ("GET", "/books/{id}"),
        ("PUT", "/books/{id}"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    }


def test_express_endpoints_only_from_routes_not_strings_or_comments() -> None:
    report = _analyze(EXPRESS_APP)
    assert _endpoints(report) == {
        (EndpointKind.HEALTH, "/healthz"),
        (EndpointKind.METRICS, "/metrics"),
    }


def test_prom_client_without_route_gives_no_metrics_endpoint() -> None:
    report = _analyze(
        {
            "package.json": '{"dependencies": {"express": "4", "prom-client": "15"}}',
            "index.js": (
                "const client = require('prom-client');\n"
                "const app = require('express')();\n"
                "/* app.get('/metrics', h) */\n"
                "app.get('/orders', h);\n"
            ),
        }
    )
    assert report.endpoints == ()


def test_port_from_env_fallback_and_dependencies() -> None:
    report = _analyze(EXPRESS_APP)
    assert [p.number for p in report.ports] == [3000]
    deps = {d.name: d.type for d in report.dependencies}
    assert deps == {
        "postgres": DependencyType.DATABASE,
        "redis": DependencyType.CACHE,
        "kafka": DependencyType.QUEUE,
        "billing-svc": DependencyType.SERVICE,
    }


def test_env_vars_from_process_env_including_destructuring() -> None:
    env = {e.name: e for e in _analyze(EXPRESS_APP).env}
    assert set(env) == {"PORT", "DB_HOST", "DB_PASSWORD"}
    assert env["DB_PASSWORD"].secret
    assert env["DB_PASSWORD"].value is None


def test_nestjs_controllers_with_global_prefix_and_typed_params() -> None:
    report = _analyze(
        {
            "package.json": (
                '{"dependencies": {"@nestjs/core": "10", "@nestjs/common": "10", '
                '"typeorm": "0.3", "@nestjs/typeorm": "10"}, '
                '"devDependencies": {"typescript": "5"}}'
            ),
            "pnpm-lock.yaml": "",
            "tsconfig.json": "{}",
            "src/main.ts": (
                "async function bootstrap() {\n"
                "  const app = await NestFactory.create(AppModule);\n"
                "  app.setGlobalPrefix('api');\n"
                "  await app.listen(process.env.PORT ?? 4000);\n"
                "}\n"
            ),
            "src/users.controller.ts": (
                "@Controller('users')\n"
                "export class UsersController {\n"
                "  @Get(':id')\n"
                "  @UseGuards(AuthGuard)\n"
                "  findOne(@Param('id') id: number, @Query('expand') expand?: boolean) {}\n"
                "  @Post()\n"
                "  create(@Body() dto: CreateUserDto) {}\n"
                "}\n"
                "@Controller()\n"
                "export class HealthController {\n"
                "  @Get('healthz')\n"
                "  check() {}\n"
                "}\n"
            ),
            "src/app.module.ts": "TypeOrmModule.forRoot({ type: 'postgres', host: 'db' })\n",
        }
    )
    assert report.framework == "nestjs"
    assert report.language == "typescript"
    assert report.build_tool == "pnpm"
    routes = {(r.method, r.path): r for r in report.routes}
    assert set(routes) == {
        ("GET", "/api/users/{id}"),
        ("POST", "/api/users"),
        ("GET", "/api/healthz"),
    }
    params = {p.name: p for p in routes[("GET", "/api/users/{id}")].params}
    assert params["id"].type == "number"
    assert params["expand"].location == "query"
    assert not params["expand"].required
    assert (EndpointKind.HEALTH, "/api/healthz") in _endpoints(report)
    assert [p.number for p in report.ports] == [4000]
    assert {d.name for d in report.dependencies} == {"postgres"}


def test_nextjs_file_routes_and_default_port_from_next_start() -> None:
    report = _analyze(
        {
            "package.json": (
                '{"scripts": {"start": "next start"}, '
                '"dependencies": {"next": "14", "react": "18", "@prisma/client": "5"}}'
            ),
            "package-lock.json": "{}",
            "next.config.js": "module.exports = {}\n",
            "pages/api/users/[id].ts": (
                "export default function handler(req, res) {\n  if (req.method === 'GET') {}\n}\n"
            ),
            "pages/api/index.ts": "export default function handler(req, res) {}\n",
            "app/api/health/route.ts": "export async function GET() { return Response.json({}) }\n",
            "app/(shop)/orders/[orderId]/route.ts": (
                "export async function GET() {}\nexport const DELETE = async () => {}\n"
            ),
            "app/_private/route.ts": "export function GET() {}\n",
            "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        }
    )
    assert report.framework == "nextjs"
    assert report.app_type == "web"
    assert _routes(report) == {
        ("GET", "/api/users/{id}"),
        ("ANY", "/api"),
        ("GET", "/api/health"),
        ("GET", "/orders/{orderId}"),
        ("DELETE", "/orders/{orderId}"),
    }
    assert (EndpointKind.HEALTH, "/api/health") in _endpoints(report)
    assert [p.number for p in report.ports] == [3000]
    deps = {d.name: d for d in report.dependencies}
    assert deps["postgres"].location is not None
    assert deps["postgres"].location.file == "prisma/schema.prisma"


def test_fastify_routes_with_register_prefix_and_listen_object() -> None:
    report = _analyze(
        {
            "package.json": '{"dependencies": {"fastify": "4", "mongoose": "8", "amqplib": "0.10"}}',
            "server.js": (
                "const fastify = require('fastify')({ logger: true });\n"
                "const items = require('./items');\n"
                "fastify.register(items, { prefix: '/v1' });\n"
                "fastify.route({ method: ['GET', 'HEAD'], url: '/readyz', handler: h });\n"
                "fastify.listen({ port: 8081, host: '0.0.0.0' });\n"
            ),
            "items.js": (
                "module.exports = async function (fastify, opts) {\n"
                "  fastify.get('/items/:id', async (req) => ({}));\n"
                "};\n"
            ),
        }
    )
    assert report.framework == "fastify"
    assert _routes(report) == {("GET", "/v1/items/{id}"), ("GET", "/readyz"), ("HEAD", "/readyz")}
    assert (EndpointKind.READINESS, "/readyz") in _endpoints(report)
    assert [p.number for p in report.ports] == [8081]
    assert {d.name for d in report.dependencies} == {"mongodb", "rabbitmq"}


def test_koa_router_prefix_option() -> None:
    report = _analyze(
        {
            "package.json": '{"dependencies": {"koa": "2", "@koa/router": "12"}}',
            "app.js": (
                "const app = new Koa();\n"
                "const router = new Router({ prefix: '/api' });\n"
                "router.get('/ping', ctx => {});\n"
                "app.use(router.routes());\n"
                "app.listen(3005);\n"
            ),
        }
    )
    assert report.framework == "koa"
    assert _routes(report) == {("GET", "/api/ping")}
    assert [p.number for p in report.ports] == [3005]


def test_router_factories_imported_by_name_get_the_mount_prefix() -> None:
    report = _analyze(
        {
            "package.json": '{"dependencies": {"express": "4"}}',
            "src/config.ts": "export const load = (env = process.env) => Number(env.PORT ?? 3001);\n",
            "src/index.ts": (
                'import express from "express";\n'
                'import { linksRouter } from "./routes/links";\n'
                "const app = express();\n"
                'app.use("/api/v1/links", linksRouter(store, base));\n'
            ),
            "src/routes/links.ts": (
                "export function linksRouter(store: Store, base: string): Router {\n"
                "  const router = Router();\n"
                '  router.get("/:code", h);\n'
                "  return router;\n"
                "}\n"
            ),
        }
    )
    assert _routes(report) == {("GET", "/api/v1/links/{code}")}
    assert [p.number for p in report.ports] == [3001]
    assert [e.name for e in report.env] == ["PORT"]


def test_invalid_package_json_becomes_a_diagnostic() -> None:
    report = _analyze({"package.json": '{\n  "name": "x",\n  "dependencies": {\n', "a.js": ""})
    assert len(report.diagnostics) == 1
    diagnostic = report.diagnostics[0]
    assert diagnostic.code == "node.package_json.invalid"
    assert diagnostic.location is not None
    assert diagnostic.location.file == "package.json"
    assert diagnostic.location.line == 4


def test_nvmrc_wins_over_engines() -> None:
    report = _analyze({"package.json": '{"engines": {"node": "18.x"}}', ".nvmrc": "v20.11.0\n"})
    assert report.language_version == "20.11.0"


def test_wants_skips_tests_declarations_and_vendored_code() -> None:
    assert ANALYZER.wants("src/app.ts")
    assert ANALYZER.wants("package.json")
    assert ANALYZER.wants("prisma/schema.prisma")
    assert not ANALYZER.wants("src/app.test.ts")
    assert not ANALYZER.wants("node_modules/x/index.js")
    assert not ANALYZER.wants("types/global.d.ts")
    assert not ANALYZER.wants("dist/main.js")


_PATHS = ("package.json", "index.js", "src/main.ts", "pages/api/x.ts", "app/a/route.ts", "s.prisma")
_TOKENS = st.sampled_from(
    [
        "app.get('/x/:id', h)",
        "app.use('/api', require('./index'))",
        "@Controller('a')",
        "@Get(':id')",
        ".route({ method: 'GET', url: '/x' })",
        "process.env.",
        "`",
        "/*",
        "*/",
        "//",
        "'",
        '"',
        "{",
        "}",
        "(",
        ")",
        "\n",
        '{"dependencies": {',
        "import a from './src/main'",
        "\x00",
    ]
)


@settings(max_examples=60, deadline=None)
@given(hostile_files(_PATHS, _TOKENS, max_files=5))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = _analyze(files)
    assert 0.0 <= report.confidence <= 1.0
