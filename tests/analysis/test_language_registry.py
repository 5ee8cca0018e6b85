"""The lazy language registry: an analyser is imported only when a tree has a file that may
concern it, and ``concerns`` never hides a file the real analyser wants or detects."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from dorgu.analysis.languages.registry import ANALYZERS, LazyAnalyzer
from dorgu.analysis.sources import SourceTree

ROOT = Path(__file__).resolve().parents[2]
_SKIPPED_PARTS = {".git", "__pycache__", "node_modules", ".venv", "golden"}

# Names and endings every ecosystem reads (beyond what the repository's files show).
_VOCABULARY = (
    "app.py", "manage.py", "settings.py", "requirements.txt", "requirements-dev.in",
    "requirements/base.txt", "requirements/prod.in", "pyproject.toml", "Pipfile", "setup.cfg",
    "setup.py", ".python-version", "runtime.txt", "Procfile", "entrypoint.sh", "gunicorn.conf.py",
    "package.json", ".nvmrc", ".node-version", "prisma/schema.prisma", "db.prisma",
    "ormconfig.json", "src/index.ts", "server.mjs", "lib/a.cjs", "App.tsx", "x.mts", "x.cts",
    "go.mod", "go.work", "cmd/api/main.go", "Gemfile", "gems.rb", ".ruby-version", "config.ru",
    "config/database.yml", "lib/tasks/x.rake", "app.rb", "composer.json", ".env.example",
    ".env.dist", ".rr.yaml", "docker/www.conf", "zz-docker.conf", "php-fpm.conf",
    "docker.conf", "config/routes/api.yaml", "config/packages/framework.yml", "public/index.php",
    "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
    "src/main/java/A.java", "src/main/kotlin/A.kt", "src/main/resources/application.properties",
    "application-prod.yml", "application-k8s.yaml", "Api.csproj", "Lib.fsproj", "All.sln",
    "Program.cs", "Properties/launchSettings.json", "appsettings.json",
    "appsettings.Production.json", "AppSettings.Development.json", "Cargo.toml",
    "rust-toolchain", "rust-toolchain.toml", "src/main.rs", "mix.exs", "lib/app/router.ex",
    "config/runtime.exs", "README.md", "docker-compose.yml", "Dockerfile", "nginx.conf",
    "service.proto", "main.c", "index.html", "k8s/applicationpersona.yaml", "application.yml",
)  # fmt: skip


def _repository_paths() -> list[str]:
    found = []
    for base in (ROOT / "examples", ROOT / "tests"):
        for path in base.rglob("*"):
            if path.is_file() and not _SKIPPED_PARTS.intersection(path.parts):
                found.append(path.relative_to(base).as_posix())
    return sorted(set(found))


PATHS = sorted({*_repository_paths(), *_VOCABULARY})


@pytest.mark.parametrize("entry", ANALYZERS, ids=lambda e: e.name)
def test_concerns_covers_every_file_the_analyser_wants_or_detects(entry: LazyAnalyzer) -> None:
    real = entry.load()
    hidden = [p for p in PATHS if real.wants(p) and not entry.concerns(p)]
    assert not hidden, f"add these to the {entry.name!r} entry in registry.py: {hidden[:10]}"
    for path in PATHS:
        if real.detect(SourceTree(paths=(path,))):
            assert entry.concerns(path), f"{entry.name} detects {path}: list it in registry.py"


def test_each_analyser_keeps_its_name_and_order() -> None:
    assert [e.name for e in ANALYZERS] == [e.load().name for e in ANALYZERS]


def test_a_python_tree_imports_only_the_python_analyser(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (app / "requirements.txt").write_text("flask\n")
    probe = (
        "import sys\n"
        "from dorgu.services.analyzing import analyze_path\n"
        f"model = analyze_path(__import__('pathlib').Path({str(app)!r}))\n"
        "print(model.components[0].language)\n"
        "print(sorted(m for m in sys.modules if m.startswith('dorgu.analysis.languages.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "python"
    loaded = {m.rsplit(".", 1)[-1] for m in ast.literal_eval(out[1])}
    for other in ("node", "golang", "ruby", "php", "jvm", "dotnet", "rust", "elixir"):
        assert other not in loaded


def test_generated_output_does_not_pull_in_other_analysers() -> None:
    jvm = next(e for e in ANALYZERS if e.name == "jvm")
    assert not jvm.concerns("k8s/applicationpersona.yaml")
    assert jvm.concerns("src/main/resources/application-prod.yml")
