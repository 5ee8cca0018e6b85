"""Falcon, Bottle, Tornado, Litestar, Sanic defaults and Locust load generators."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.python import ANALYZER
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


def _ports(report):
    return [(p.number, p.purpose) for p in report.ports]


def test_falcon_routes_come_from_resource_responders():
    report = _analyze(
        {
            "requirements.txt": "falcon==3.1\ngunicorn\n",
            "app.py": (
                "import falcon\nfrom wsgiref.simple_server import make_server\n"
                "class Things:\n    def on_get(self, req, resp): pass\n"
                "    def on_post(self, req, resp): pass\n"
                "class Health:\n    def on_get(self, req, resp): pass\n"
                "app = falcon.App()\napp.add_route('/things/{thing_id}', Things())\n"
                "app.add_route('/healthz', Health())\n"
                "with make_server('', 8001, app) as httpd:\n    httpd.serve_forever()\n"
            ),
        }
    )
    assert report.framework == "falcon" and report.app_type == "api"
    assert _routes(report) == {
        ("GET", "/things/{thing_id}"),
        ("POST", "/things/{thing_id}"),
        ("GET", "/healthz"),
    }
    assert _ports(report) == [(8001, "http")]
    assert any(e.path == "/healthz" for e in report.endpoints)


def test_bottle_routes_params_and_default_port():
    report = _analyze(
        {
            "server.py": (
                "from bottle import route, get, run, Bottle\n"
                "@route('/hello/<name>')\ndef hello(name): pass\n"
                "@route('/items', method='POST')\ndef add(): pass\n"
                "@get('/items/<item_id:int>')\ndef item(item_id): pass\n"
                "run(host='0.0.0.0')\n"
            )
        }
    )
    assert report.framework == "bottle"
    assert _routes(report) == {
        ("GET", "/hello/{name}"),
        ("POST", "/items"),
        ("GET", "/items/{item_id}"),
    }
    assert _ports(report) == [(8080, "http")]


def test_tornado_handlers_regex_paths_and_listen_port():
    report = _analyze(
        {
            "requirements.txt": "tornado==6.4\n",
            "main.py": (
                "import tornado.ioloop\nimport tornado.web\n"
                "class MainHandler(tornado.web.RequestHandler):\n"
                "    def get(self): pass\n"
                "class ItemHandler(tornado.web.RequestHandler):\n"
                "    async def get(self, item_id): pass\n"
                "    def delete(self, item_id): pass\n"
                "def make_app():\n    return tornado.web.Application([\n"
                '        (r"/", MainHandler),\n        (r"/items/([0-9]+)", ItemHandler),\n    ])\n'
                "app = make_app()\napp.listen(8888)\n"
            ),
        }
    )
    assert report.framework == "tornado"
    assert _routes(report) == {
        ("GET", "/"),
        ("GET", "/items/{param1}"),
        ("DELETE", "/items/{param1}"),
    }
    assert _ports(report) == [(8888, "http")]


def test_litestar_handlers_and_controller_paths():
    report = _analyze(
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["litestar[standard]"]\n',
            "app.py": (
                "from litestar import Litestar, Controller, get, post\n"
                '@get("/health")\nasync def health() -> dict: ...\n'
                "class Orders(Controller):\n"
                '    path = "/orders"\n'
                '    @get("/{order_id:int}")\n    async def one(self, order_id: int) -> dict: ...\n'
                "    @post()\n    async def create(self) -> dict: ...\n"
                "app = Litestar(route_handlers=[health, Orders])\n"
            ),
        }
    )
    assert report.framework == "litestar"
    assert ("GET", "/orders/{order_id}") in _routes(report)
    assert ("GET", "/health") in _routes(report)


def test_sanic_gets_its_default_port_when_run_without_one():
    report = _analyze(
        {"server.py": "from sanic import Sanic\napp = Sanic('svc')\napp.run(host='0.0.0.0')\n"}
    )
    assert report.framework == "sanic"
    assert _ports(report) == [(8000, "http")]


def test_locust_is_a_worker_with_its_web_ui_port_never_an_api():
    report = _analyze(
        {
            "requirements.txt": "locust==2.29\n",
            "locustfile.py": (
                "from locust import HttpUser, task, between\n"
                "class Shopper(HttpUser):\n    wait_time = between(1, 3)\n"
                "    @task\n    def browse(self):\n        self.client.get('/api/products')\n"
            ),
        }
    )
    assert report.framework == "locust"
    assert report.app_type == "worker"
    assert _ports(report) == [(8089, "http")]
    assert not report.routes


@settings(max_examples=60, deadline=None)
@given(
    hostile_files(
        ["app.py", "main.py", "requirements.txt"],
        st.sampled_from(
            [
                "from bottle import route\n",
                "@route(",
                "@get(",
                "'/x/<a:int>'",
                "falcon.App()",
                ".add_route(",
                "class H:\n    def on_get(self):",
                "import tornado\n",
                '(r"/(a)(b", H)',
                ".listen(",
                "define('port', default=",
                "run(",
                "port=",
                "from litestar import get\n",
                "Controller",
                "path = '",
                "make_server('', ",
            ]
        ),
        max_files=3,
    )
)
def test_light_frameworks_never_crash_on_junk(files):
    _analyze(files)
