"""Finding and running the external checkers the tests judge dorgu's output with (kubeconform,
actionlint, promtool, from the testbed cache, else PATH).

A missing binary fails the test in CI (``CI=true``) and skips it elsewhere.  Binaries are
looked up at import time, before fixtures patch HOME (the cache lives under it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest


def _find(name: str) -> Path | None:
    from dorgu.devcluster import building, locations
    from dorgu.errors import DorguError

    try:
        found = building.find_binaries(env=locations.current_env())
    except DorguError:
        found = None
    path = found.path(name) if found is not None else None
    if path is not None:
        return path
    on_path = shutil.which(name)
    return Path(on_path) if on_path else None


KUBECONFORM = _find("kubeconform")
ACTIONLINT = _find("actionlint")
PROMTOOL = _find("promtool")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(binary: Path | None, name: str) -> Path:
    """``binary``, or fail (CI) / skip (elsewhere) naming how to get it."""
    if binary is None:
        message = f"{name} is neither in the testbed cache nor on PATH (run 'dorgu dev build')"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return binary


def write_kubeconform_schemas(directory: Path, *, crds: Sequence[Mapping[str, object]] = ()) -> str:
    """Standalone strict schemas from dorgu's bundle (generated offline from the testbed's own
    OpenAPI by scripts/update-k8s-schemas), plus those of ``crds``; returns the
    ``-schema-location`` template."""
    from dorgu.devcluster import versions
    from dorgu.rules.schemas import KUBECONFORM_PATH, export_crd, export_schemas
    from dorgu.services.schemas import load_schema_bundle

    bundle = load_schema_bundle(versions.KUBERNETES)
    directory.mkdir(parents=True, exist_ok=True)
    schemas = export_schemas(bundle)
    for crd in crds:
        schemas.update(export_crd(crd))
    for name, schema in schemas.items():
        (directory / name).write_text(json.dumps(schema, sort_keys=True), encoding="utf-8")
    return str(directory / KUBECONFORM_PATH)


def kubeconform(
    files: Sequence[Path], *, schema_location: str, skip: Sequence[str] = ()
) -> list[dict[str, object]]:
    """kubeconform ``-strict`` on ``files``: one JSON entry per object that is not valid
    (statusInvalid, statusError); missing schemas are errors too."""
    binary = require(KUBECONFORM, "kubeconform")
    argv = [
        str(binary),
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        _kubernetes_minor(),
        "-schema-location",
        schema_location,
    ]
    if skip:
        argv += ["-skip", ",".join(skip)]
    done = subprocess.run(
        [*argv, *map(str, files)], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode not in (0, 1):
        raise AssertionError(f"kubeconform failed ({done.returncode}): {done.stderr}")
    report = json.loads(done.stdout)
    resources = report.get("resources") or []
    return [r for r in resources if r.get("status") not in ("statusValid", "statusSkipped")]


def _kubernetes_minor() -> str:
    from dorgu.devcluster import versions

    return ".".join(versions.KUBERNETES.removeprefix("v").split(".")[:2]) + ".0"


def actionlint(files: Sequence[Path], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on workflow ``files`` (shellcheck/pyflakes integrations off: they are not
    part of the testbed, and their absence must not change the verdict)."""
    binary = require(ACTIONLINT, "actionlint")
    return subprocess.run(
        [str(binary), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
