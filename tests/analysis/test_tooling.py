"""Compose services that run tools from stock images: load generators are workers, development
servers on stock runtimes get their bind-mounted code analysed and a development-mode note."""

from __future__ import annotations

import json

import pytest

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.catalog import tool_for_image
from dorgu.analysis.load_runs import finite_run
from dorgu.analysis.sources import SourceTree
from dorgu.analysis.tooling import dev_server_of
from dorgu.models.app import AppType, ComponentKind, FrontendMode


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("locustio/locust:2.31", ("locust", "load-generator")),
        ("grafana/k6:0.54.0", ("k6", "load-generator")),
        ("loadimpact/k6", ("k6", "load-generator")),
        ("docker.io/library/node:20-alpine", ("node", "runtime")),
        ("python:3.12-slim@sha256:abc", ("python", "runtime")),
        ("mcr.microsoft.com/dotnet/sdk:8.0", ("dotnet", "runtime")),
        ("acme/sdk:1", None),
        ("nginx:1.27", None),
        ("postgres:16", None),
        ("", None),
    ],
)
def test_tool_images_come_from_the_catalogue(image, expected):
    tool = tool_for_image(image)
    assert (None if tool is None else (tool.tool, tool.role)) == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("flask run --debug --host 0.0.0.0", "flask run"),
        ("python -m flask --app shop run", "flask run"),
        ("pip install -r r.txt && flask --debug run", "flask run"),
        ("uvicorn main:app --host 0.0.0.0 --reload", "uvicorn --reload"),
        ("python manage.py runserver 0.0.0.0:8000", "django runserver"),
        ("npx nodemon src/index.js", "nodemon"),
        ("npm run dev -- --host", "npm run dev"),
        ("yarn dev", "npm run dev"),
        ("npx vite --host", "vite"),
        ("ng serve --host 0.0.0.0", "ng serve"),
        ("dotnet watch run", "dotnet watch"),
        ("./mvnw spring-boot:run", "spring-boot:run"),
        # production commands
        ("uvicorn main:app --host 0.0.0.0", None),
        ("gunicorn -b 0.0.0.0:8000 app:app", None),
        ("node server.js", None),
        ("npx vite build", None),
        ("npm run build && npx serve -s dist", None),
        ("", None),
    ],
)
def test_development_servers(command, expected):
    assert dev_server_of(command.split()) == expected


def _analyze(files: dict[str, str]):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    return analyze_tree(tree, name="shop", root=".")


API = {
    "api/app.py": "from flask import Flask\napp = Flask(__name__)\n"
    "@app.get('/health')\ndef health():\n    return 'ok'\n",
    "api/requirements.txt": "flask==3.0\n",
}
WEB = {
    "web/package.json": json.dumps(
        {
            "scripts": {"dev": "vite"},
            "dependencies": {"react-dom": "18"},
            "devDependencies": {"vite": "5"},
        }
    ),
    "web/src/main.jsx": "import React from 'react'\n",
}
STACK = """\
services:
  api:
    image: python:3.12-slim
    working_dir: /code
    volumes: ["./api:/code"]
    command: sh -c "pip install -r requirements.txt && flask run --debug --host 0.0.0.0"
    ports: ["5000:5000"]
  web:
    image: node:20
    working_dir: /app
    volumes: ["./web:/app", "/app/node_modules", "webcache:/cache"]
    command: npm run dev -- --host
    ports: ["5173:5173"]
  locust:
    image: locustio/locust
    ports: ["8089:8089"]
    volumes: ["./loadtest:/mnt/locust"]
    command: -f /mnt/locust/locustfile.py
  k6:
    image: grafana/k6
    command: run --vus 10 /scripts/load.js
volumes:
  webcache: {}
"""


def test_a_stock_runtime_with_mounted_code_is_analysed_as_that_code():
    model = _analyze(
        {"compose.yaml": STACK, **API, **WEB, "loadtest/locustfile.py": "import locust\n"}
    )
    api = model.component("api")
    assert api.kind is ComponentKind.APP and api.path == "api"
    assert (api.language, api.framework) == ("python", "flask")
    assert api.image is None and api.base_image == "python:3.12-slim"
    assert api.volumes == ()  # the built image holds the code
    assert api.dev_server == "flask run"
    why = next(e for e in model.evidence if e.field == "components.api.kind")
    assert why.rule == "compose.bind-source.workdir" and "api" in why.value
    web = model.component("web")
    assert web.frontend is not None and web.frontend.mode is FrontendMode.DEV
    assert [v.target for v in web.volumes] == ["/cache"]  # node_modules went with the mount
    codes = {d.code for d in model.diagnostics}
    assert {"analysis.dev-server", "frontend.dev-server"} <= codes


