"""``dorgu validate``: read manifests (files, directories, stdin), run the rule engine, and
put every finding at its file and line.

Reading is defensive: each file is read with a size cap before decoding (non-UTF-8 and binary
files are refused with ``file:line``), YAML goes through the safe loader with node and depth
limits (alias bombs), directories are walked without following symlinks or descending into
hidden directories, and only ``.yaml``/``.yml``/``.json`` files are picked up there.  A file
that cannot be used gives one line in ``input_errors`` and the others are still checked.

Unless ``kubernetes_version`` is None, every object is also checked against the bundled
Kubernetes OpenAPI schemas (``dorgu.rules.schemas``, kubeconform ``-strict`` style: unknown
fields are errors); those findings follow the rule findings.  The request's policy applies to
them too (``schema.*`` ids and the ``schema`` category); with every schema rule disabled the
bundle is not even loaded.

Also ``check_generated``: the same engine over ``dorgu generate``'s own output.

Must not print or decide exit codes (the CLI does); must not import ``dorgu.generation``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from dorgu.errors import InputError, LimitExceededError, ParseError
from dorgu.formats.text import decode_text
from dorgu.formats.yamldocs import DEFAULT_MAX_BYTES, YamlDocument, load_yaml_documents
from dorgu.generation.manifests import GeneratedDocument
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.findings import Finding
from dorgu.models.personas import ApplicationPersona, ApplicationPersonaSpec
from dorgu.rules import DEFAULT_POLICY, PersonaBinding, RulePolicy, as_workload, evaluate
from dorgu.rules.evaluating import ObjectFinding
from dorgu.rules.paths import FieldPath
from dorgu.rules.schemas import BUNDLED_VERSIONS, any_enabled, validate_objects
from dorgu.services.schemas import load_schema_bundle

STDIN = "-"
STDIN_NAME = "<stdin>"
MAX_FILE_BYTES = DEFAULT_MAX_BYTES
MAX_FILES = 10_000
SUFFIXES = (".yaml", ".yml", ".json")
PERSONA_KIND = "ApplicationPersona"
IMAGE_TAG_RULE = "reliability.image-tag"
# generate says once per component that app.runbook is unset; not once per alert
SELF_CHECK_SKIPS = frozenset({"observability.alert-runbook"})
DEFAULT_KUBERNETES_VERSION = BUNDLED_VERSIONS[-1]


@dataclass(frozen=True)
class SourceObject:
    """A Kubernetes object and the YAML document it came from (``prefix``: its path inside
    the document, ``("items", 3)`` for an item of a ``List``)."""

    manifest: Mapping[str, object]
    document: YamlDocument
    prefix: FieldPath = ()

    def locate(self, path: FieldPath) -> Location:
        return Location(file=self.document.file, line=self.document.line_of((*self.prefix, *path)))


@dataclass(frozen=True)
class ValidateRequest:
    paths: Sequence[str] = (STDIN,)
    persona_files: Sequence[Path] = ()
    policy: RulePolicy = DEFAULT_POLICY
    kubernetes_version: str | None = DEFAULT_KUBERNETES_VERSION
    """The schemas to check objects against (major.minor); None skips schema checks."""


@dataclass(frozen=True)
class ValidateOutcome:
    findings: tuple[Finding, ...] = ()
    objects: int = 0
    files: int = 0
    skipped: int = 0
    """YAML documents that are not Kubernetes objects (no ``kind``/``apiVersion``)."""
    input_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def collect_files(paths: Sequence[str]) -> list[str]:
    """The files to read, in a stable order: explicit files as given, directories walked."""
    found: list[str] = []
    for given in paths:
        if given == STDIN or not Path(given).is_dir():
            found.append(given)
            continue
        for directory, subdirs, names in os.walk(given, followlinks=False):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            for name in sorted(names):
                if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                    full = os.path.normpath(os.path.join(directory, name))
                    if os.path.isfile(full) and not os.path.islink(full):
                        found.append(full)
                    if len(found) > MAX_FILES:
                        raise LimitExceededError(
                            f"{given}: more than {MAX_FILES} manifest files",
                            hint="point dorgu validate at the manifest directory",
                        )
    return found


def read_source(name: str, *, stdin: BinaryIO | None = None) -> tuple[str, str]:
    """``(display name, text)`` of a file or of stdin (``-``); ``InputError`` on failure."""
    if name == STDIN:
        if stdin is None:
            raise InputError("stdin is not available")
        data = stdin.read(MAX_FILE_BYTES + 1)
        display = STDIN_NAME
    else:
        display = name
        try:
            with open(name, "rb") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                if stat.S_ISDIR(mode):
                    raise InputError(f"{name}: is a directory")
                data = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise InputError(f"{name}: no such file or directory") from None
        except OSError as e:
            raise InputError(f"{name}: cannot read: {e.strerror or e}") from e
    if len(data) > MAX_FILE_BYTES:
        raise LimitExceededError(
            f"{display}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            hint="split the manifests into smaller files",
        )
    return display, decode_text(data, file=display)


def objects_in(document: YamlDocument) -> list[SourceObject]:
    """The Kubernetes objects of one YAML document (the items of a ``List``)."""
    data = document.data
    if not isinstance(data, Mapping) or not _is_object(data):
        return []
    items = data.get("items")
    if str(data.get("kind")).endswith("List") and isinstance(items, list):
        return [
            SourceObject(item, document, ("items", index))
            for index, item in enumerate(items)
            if isinstance(item, Mapping) and _is_object(item)
        ]
    return [SourceObject(data, document)]


def _is_object(data: Mapping[str, object]) -> bool:
    return isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str)


def persona_binding(source: SourceObject) -> PersonaBinding:
    """The persona of an ``ApplicationPersona`` object, or of a bare persona spec."""
    data = source.manifest
    try:
        if data.get("kind") == PERSONA_KIND:
            persona = ApplicationPersona.model_validate(data)
            return PersonaBinding(persona.spec, persona.metadata.namespace)
        return PersonaBinding(ApplicationPersonaSpec.model_validate(data))
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(p for p in first["loc"] if isinstance(p, str | int))
        where = ".".join(map(str, loc)) or "persona"
        raise ParseError(
            f"invalid persona: {where}: {first['msg']}",
            file=source.document.file,
            line=source.document.line_of((*source.prefix, *loc)),
        ) from e


def load_persona_file(path: Path) -> list[PersonaBinding]:
    """Every persona in ``path`` (ApplicationPersona objects or a bare spec)."""
    display, text = read_source(str(path))
    bindings: list[PersonaBinding] = []
    for document in load_yaml_documents(text, file=display):
        sources = objects_in(document) or (
            [SourceObject(document.data, document)] if isinstance(document.data, Mapping) else []
        )
        bindings.extend(persona_binding(s) for s in sources)
    if not bindings:
        raise InputError(f"{display}: no ApplicationPersona in the file")
    return bindings


def validate(
    request: ValidateRequest, *, now: datetime, stdin: BinaryIO | None = None
) -> ValidateOutcome:
    """Read ``request.paths``, evaluate every workload, locate every finding."""
    explicit = [b for f in request.persona_files for b in load_persona_file(f)]
    errors: list[str] = []
    sources: list[SourceObject] = []
    skipped = 0
    files = collect_files(request.paths)
    personas = list(explicit)
    for name in files:
        try:
            display, text = read_source(name, stdin=stdin)
            loaded: list[SourceObject] = []
            for document in load_yaml_documents(text, file=display):
                found = objects_in(document)
                skipped += 0 if found else int(document.data is not None)
                loaded.extend(found)
            personas.extend(
                persona_binding(s) for s in loaded if s.manifest.get("kind") == PERSONA_KIND
            )
        except InputError as e:
            errors.append(str(e))
            continue
        sources.extend(loaded)
    manifests = [s.manifest for s in sources]
    findings = [
        item.finding.model_copy(update={"location": sources[item.index].locate(item.path)})
        for item in evaluate(manifests, now=now, personas=personas, policy=request.policy)
    ]
    if request.kubernetes_version is not None and any_enabled(request.policy):
        bundle = load_schema_bundle(request.kubernetes_version)
        findings.extend(
            item.finding.model_copy(update={"location": sources[item.index].locate(item.path)})
            for item in validate_objects(manifests, bundle=bundle, policy=request.policy)
        )
    notes = [_unused_note(b) for b in explicit if not _selects_any(b, manifests)]
    return ValidateOutcome(
        findings=tuple(findings),
        objects=len(sources),
        files=len(files) - len(errors),
        skipped=skipped,
        input_errors=tuple(errors),
        notes=tuple(notes),
    )


def _selects_any(binding: PersonaBinding, manifests: Sequence[Mapping[str, object]]) -> bool:
    workloads = (as_workload(m) for m in manifests)
    return any(w is not None and binding.selects(w) for w in workloads)


def _unused_note(binding: PersonaBinding) -> str:
    selector = binding.spec.target_selector()
    labels = ", ".join(f"{k}={v}" for k, v in selector.match_labels.items()) or "its selector"
    return (
        f"persona {binding.spec.name} selects no workload in the input, so its checks did not "
        f"run (workloads need the labels {labels})"
    )


def check_generated(
    manifests: Sequence[Mapping[str, object]],
    *,
    now: datetime,
    stated_images: Collection[str] = (),
) -> tuple[Diagnostic, ...]:
    """The rule engine and the bundled Kubernetes schemas over generated manifests: error
    findings as errors, the rest as warnings (info findings left out).
    ApplicationPersona objects among them are used as personas.  ``stated_images``: images the
    user stated without a version, already warned about by generate (never rewritten), so
    their ``reliability.image-tag`` findings are left out here; ``dorgu validate`` keeps them."""
    personas: list[PersonaBinding] = []
    diagnostics: list[Diagnostic] = []
    for manifest in manifests:
        if manifest.get("kind") != PERSONA_KIND:
            continue
        try:
            personas.append(PersonaBinding(ApplicationPersona.model_validate(manifest).spec))
        except ValidationError as e:
            diagnostics.append(
                Diagnostic(
                    severity=Severity.WARNING,
                    code="rules.persona-invalid",
                    message=f"the generated persona does not validate, so persona rules were "
                    f"skipped: {e.errors()[0]['msg']}",
                )
            )
    bundle = load_schema_bundle(BUNDLED_VERSIONS[-1])
    checks = [
        *evaluate(manifests, now=now, personas=personas),
        *validate_objects(manifests, bundle=bundle),
    ]
    for item in checks:
        finding = item.finding
        if finding.severity is Severity.INFO or _stated_image(item, manifests, stated_images):
            continue
        if finding.rule_id in SELF_CHECK_SKIPS:
            continue
        diagnostics.append(
            Diagnostic(
                severity=Severity.ERROR if finding.severity is Severity.ERROR else Severity.WARNING,
                code=finding.rule_id or "rules",
                message=f"{finding.resource} {finding.field}: {finding.message}",
            )
        )
    return tuple(diagnostics)


def monitoring_objects(documents: Sequence[GeneratedDocument]) -> list[Mapping[str, object]]:
    """The Kubernetes objects among generated ``monitoring/`` documents (ServiceMonitor,
    PodMonitor, PrometheusRule), for the self-check; plain rule files and tests are not."""
    found: list[Mapping[str, object]] = []
    for document in documents:
        if not document.filename.startswith("monitoring/"):
            continue
        for loaded in load_yaml_documents(document.text, file=document.filename):
            data = loaded.data
            if isinstance(data, Mapping) and _is_object(data):
                found.append(data)
    return found


def _stated_image(
    item: ObjectFinding, manifests: Sequence[Mapping[str, object]], stated: Collection[str]
) -> bool:
    """Whether ``item`` is the image-tag finding about an image the user stated as it is."""
    if item.finding.rule_id != IMAGE_TAG_RULE or not stated:
        return False
    value: object = manifests[item.index]
    for step in item.path:
        if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step)
        else:
            return False
    return isinstance(value, str) and value in stated
