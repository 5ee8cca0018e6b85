"""Python manifests: requirements files, pyproject.toml (PEP 621 and Poetry), Pipfile, setup.cfg,
setup.py, and the interpreter version files (.python-version, runtime.txt).

Broken manifests become diagnostics with file:line.  Must not: open files or raise.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from dorgu.analysis.languages.scanning import (
    is_skipped,
    line_of_token,
    toml_error_line,
    version_from_spec,
)
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Diagnostic, Location
from dorgu.models.patterns import LazyPattern

MANIFEST_NAMES = frozenset(
    {"pyproject.toml", "Pipfile", "setup.cfg", "setup.py", ".python-version", "runtime.txt"}
)
_REQUIREMENTS = LazyPattern(
    r"(?:^|/)(?:requirements[^/]*\.(?:txt|in)|requirements/[^/]+\.(?:txt|in))$"
)
_DEV_FILE = LazyPattern(r"dev|test|lint|doc|ci\b|typing", re.IGNORECASE)
_DEV_GROUPS = frozenset({"dev", "test", "tests", "lint", "docs", "doc", "typing", "testing"})
_REQ_NAME = LazyPattern(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]{0,100})\s*(?:\[([^\]]{0,200})\])?")
_SETUP_REQUIRES = LazyPattern(r"install_requires\s*=\s*\[([^\]]{0,20000})\]")
_SETUP_PYTHON = LazyPattern(r"""python_requires\s*=\s*["']([^"'\n]{1,50})["']""")
_CFG_REQUIRES = LazyPattern(r"^install_requires\s*=[^\n]*\n((?:[ \t]+[^\n]*\n?){0,500})", re.M)
_CFG_PYTHON = LazyPattern(r"^python_requires\s*=\s*([^\n]{1,50})", re.M)
_STRING = LazyPattern(r"""["']([^"'\n]{1,300})["']""")


def is_requirements_file(path: str) -> bool:
    return _REQUIREMENTS.search(path) is not None


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised: lower-case, '-' separated
    extras: tuple[str, ...]
    location: Location


@dataclass
class PythonManifests:
    requirements: list[Requirement] = field(default_factory=list)
    version: tuple[str, Location] | None = None
    build_tool: str | None = None
    poetry: bool = False
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def names(self) -> set[str]:
        return {r.name for r in self.requirements}


def _requirement(spec: str, location: Location) -> Requirement | None:
    match = _REQ_NAME.match(spec)
    if match is None:
        return None
    extras = tuple(e.strip().lower() for e in (match.group(2) or "").split(",") if e.strip())
    return Requirement(normalize_name(match.group(1)), extras, location)


def _read_requirements(path: str, text: str, out: PythonManifests) -> None:
    for number, raw in enumerate(text.splitlines()[:5000], start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement = _requirement(line, Location(file=path, line=number))
        if requirement is not None:
            out.requirements.append(requirement)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _load_toml(path: str, text: str, out: PythonManifests) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        loc = Location(file=path, line=toml_error_line(str(e), text))
        out.diagnostics.append(
            Diagnostic(code="python.manifest.invalid", message=f"invalid TOML: {e}", location=loc)
        )
    except (RecursionError, ValueError) as e:
        out.diagnostics.append(
            Diagnostic(
                code="python.manifest.invalid",
                message=f"unreadable TOML: {type(e).__name__}",
                location=Location(file=path),
            )
        )
    return {}


def _add_specs(path: str, text: str, specs: list[Any], out: PythonManifests) -> None:
    for spec in specs[:2000]:
        if isinstance(spec, str):
            loc = Location(file=path, line=line_of_token(text, spec))
            requirement = _requirement(spec, loc)
            if requirement is not None:
                out.requirements.append(requirement)


def _add_names(path: str, text: str, table: dict[str, Any], out: PythonManifests) -> None:
    for name in list(table)[:2000]:
        if name.lower() != "python":
            loc = Location(file=path, line=line_of_token(text, name))
            out.requirements.append(Requirement(normalize_name(name), (), loc))


def _set_version(out: PythonManifests, spec: Any, path: str, text: str) -> None:
    if out.version is None and isinstance(spec, str):
        version = version_from_spec(spec)
        if version:
            out.version = (version, Location(file=path, line=line_of_token(text, spec)))


def _read_pyproject(path: str, text: str, out: PythonManifests) -> None:
    data = _load_toml(path, text, out)
    project = _as_dict(data.get("project"))
    _add_specs(path, text, _as_list(project.get("dependencies")), out)
    for group, specs in _as_dict(project.get("optional-dependencies")).items():
        if group.lower() not in _DEV_GROUPS:
            _add_specs(path, text, _as_list(specs), out)
    poetry = _as_dict(_as_dict(data.get("tool")).get("poetry"))
    if poetry:
        out.poetry = True
        deps = _as_dict(poetry.get("dependencies"))
        _add_names(path, text, deps, out)
        for group, table in _as_dict(poetry.get("group")).items():
            if group.lower() not in _DEV_GROUPS:
                _add_names(path, text, _as_dict(_as_dict(table).get("dependencies")), out)
        python = deps.get("python")
        _set_version(out, project.get("requires-python") or python, path, text)
    else:
        _set_version(out, project.get("requires-python"), path, text)


def _read_pipfile(path: str, text: str, out: PythonManifests) -> None:
    data = _load_toml(path, text, out)
    _add_names(path, text, _as_dict(data.get("packages")), out)
    requires = _as_dict(data.get("requires"))
    _set_version(
        out, requires.get("python_full_version") or requires.get("python_version"), path, text
    )


def _read_setup_py(path: str, text: str, out: PythonManifests) -> None:
    match = _SETUP_REQUIRES.search(text)
    if match:
        for item in _STRING.finditer(match.group(1)):
            line = text.count("\n", 0, match.start(1) + item.start()) + 1
            requirement = _requirement(item.group(1), Location(file=path, line=line))
            if requirement is not None:
                out.requirements.append(requirement)
    python = _SETUP_PYTHON.search(text)
    if python:
        _set_version(out, python.group(1), path, text)


def _read_setup_cfg(path: str, text: str, out: PythonManifests) -> None:
    match = _CFG_REQUIRES.search(text)
    if match:
        first = text.count("\n", 0, match.start(1)) + 1
        for offset, raw in enumerate(match.group(1).splitlines()):
            requirement = _requirement(raw.strip(), Location(file=path, line=first + offset))
            if requirement is not None and not raw.strip().startswith("#"):
                out.requirements.append(requirement)
    python = _CFG_PYTHON.search(text)
    if python:
        _set_version(out, python.group(1).strip(), path, text)


def _read_version_file(path: str, text: str, out: PythonManifests) -> None:
    """The first non-comment line of .python-version or runtime.txt (``python-3.11.4``)."""
    for number, raw in enumerate(text.splitlines()[:20], start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            version = version_from_spec(line.removeprefix("python-"))
            if version:
                out.version = (version, Location(file=path, line=number))
            return


def read_manifests(tree: SourceTree) -> PythonManifests:
    """Every Python manifest in the tree, shallowest first; version files win over specs."""
    out = PythonManifests()
    version_file: tuple[str, str] | None = None
    by_name = sorted((p for p in tree.paths if not is_skipped(p)), key=lambda p: (p.count("/"), p))
    for path in by_name:
        base = path.rsplit("/", 1)[-1]
        text = tree.texts.get(path)
        if text is None:
            continue
        if base in (".python-version", "runtime.txt"):
            if version_file is None:
                version_file = (path, text)
            continue
        if base == "pyproject.toml":
            _read_pyproject(path, text, out)
        elif base == "Pipfile":
            _read_pipfile(path, text, out)
        elif base == "setup.py":
            _read_setup_py(path, text, out)
        elif base == "setup.cfg":
            _read_setup_cfg(path, text, out)
        elif is_requirements_file(path) and not _DEV_FILE.search(base):
            _read_requirements(path, text, out)
        else:
            continue
        out.files.append(path)
    if version_file is not None:
        spec_version = out.version
        out.version = None
        _read_version_file(*version_file, out)
        out.version = out.version or spec_version
    out.build_tool = _build_tool(tree, out)
    return out


def _build_tool(tree: SourceTree, out: PythonManifests) -> str | None:
    names = {p.rsplit("/", 1)[-1] for p in tree.paths if not is_skipped(p)}
    if "uv.lock" in names:
        return "uv"
    if "poetry.lock" in names or out.poetry:
        return "poetry"
    if "pdm.lock" in names:
        return "pdm"
    if "Pipfile" in names:
        return "pipenv"
    if out.files or any(is_requirements_file(p) for p in tree.paths):
        return "pip"
    return None
