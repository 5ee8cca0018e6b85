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
from dataclasses import dataclass

from dorgu.analysis.buildfiles import is_runnable, is_test_path, runnable_build_file
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

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
_CSPROJ = LazyPattern(r"\.(cs|fs|vb)proj$")
_GENERIC_DIRS = frozenset(
    {"src", "source", "sources", "app", "server", "service", "docker", "build", "deploy",
     "deployment", "code", "main", "cmd", "container", "image"}
)  # fmt: skip
_PACKAGING_DIRS = frozenset(
    {"docker", ".docker", "dockerfiles", "build", "deploy", "deployment", "container",
     "containers", "image", "ci", "packaging"}
)  # fmt: skip
MAX_LIFT = 2
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


@dataclass(frozen=True)
class AppDir:
    """An app directory; ``dockerfile`` is set when its Dockerfile sits below it,
    ``build_file`` when a runnable build file without a Dockerfile made it an app."""

    directory: str
    dockerfile: str | None = None
    build_file: str | None = None


def find_app_dirs(tree: SourceTree) -> list[str]:
    """App directories (relative, ``.`` for the root), sorted; empty when nothing is recognisable."""
    return [app.directory for app in find_apps(tree)]


def find_apps(tree: SourceTree) -> list[AppDir]:
    """Apps: every Dockerfile directory (lifted to its service folder when the Dockerfile sits
    in a folder of its own, see ``_service_dir``), then every runnable build-file directory
    (see ``buildfiles.py``) outside them that is not tests or docs.  When nothing is found
    that way, any build-file directory counts (a library is still worth analysing)."""
    docker_files: dict[str, str] = {}
    manifest_dirs: dict[str, set[str]] = {}
    for path in tree.paths:
        base = posixpath.basename(path)
        if base in DOCKERFILE_NAMES:
            docker_files.setdefault(_dir(path), path)
        elif is_build_file(base):
            manifest_dirs.setdefault(_dir(path), set()).add(base)
    apps: dict[str, str | None] = {}
    for directory in sorted(docker_files):
        lifted = _service_dir(directory, manifest_dirs, docker_files)
        if lifted not in apps:
            apps[lifted] = None if lifted == directory else docker_files[directory]
    found = _manifest_apps(tree, apps, manifest_dirs, strict=True)
    if not apps and not found:
        found = _manifest_apps(tree, apps, manifest_dirs, strict=False)
    every = {d: AppDir(d, dockerfile) for d, dockerfile in apps.items()}
    for directory in found:
        names = manifest_dirs[directory]
        build_file = runnable_build_file(tree, directory, names)
        prefix = "" if directory == "." else directory + "/"
        every[directory] = AppDir(directory, build_file=build_file or prefix + min(names))
    return [every[d] for d in sorted(every, key=lambda d: (d != ".", d))]


def _service_dir(
    directory: str, manifest_dirs: dict[str, set[str]], docker_files: dict[str, str]
) -> str:
    """A Dockerfile in a packaging folder without a build file (``svc/docker/Dockerfile``) belongs
    to the nearest enclosing folder (at most ``MAX_LIFT`` levels up) that has one, when no
    other Dockerfile lives under that folder."""
    if directory in manifest_dirs or posixpath.basename(directory).lower() not in _PACKAGING_DIRS:
        return directory
    current = directory
    for _ in range(MAX_LIFT):
        if current == ".":
            return directory
        current = _dir(current)
        if current in manifest_dirs:
            others = [d for d in docker_files if d != directory and _is_inside(d, current)]
            return directory if others else current
    return directory


def _manifest_apps(
    tree: SourceTree,
    docker_apps: dict[str, str | None],
    manifest_dirs: dict[str, set[str]],
    *,
    strict: bool,
) -> list[str]:
    apps: list[str] = []
    candidates = sorted(set(manifest_dirs) - set(docker_apps), key=lambda d: (d.count("/"), d))
    for directory in candidates:
        if strict and (
            is_test_path(directory) or not is_runnable(tree, directory, manifest_dirs[directory])
        ):
            continue  # a library, tests or docs: not a service, and it swallows nothing
        if any(_is_inside(directory, d) for d in docker_apps):
            continue  # part of a containerised app
        if any(_is_inside(directory, a) for a in apps):
            continue  # nested inside an app we already kept
        nested = [
            d for d in [*docker_apps, *manifest_dirs] if d != directory and _is_inside(d, directory)
        ]
        if nested and _is_workspace_root(tree, directory):
            continue
        if nested and any(d in docker_apps for d in nested):
            continue  # a parent of containerised apps is an umbrella, not an app
        apps.append(directory)
    return apps


def discovery_evidence(app: AppDir, name: str) -> list[Evidence]:
    """Why a directory without a Dockerfile of its own is an app."""
    if app.dockerfile is not None:
        detail, rule, file = (
            f"its Dockerfile sits in the packaging folder {_dir(app.dockerfile)}",
            "discovery.dockerfile-below",
            app.dockerfile,
        )
    elif app.build_file is not None:
        detail, rule, file = (
            f"{posixpath.basename(app.build_file)} describes a runnable app (no Dockerfile)",
            "discovery.build-file",
            app.build_file,
        )
    else:
        return []
    return [
        Evidence(
            field=f"components.{name}.path",
            value=app.directory,
            rule=rule,
            location=Location(file=file),
            confidence=0.8,
            detail=detail,
        )
    ]


def service_name(directory: str, fallback: str) -> str:
    """The name of the app in ``directory``: its folder name, skipping generic folder names
    (``src/cart/src`` -> ``cart``); ``fallback`` for the root or only generic names."""
    for part in reversed([p for p in directory.split("/") if p not in ("", ".")]):
        if part.lower() not in _GENERIC_DIRS:
            return part
    return fallback


def dockerfile_in(tree: SourceTree, directory: str) -> str | None:
    prefix = "" if directory == "." else directory + "/"
    for name in DOCKERFILE_NAMES:
        if tree.has(prefix + name):
            return prefix + name
    return None