def test_load_generators_from_stock_images_are_workers():
    model = _analyze({"compose.yaml": STACK, **API, **WEB})
    for name, tool in (("locust", "locust"), ("k6", "k6")):
        component = model.component(name)
        assert component.type is AppType.WORKER and component.framework == tool
        assert component.kind is ComponentKind.IMAGE
    assert [e.path for e in model.component("locust").endpoints] == ["/"]
    assert model.component("k6").endpoints == ()


def test_a_headless_locust_has_no_ui_probe():
    compose = (
        "services:\n  locust:\n    image: locustio/locust\n    ports: ['8089:8089']\n"
        "    command: --headless -u 10 -f /l.py\n"
    )
    assert _analyze({"compose.yaml": compose}).component("locust").endpoints == ()


def test_a_dockerfile_built_app_running_a_dev_server_is_noted():
    files = {
        **API,
        "api/Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["flask", "run", "--debug"]\n',
    }
    model = _analyze(files)
    assert model.component("api").dev_server == "flask run"


HOSTILE = {
    "outside the repository": ("../elsewhere:/app", "compose.bind-source-outside"),
    "a single file": ("./api/app.py:/app/app.py", None),
    "a missing folder": ("./nothing:/app", None),
    "the repository root": (".:/app", None),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_mounts_never_crash(case):
    mount, code = HOSTILE[case]
    compose = (
        "services:\n  dev:\n    image: python:3.12\n    working_dir: /app\n"
        f"    volumes: ['{mount}']\n    command: sh -c \"flask run --debug 'unterminated\"\n"
    )
    model = _analyze({"compose.yaml": compose, **API})
    dev = model.component("dev")
    if code is not None:
        assert code in {d.code for d in model.diagnostics}
        assert dev.kind is ComponentKind.IMAGE
    if case == "the repository root":
        assert dev.kind is ComponentKind.APP and dev.path == "."


def test_many_mounts_are_bounded():
    volumes = ", ".join(f"'./api:/m{i}'" for i in range(500))
    compose = (
        f"services:\n  dev:\n    image: node:20\n    volumes: [{volumes}]\n    command: node x.js\n"
    )
    model = _analyze({"compose.yaml": compose, **API})
    assert model.component("dev") is not None


@pytest.mark.parametrize(
    ("tool", "command", "finite"),
    [
        ("k6", "run --vus 10 /scripts/load.js", True),
        ("k6", "k6 run /s.js", True),
        ("k6", "/usr/bin/k6 run /s.js", True),
        ("k6", "", False),  # k6 alone prints help
        ("k6", "version", False),
        ("locust", "--headless -u 10 -t 5m -f /l.py", True),
        ("locust", "--headless --run-time=30s -f /l.py", True),
        ("locust", "--headless -f /l.py", False),  # runs until stopped
        ("locust", "-f /l.py -t 5m", False),  # web UI: serves until stopped
        ("locust", "--headless -t", False),  # a flag without a value
        ("jmeter", "-n -t plan.jmx -l out.jtl", True),
        ("jmeter", "-t plan.jmx", False),
        ("vegeta", "attack -duration=30s -rate=50", True),
        ("vegeta", "attack -duration 1m", True),
        ("vegeta", "attack -duration=0", False),  # attacks forever
        ("vegeta", "attack -duration=0s", False),
        ("vegeta", "report", False),
        ("vegeta", "-duration=30s", False),  # not an attack
    ],
)
def test_a_load_generator_that_runs_to_completion_is_told_apart(tool, command, finite):
    assert (finite_run(tool, command.split()) is not None) is finite


def test_finite_run_is_bounded_on_hostile_commands():
    words = ["--headless"] * 100_000 + ["-t", "5m"]
    assert finite_run("locust", words) is None  # the run time is past the bound: not read
    assert finite_run("k6", ["\x00run", "\udcff"]) is None


def test_a_finishing_load_generator_runs_once_and_is_never_exposed():
    compose = (
        "services:\n"
        "  k6:\n    image: grafana/k6\n    command: run /scripts/load.js\n"
        "  soak:\n    image: locustio/locust\n    ports: ['8089:8089']\n"
        "    command: --headless -t 10m -f /l.py\n"
        "  ui:\n    image: locustio/locust\n    ports: ['8089:8089']\n    command: -f /l.py\n"
        "  attack:\n    image: peterevans/vegeta\n"
        "    entrypoint: ['sh', '-c', 'vegeta attack -duration=30s < t.txt | vegeta report']\n"
    )
    model = _analyze({"compose.yaml": compose})
    for name in ("k6", "soak", "attack"):
        component = model.component(name)
        assert component.run_once is True and component.type is AppType.WORKER, name
        assert component.endpoints == ()
        why = next(e for e in model.evidence if e.field == f"components.{name}.run_once")
        assert why.rule == "catalog.load-generator.finite" and why.location is not None
    ui = model.component("ui")
    assert not ui.run_once and [e.path for e in ui.endpoints] == ["/"]
