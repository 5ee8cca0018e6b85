"""`dorgu generate` on a one-service app loads only what that app needs (issue 10, section 11):
code for compose files, web server configs, JVM/.NET config files, node front ends, build
plugins, .gitignore matching and the LLM redactor stays unimported until a tree has such a file.
Timing is measured by `scripts/bench startup`; these tests pin the mechanism."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

_NOT_NEEDED = (
    "dorgu.analysis.compose",  # no compose file
    "dorgu.analysis.servers.reading",  # no stock web server
    "dorgu.analysis.servers.nginx",
    "dorgu.analysis.servers.caddy",
    "dorgu.analysis.servers.mounting",
    "dorgu.analysis.languages.jvm_config",  # no application.properties
    "dorgu.analysis.languages.dotnet_settings",  # no appsettings.json
    "dorgu.analysis.languages.node_facts",  # no node front end
    "dorgu.analysis.producing",  # build plugins matter only for compose images
    "dorgu.llm",  # no provider, no mounted file to redact
    "pathspec",  # no .gitignore
    "xml.etree.ElementTree",
)


def _loaded_after_generate(app: Path) -> set[str]:
    probe = (
        "import sys\n"
        "from dorgu.cli.main import cli\n"
        "try:\n"
        f"    cli.main(['generate', {str(app)!r}, '--stdout'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(repr(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))


def _copy(name: str, tmp_path: Path) -> Path:
    app = tmp_path / name
    shutil.copytree(EXAMPLES / name, app)
    assert not (app / ".gitignore").exists()
    return app


def test_a_one_service_python_app_leaves_unneeded_analysers_unimported(tmp_path: Path) -> None:
    loaded = _loaded_after_generate(_copy("python-fastapi", tmp_path))
    assert "dorgu.analysis.languages.python" in loaded  # the probe really generated
    assert sorted(m for m in _NOT_NEEDED if m in loaded) == []


def test_a_one_service_go_app_leaves_unneeded_analysers_unimported(tmp_path: Path) -> None:
    loaded = _loaded_after_generate(_copy("go-nethttp", tmp_path))
    assert "dorgu.analysis.languages.golang" in loaded
    assert sorted(m for m in _NOT_NEEDED if m in loaded) == []


def test_a_compose_app_with_a_gitignore_still_loads_what_it_needs(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    (app / ".gitignore").write_text("*.log\n")
    (app / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n"
    )
    (app / ".env").write_text("APP_MODE=prod\n")
    loaded = _loaded_after_generate(app)
    assert {"dorgu.analysis.compose", "pathspec", "dorgu.analysis.servers.reading"} <= loaded
