"""``dorgu sync``: the repository's view of an app and the cluster's, reconciled on request.

- pull (cluster -> repository): the live persona's spec (what ``persona pull`` maps) and, with
  learned baselines, right-sized resources for the main container (CPU request = p95 usage,
  memory request = limit = peak + 15 %, KRR's simple rule), merged into the app's existing
  ``.dorgu.yaml`` (keys the persona cannot hold are kept), shown as a unified diff;
- push (repository -> cluster): the persona built from the repository, server-side applied
  (``persona apply``), conflicts reported, never forced unless asked;
- neither: both diffs, and what else the cluster knows (Argo CD state, the last rollback, the
  learning window), changing nothing.

Must not print or prompt.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dorgu.clients import APPLICATION_PERSONAS, KubeClient
from dorgu.errors import UsageError
from dorgu.learning.rightsizing import parse_quantity
from dorgu.learning.rightsizing.quantities import cpu_quantity, memory_quantity
from dorgu.models.personas import ApplicationPersona
from dorgu.services.configuring import (
    APP_FILE,
    check_no_secrets,
    display_path,
    read_config_text,
    write_config_text,
)
from dorgu.services.personas import ApplyOutcome, apply_personas, load_personas, persona_config
from dorgu.services.schema_files import schema_header
from dorgu.settings import LayerName
from dorgu.settings.editing import header_of, render_config
from dorgu.settings.layering import FILE_MODELS
from dorgu.settings.parsing import load_config_document, validate_mapping

MEMORY_BUFFER = 0.15
PULLED_KEYS = ("app", "namespace", "resources", "scaling", "health", "dependencies", "ingress")


@dataclass
class SyncReport:
    config_file: str
    pull_diff: str = ""
    """``.dorgu.yaml`` now -> with what the cluster knows (empty: nothing to pull)."""
    push: list[ApplyOutcome] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    skipped: tuple[str, ...] = ()
    pulled: bool = False
    pushed: bool = False

    @property
    def drift(self) -> bool:
        return bool(self.pull_diff) or any(o.diff for o in self.push)


def _merge(base: Mapping[str, object], top: Mapping[str, object]) -> dict[str, object]:
    merged = copy.deepcopy(dict(base))
    for key, value in top.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def learned_resources(persona: ApplicationPersona) -> dict[str, object] | None:
    """Right-sized ``resources`` for the persona's main container from ``status.learned``."""
    learned = persona.status.learned if persona.status else None
    if learned is None or not learned.containers or learned.stale:
        return None
    main = next((c for c in learned.containers if c.name == persona.spec.name),
                learned.containers[0])  # fmt: skip
    cpu, peak = parse_quantity(main.cpu.p95), parse_quantity(main.memory.max)
    if cpu is None or peak is None:
        return None
    memory = memory_quantity(peak * (1 + MEMORY_BUFFER))
    return {"requests": {"cpu": cpu_quantity(cpu), "memory": memory}, "limits": {"memory": memory}}


def pulled_config(
    existing: Mapping[str, object], persona: ApplicationPersona, *, learned: bool
) -> tuple[dict[str, object], tuple[str, ...]]:
    """``existing`` app-file data with the persona's view merged in; the fields left out."""
    data, skipped = persona_config(persona)
    top = {k: v for k, v in data.items() if k in PULLED_KEYS}
    if learned and (resources := learned_resources(persona)) is not None:
        current = top.get("resources")
        top["resources"] = _merge(current if isinstance(current, Mapping) else {}, resources)
    merged = _merge(existing, top)
    merged.setdefault("version", 1)
    return merged, skipped


def _facts(persona: ApplicationPersona) -> list[str]:
    status = persona.status
    if status is None:
        return []
    facts = []
    argo = status.argo_cd
    if argo is not None and argo.application_name:
        facts.append(f"Argo CD {argo.application_namespace}/{argo.application_name}: "
                     f"{argo.sync_status or '?'}, {argo.health_status or '?'}, revision "
                     f"{argo.revision or '?'}")  # fmt: skip
        if argo.auto_sync_disabled is not None:
            facts.append(f"automated sync turned off by {argo.auto_sync_disabled.by} "
                         f"({argo.auto_sync_disabled.reason})")  # fmt: skip
    if status.rollback is not None:
        r = status.rollback
        facts.append(f"last rollback: to {r.target} via {r.via} by {r.by}, {r.phase or '?'}")
    if status.learned is not None and status.learned.window:
        stale = " (stale)" if status.learned.stale else ""
        facts.append(f"learned baselines over {status.learned.window}{stale}")
    return facts


def sync(
    path: Path,
    *,
    client: KubeClient,
    pull: bool = False,
    push: bool = False,
    dry_run: bool = False,
    force: bool = False,
    learned: bool = True,
    namespace: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SyncReport:
    if pull and push:
        raise UsageError("--pull and --push exclude each other", hint="run one, then the other")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory", hint="pass the app directory")
    personas = load_personas(path, namespace=namespace, environ=environ)
    main = personas[0]
    name = str(main.metadata.name or main.spec.name)
    ns = main.metadata.namespace or client.namespace
    file = path / APP_FILE
    shown = display_path(file, environ=environ)
    report = SyncReport(config_file=shown)
    live_obj = client.get(APPLICATION_PERSONAS, name, namespace=ns)
    if not push and live_obj is not None:
        live = ApplicationPersona.model_validate(live_obj)
        report.facts = _facts(live)
        text = read_config_text(file, display=shown) or ""
        existing = load_config_document(text, file=shown).data if text else {}
        merged, report.skipped = pulled_config(
            existing if isinstance(existing, Mapping) else {}, live, learned=learned
        )
        validate_mapping(merged, FILE_MODELS[LayerName.APP], locate=lambda loc: shown)
        check_no_secrets(merged, display=shown)
        header = header_of(text) or [schema_header(LayerName.APP)]
        new_text = render_config(merged, header=header)
        report.pull_diff = "".join(difflib.unified_diff(
            text.splitlines(keepends=True), new_text.splitlines(keepends=True),
            fromfile=f"{shown} (repository)", tofile=f"{shown} (from {ns}/{name} in the cluster)",
        ))  # fmt: skip
        if pull and report.pull_diff and not dry_run:
            write_config_text(file, new_text, layer=LayerName.APP, display=shown)
            report.pulled = True
    elif pull:
        raise UsageError(f"no ApplicationPersona {name} in namespace {ns} to pull from",
                         hint="push it first (dorgu sync --push), or check -n")  # fmt: skip
    if not pull:
        report.push = apply_personas(personas, client=client, dry_run=dry_run, diff=not push,
                                     force=force)  # fmt: skip
        report.pushed = push and not dry_run
    return report
