"""Koa, Hapi, Fastify, NestJS, Gin, Echo, Fiber and chi: framework from the manifest, port and
routes; k6 scripts are load generators (workers)."""

from __future__ import annotations

import pytest

from dorgu.analysis.languages import golang, node
from tests.analysis.languages.reports import analyzer_of
from tests.analysis.languages.reports import routes as _routes


def go_mod(module: str) -> str:
    return f"module x\n\ngo 1.22\n\nrequire {module} v1.0.0\n"


def package(name: str) -> str:
    return f'{{"name": "svc", "dependencies": {{"{name}": "1.0.0"}}}}'


CASES = {
    "koa": (
        node.ANALYZER,
        {
            "package.json": package("koa"),
            "server.js": "const Koa = require('koa');\nconst Router = require('@koa/router');\n"
            "const app = new Koa(); const router = new Router();\n"
            "router.get('/items/:id', h);\napp.use(router.routes());\napp.listen(4000);\n",
        },
        4000,
        {("GET", "/items/{id}")},
    ),
    "hapi": (
        node.ANALYZER,
        {
            "package.json": package("@hapi/hapi"),
            "server.js": "const Hapi = require('@hapi/hapi');\n"
            "const server = Hapi.server({ port: 3001, host: '0.0.0.0' });\n"
            "server.route({ method: 'GET', path: '/todos/{id}', handler });\n",
        },
        3001,
        {("GET", "/todos/{id}")},
    ),
    "fastify": (
        node.ANALYZER,
        {
            "package.json": package("fastify"),
            "server.js": "const fastify = require('fastify')();\nfastify.get('/ping', h);\n"
            "fastify.listen({ host: '0.0.0.0' });\n",
        },
        3000,
        {("GET", "/ping")},
    ),
    "nestjs": (
        node.ANALYZER,
        {
            "package.json": package("@nestjs/core"),
            "src/main.ts": "const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n",
            "src/cats.controller.ts": "@Controller('cats')\nexport class C {\n @Get(':id')\n one() {}\n}\n",
        },
        3000,
        {("GET", "/cats/{id}")},
    ),
    "gin": (
        golang.ANALYZER,
        {"go.mod": go_mod("github.com/gin-gonic/gin"), "main.go": 'r := gin.Default()\nr.GET("/ping", h)\nr.Run()\n'},
        8080,
        {("GET", "/ping")},
    ),
    "echo": (
        golang.ANALYZER,
        {
            "go.mod": go_mod("github.com/labstack/echo/v4"),
            "main.go": 'e := echo.New()\ne.GET("/users/:id", h)\ne.Logger.Fatal(e.Start(":1323"))\n',
        },
        1323,
        {("GET", "/users/{id}")},
    ),
    "fiber": (
        golang.ANALYZER,
        {
            "go.mod": go_mod("github.com/gofiber/fiber/v2"),
            "main.go": 'app := fiber.New()\napp.Get("/api/:name", h)\napp.Listen(":3000")\n',
        },
        3000,
        {("GET", "/api/{name}")},
    ),
    "chi": (
        golang.ANALYZER,
        {
            "go.mod": go_mod("github.com/go-chi/chi/v5"),
            "main.go": 'r := chi.NewRouter()\nr.Get("/articles/{id}", h)\nhttp.ListenAndServe(":3333", r)\n',
        },
        3333,
        {("GET", "/articles/{id}")},
    ),
}  # fmt: skip


@pytest.mark.parametrize("framework", sorted(CASES))
def test_framework_port_and_routes(framework):
    analyzer, files, port, routes = CASES[framework]
    report = analyzer_of(analyzer)(files)
    assert report.framework == framework and report.app_type == "api"
    assert report.ports[0].number == port
    assert _routes(report) == routes
    assert any(e.field == "framework" and e.location is not None for e in report.evidence)


def test_an_explicit_fastify_port_beats_the_default():
    files = dict(CASES["fastify"][1])
    files["server.js"] += "fastify.listen({ port: 8081 });\n"
    assert analyzer_of(node.ANALYZER)(files).ports[0].number == 8081


def test_k6_scripts_are_load_generating_workers():
    report = analyzer_of(node.ANALYZER)(
        {
            "scripts/load.js": "import http from 'k6/http';\nimport { sleep } from 'k6';\n"
            "export default function () { http.get('http://web/'); sleep(1); }\n"
        }
    )
    assert report.framework == "k6" and report.app_type == "worker"
    assert not report.routes and not report.ports


def test_a_server_that_also_ships_a_k6_script_stays_an_api():
    files = dict(CASES["koa"][1])
    files["load/test.js"] = "import http from 'k6/http';\n"
    assert analyzer_of(node.ANALYZER)(files).framework == "koa"
