"""Finding the apps in a tree: compose projects, Dockerfiles and language manifests.

Rules (documented in docs/analysis.md):
- A compose file at the analysed root makes the tree one compose project.
- Otherwise every directory with a Dockerfile is an app, and so is every directory with a
  language manifest that is not inside a Dockerfile app.  A manifest directory that contains
  other app directories and is a workspace root (npm/pnpm workspaces, Maven modules, Cargo
  workspace, go.work, Gradle includes, lerna/nx) is not an app itself; nested manifest
  directories without a Dockerfile inside an app are part of that app.
"""

from __future__ import annotations

import posixpath
import re

from dorgu.analysis.sources import SourceTree

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
COMPOSE_OVERRIDES = {
    "compose.yaml": "compose.override.yaml",
    "compose.yml": "compose.override.yml",
    "docker-compose.yaml": "docker-compose.override.yaml",
    "docker-compose.yml": "docker-compose.override.yml",
}
MANIFESTS = frozenset(
    {
        "package.json",
        "go.mod",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "Cargo.toml",
        "Gemfile",
        "composer.json",
        "mix.exs",
        "pyproject.toml",
        "requirements.txt",
        "setup.py",
        "Pipfile",
        "manage.py",
    }
)
_CSPROJ = re.compile(r"\.(cs|fs|vb)proj$")
_WORKSPACE_MARKERS = ("pnpm-workspace.yaml", "lerna.json", "nx.json", "go.work", "turbo.json")


def is_dockerfile(path: str) -> bool:
    base = posixpath.basename(path)
    return (
        base in DOCKERFILE_NAMES or base.startswith("Dockerfile.") or base.endswith(".Dockerfile")
    )


def is_build_file(base: str) -> bool:
    """True for a language manifest / build file name (``go.mod``, ``app.csproj`` ...)."""
    return base in MANIFESTS or bool(_CSPROJ.search(base))


def compose_files(tree: SourceTree) -> list[str]:
    """The compose files docker compose would load at the root: the first base file + its override."""
    for name in COMPOSE_FILES:
        if tree.has(name):
            override = COMPOSE_OVERRIDES[name]
            return [name, override] if tree.has(override) else [name]
    return []


def _dir(path: str) -> str:
    return posixpath.dirname(path) or "."


def _is_inside(child: str, parent: str) -> bool:
    return parent == "." or child.startswith(parent + "/")


def _is_workspace_root(tree: SourceTree, directory: str) -> bool:
    prefix = "" if directory == "." else directory + "/"
    if any(tree.has(prefix + marker) for marker in _WORKSPACE_MARKERS):
        return True
    checks = (
        ("package.json", re.compile(r'"workspaces"\s*:')),
        ("pom.xml", re.compile(r"<modules>")),
        ("Cargo.toml", re.compile(r"^\[workspace\]", re.M)),
        ("settings.gradle", re.compile(r"^\s*include\b", re.M)),
        ("settings.gradle.kts", re.compile(r"^\s*include\b", re.M)),
    )
    for name, pattern in checks:
        text = tree.text(prefix + name)
        if text is not None and pattern.search(text):
            return True
    return False


def find_app_dirs(tree: SourceTree) -> list[str]:
    """App directories (relative, ``.`` for the root), sorted; empty when nothing is recognisable."""
    docker_dirs: set[str] = set()
    manifest_dirs: set[str] = set()
    for path in tree.paths:
        base = posixpath.basename(path)
        if base in DOCKERFILE_NAMES:
            docker_dirs.add(_dir(path))
        elif base in MANIFESTS or _CSPROJ.search(base):
            manifest_dirs.add(_dir(path))
    apps = set(docker_dirs)
    candidates = sorted(manifest_dirs - docker_dirs, key=lambda d: (d.count("/"), d))
    for directory in candidates:
        if any(_is_inside(directory, d) and directory != d for d in docker_dirs):
            continue  # part of a containerised app
        if any(_is_inside(directory, a) and directory != a for a in apps):
            continue  # nested inside an app we already kept
        nested = [
            d for d in docker_dirs | manifest_dirs if d != directory and _is_inside(d, directory)
        ]
        if nested and _is_workspace_root(tree, directory):
            continue
        if nested and any(d in docker_dirs for d in nested):
            continue  # a parent of containerised apps is an umbrella, not an app
        apps.add(directory)
    return sorted(apps, key=lambda d: (d != ".", d))


def dockerfile_in(tree: SourceTree, directory: str) -> str | None:
    prefix = "" if directory == "." else directory + "/"
    for name in DOCKERFILE_NAMES:
        if tree.has(prefix + name):
            return prefix + name
    return None
