"""A port whose value compose interpolated from ``.env`` is credited to the ``.env`` line as
well as the compose line; the caller's environment, defaults and unset variables are not."""

from __future__ import annotations

from dorgu.analysis.analyzing import AnalysisOptions, analyze_tree
from dorgu.analysis.compose import parse_compose
from dorgu.analysis.sources import SourceTree

APP = {
    "api/Dockerfile": "FROM python:3.12-slim\nCOPY app.py .\nCMD python app.py\n",
    "api/requirements.txt": "flask==3.0\n",
    "api/app.py": (
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
        "@app.get('/health')\ndef health():\n    return 'ok'\n"
        "app.run(host='0.0.0.0', port=int(os.environ.get('PORT', 5000)))\n"
    ),
}
COMPOSE = "services:\n  api:\n    build: ./api\n    environment:\n      PORT: ${API_PORT}\n"


def _analyze(files: dict[str, str], environment: dict[str, str] | None = None):
    files = {**APP, **files}
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    options = AnalysisOptions(environment=environment or {})
    return analyze_tree(tree, name="app", root=".", options=options)


def _credits(model) -> list[tuple[str, str, str, int | None]]:
    return [
        (e.field, e.value, e.location.file, e.location.line)
        for e in model.evidence
        if e.rule == "compose.interpolated" and e.location is not None
    ]


def test_a_listen_port_from_dotenv_is_credited_to_the_dotenv_line():
    model = _analyze({"compose.yaml": COMPOSE, ".env": "# ports\nAPI_PORT=8081\n"})
    assert [p.number for p in model.component("api").ports] == [8081]
    assert _credits(model) == [("components.api.ports", "8081", ".env", 2)]
    credit = next(e for e in model.evidence if e.rule == "compose.interpolated")
    assert credit.detail is not None and "API_PORT" in credit.detail
    assert "compose.yaml:5" in credit.detail
    # the compose line keeps its own evidence
    assert any(
        e.field == "components.api.ports" and e.location and e.location.file == "compose.yaml"
        for e in model.evidence
        if e.rule != "compose.interpolated"
    )


def test_a_published_port_from_dotenv_is_credited_too():
    compose = (
        "services:\n  api:\n    build: ./api\n    ports:\n      - '${HOST_PORT}:${API_PORT}'\n"
    )
    model = _analyze({"compose.yaml": compose, ".env": "HOST_PORT=9000\nAPI_PORT=5000\n"})
    credited = {(f, v, line) for f, v, _, line in _credits(model)}
    assert {line for _, _, line in credited} == {1, 2}


def test_the_callers_environment_wins_and_is_not_credited_to_dotenv():
    model = _analyze(
        {"compose.yaml": COMPOSE, ".env": "API_PORT=8081\n"}, environment={"API_PORT": "7000"}
    )
    assert [p.number for p in model.component("api").ports] == [7000]
    assert _credits(model) == []


def test_defaults_unset_and_cyclic_variables_are_not_credited_and_do_not_crash():
    compose = (
        "services:\n  api:\n    build: ./api\n    environment:\n"
        "      PORT: ${MISSING:-6000}\n      OTHER: ${LOOP}\n      EMPTY: ${NOPE}\n"
    )
    dotenv = "LOOP=${LOOP2}\nLOOP2=${LOOP}\n"
    model = _analyze({"compose.yaml": compose, ".env": dotenv})
    assert [p.number for p in model.component("api").ports] == [6000]
    assert _credits(model) == []
    assert "compose.unset-variable" in {d.code for d in model.diagnostics}


def test_secret_variables_are_recorded_by_name_only():
    compose = "services:\n  api:\n    image: acme/api\n    environment:\n      DB_PASSWORD: ${PW}\n"
    project = parse_compose([("compose.yaml", compose)], texts={".env": "PW=hunter2-very-secret\n"})
    (used,) = project.interpolations
    assert used.variable == "PW" and used.set_at.file == ".env" and used.set_at.line == 1
    assert "hunter2" not in repr(project.interpolations)


def test_recording_is_bounded():
    lines = "".join(f"      V{i}: ${{X}}\n" for i in range(3000))
    compose = "services:\n  api:\n    image: acme/api\n    environment:\n" + lines
    project = parse_compose([("compose.yaml", compose)], texts={".env": "X=1\n"})
    assert 0 < len(project.interpolations) <= 10_000
