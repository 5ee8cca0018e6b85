"""`dorgu recommend --patch FORMAT DIR`: the recommendations as reviewable GitOps files.

- ``kustomize``: one strategic-merge patch per workload (``NAMESPACE/KIND-NAME.yaml``; a CPU
  limit the recommendation drops is written as ``null``, which removes it) and a
  ``kustomization.yaml`` listing them;
- ``helm-values``: ``NAMESPACE/NAME.values.yaml`` with ``resources:`` (one container) or
  ``containers.NAME.resources`` (several), to merge into the chart's values;
- ``persona``: ``NAMESPACE/NAME.persona.yaml``, the ApplicationPersona's ``spec.resources``
  for the workload's main container (the one named like it, else the first).

Only containers whose recommendation differs from what they have are written.  All files are
rendered before any is written; an existing different file is an ``OutputError`` unless
``force``.  Never touches the cluster.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from dorgu.errors import OutputError

FORMATS = ("kustomize", "helm-values", "persona")
HEADER = "# dorgu recommend ({strategy}, {window}): review before merging\n"
_CONTAINER_PATHS = {"CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}
_DEFAULT_PATH = ("spec", "template", "spec")

Record = Mapping[str, object]


def _changed(record: Record) -> bool:
    return record.get("current") != record.get("recommended")


def _resources(record: Record, *, drop_nulls: bool) -> dict[str, dict[str, str | None]]:
    recommended = record["recommended"]
    assert isinstance(recommended, dict)
    current = record["current"]
    assert isinstance(current, dict)
    out: dict[str, dict[str, str | None]] = {}
    for part in ("requests", "limits"):
        values = dict(recommended[part])
        for name, value in list(values.items()):
            if value is None and (drop_nulls or current[part].get(name) is None):
                del values[name]
        if values:
            out[part] = values
    return out


def _nest(path: Sequence[str], leaf: object) -> dict[str, object]:
    node: object = leaf
    for key in reversed(path):
        node = {key: node}
    assert isinstance(node, dict)
    return node


def _dump(document: object, record: Record) -> str:
    header = HEADER.format(strategy=record["strategy"], window=record["window"])
    return header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def render_patches(records: Sequence[Record], fmt: str) -> dict[str, str]:
    """Relative path -> text, deterministic."""
    by_workload: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        if _changed(record):
            key = (str(record["namespace"]), str(record["kind"]), str(record["name"]))
            by_workload.setdefault(key, []).append(record)
    files: dict[str, str] = {}
    for (namespace, kind, name), group in sorted(by_workload.items()):
        group = sorted(group, key=lambda r: str(r["container"]))
        if fmt == "kustomize":
            containers = [
                {"name": r["container"], "resources": _resources(r, drop_nulls=False)}
                for r in group
            ]
            api = "batch/v1" if kind == "CronJob" else "apps/v1"
            document = {
                "apiVersion": api,
                "kind": kind,
                "metadata": {"name": name, "namespace": namespace},
                **_nest(_CONTAINER_PATHS.get(kind, _DEFAULT_PATH)[:], {"containers": containers}),
            }
            files[f"{namespace}/{kind.lower()}-{name}.yaml"] = _dump(document, group[0])
        elif fmt == "helm-values":
            if len(group) == 1:
                values: object = {"resources": _resources(group[0], drop_nulls=True)}
            else:
                values = {
                    "containers": {
                        str(r["container"]): {"resources": _resources(r, drop_nulls=True)}
                        for r in group
                    }
                }
            files[f"{namespace}/{name}.values.yaml"] = _dump(values, group[0])
        elif fmt == "persona":
            main = next((r for r in group if r["container"] == name), group[0])
            document = {
                "apiVersion": "dorgu.io/v1",
                "kind": "ApplicationPersona",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"resources": _resources(main, drop_nulls=True)},
            }
            files[f"{namespace}/{name}.persona.yaml"] = _dump(document, main)
        else:
            raise ValueError(f"unknown patch format {fmt!r}")
    if fmt == "kustomize" and files:
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "patches": [{"path": path} for path in sorted(files)],
        }
        files["kustomization.yaml"] = yaml.safe_dump(kustomization, sort_keys=False)
    return files


def write_patches(files: Mapping[str, str], directory: Path, *, force: bool = False) -> list[Path]:
    """Write ``files`` under ``directory`` (created when its parent exists); checks every
    target before writing.  Files get the usual mode (0666 less the umask)."""
    if not directory.is_dir() and not directory.parent.is_dir():
        raise OutputError(
            f"{directory}: its parent directory {directory.parent} does not exist",
            hint="create it first, or give an existing directory",
        )
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory}: exists and is not a directory")
    mode = _file_mode()
    targets = {directory / relative: text for relative, text in files.items()}
    for target, text in targets.items():
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise OutputError(f"{target}: exists and is not a regular file")
        if target.exists() and not force and target.read_text(encoding="utf-8") != text:
            raise OutputError(
                f"{target} exists with other content", hint="review it, or pass --force"
            )
    written = []
    try:
        for target, text in sorted(targets.items()):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".dorgu-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, mode)
            os.replace(temporary, target)
            written.append(target)
    except OSError as error:
        raise OutputError(
            f"cannot write {error.filename or directory}: {error.strerror}"
        ) from error
    return written


def _file_mode() -> int:
    """0666 less the process umask (``mkstemp`` creates files 0600)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
