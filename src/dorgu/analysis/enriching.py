"""Merging suggestions from an outside source (the optional LLM) into the application model.

The suggestion types (``LlmEnhancement`` and its parts) are plain pydantic models: the LLM
adapter generates its JSON Schema from them and validates replies against them; this module
only decides what may change.  Rules, in order:

1. user-stated values (``Source.USER`` evidence) always win;
2. rule facts with confidence >= ``PROTECTED_CONFIDENCE`` are never overridden;
3. a suggested probe path is accepted only if a known route, endpoint or health check serves
   it (an enhancer never invents a path), and its port only if the component listens on it;
4. only existing components and dependencies are annotated: nothing is added or renamed;
5. every change records ``Evidence(source=Source.LLM)`` with a capped confidence and the
   reason, and is returned as a ``Change`` for ``dorgu analyze --explain``.

Must not do I/O, import the llm package (it sits above this layer), or touch anything but the
whitelisted fields: type, description, dependency type, probe endpoints (plus evidence notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    DependencyType,
    Endpoint,
    EndpointKind,
)
from dorgu.models.config import ResourceProfile
from dorgu.models.evidence import Diagnostic, Evidence, Severity, Source

PROTECTED_CONFIDENCE = 0.8  # rule facts at or above this are never overridden
MAX_LLM_CONFIDENCE = 0.7  # an LLM fact is always weaker than a protected rule fact
MAX_TEXT = 400
MAX_RISKS = 5
RULE = "llm.enhance"


class _Suggestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TypeGuess(_Suggestion):
    """The workload type the enhancer believes the component is."""

    value: AppType
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = Field(max_length=MAX_TEXT)


class TextGuess(_Suggestion):
    """A short free-text fact (description, API summary)."""

    value: str = Field(min_length=1, max_length=MAX_TEXT)
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = Field(max_length=MAX_TEXT)


class ProfileGuess(_Suggestion):
    """A resource sizing profile."""

    value: ResourceProfile
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = Field(max_length=MAX_TEXT)


class DependencyRole(_Suggestion):
    """What an existing dependency is for, and optionally its type."""

    name: str = Field(min_length=1, max_length=200)
    type: DependencyType | None
    role: str = Field(max_length=MAX_TEXT)
    confidence: float = Field(ge=0.0, le=1.0)


class ProbeGuess(_Suggestion):
    """An HTTP probe on a path the app already serves."""

    kind: Literal["liveness", "readiness", "startup"]
    path: str = Field(pattern=r"^/", max_length=1024)
    port: int | None = Field(ge=1, le=65535)
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = Field(max_length=MAX_TEXT)


class ComponentEnhancement(_Suggestion):
    """Suggestions for one existing component, matched by ``name``."""

    name: str = Field(min_length=1, max_length=253)
    type: TypeGuess | None
    description: TextGuess | None
    dependencies: list[DependencyRole]
    probes: list[ProbeGuess]
    resource_profile: ProfileGuess | None
    api_summary: TextGuess | None
    risks: list[str]


class LlmEnhancement(_Suggestion):
    """The whole reply: an app-level summary and per-component suggestions."""

    summary: TextGuess | None
    components: list[ComponentEnhancement]


@dataclass(frozen=True)
class Change:
    """One field the enhancer changed (or annotated), for ``--explain``."""

    field: str
    old: str | None
    old_source: str | None
    new: str
    confidence: float
    reason: str


@dataclass
class MergeResult:
    """The merged model, the changes made, and notes on what was kept or dropped and why
    (only risks also become diagnostics of the model)."""

    model: AppModel
    changes: list[Change] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)


def _strongest(model: AppModel, path: str) -> Evidence | None:
    found = [e for e in model.evidence if e.field == path]
    rank = {Source.USER: 3, Source.RULE: 2, Source.LLM: 1, Source.DEFAULT: 0}
    return max(found, key=lambda e: (rank[e.source], e.confidence), default=None)


def _locked(model: AppModel, path: str, has_value: bool) -> str | None:
    """Why ``path`` may not change (None: it may)."""
    best = _strongest(model, path)
    if best is None:
        # A value without evidence has unknown provenance: protect it.
        return "set by analysis" if has_value else None
    if best.source is Source.USER:
        return "stated by the user"
    if best.source is Source.RULE and best.confidence >= PROTECTED_CONFIDENCE:
        return f"rule {best.rule} is confident ({best.confidence:.2f})"
    return None


def _cap(confidence: float) -> float:
    return round(min(confidence, MAX_LLM_CONFIDENCE), 2)


def _note(message: str, severity: Severity = Severity.INFO) -> Diagnostic:
    return Diagnostic(severity=severity, code="llm.merge", message=message)


class _Merger:
    def __init__(self, model: AppModel) -> None:
        self.model = model
        self.evidence = list(model.evidence)
        self.changes: list[Change] = []
        self.notes: list[Diagnostic] = []
        self.risks: list[Diagnostic] = []

    def record(self, path: str, old: str | None, new: str, confidence: float, reason: str) -> None:
        best = _strongest(self.model, path)
        self.evidence.append(
            Evidence(
                field=path,
                value=new[:200],
                source=Source.LLM,
                rule=RULE,
                confidence=_cap(confidence),
                detail=reason[:MAX_TEXT] or None,
            )
        )
        self.changes.append(
            Change(
                field=path,
                old=old,
                old_source=best.source.value if best else None,
                new=new,
                confidence=_cap(confidence),
                reason=reason,
            )
        )

    def component(self, comp: Component, tip: ComponentEnhancement) -> Component:
        base = f"components.{comp.name}"
        updates: dict[str, object] = {}
        if tip.type is not None and tip.type.value is not comp.type:
            why = _locked(self.model, f"{base}.type", comp.type is not None)
            if comp.kind is not ComponentKind.APP:
                why = f"{comp.kind.value} components keep their kind"
            if why is None:
                updates["type"] = tip.type.value
                old = comp.type.value if comp.type else None
                self.record(f"{base}.type", old, tip.type.value.value, *_why(tip.type))
            else:
                self.notes.append(_note(f"kept {base}.type: {why}"))
        if tip.description is not None and comp.description is None:
            updates["description"] = tip.description.value
            self.record(f"{base}.description", None, tip.description.value, *_why(tip.description))
        updates["dependencies"] = self.dependencies(comp, tip.dependencies)
        updates["endpoints"] = self.probes(comp, tip.probes)
        for key, guess in (
            ("resources.profile", tip.resource_profile),
            ("api_summary", tip.api_summary),
        ):
            if guess is not None:
                value = guess.value.value if isinstance(guess, ProfileGuess) else guess.value
                self.record(f"{base}.{key}", None, value, *_why(guess))
        for risk in tip.risks[:MAX_RISKS]:
            message = f"{comp.name}: {risk[:MAX_TEXT]} (suggested by the LLM)"
            self.risks.append(Diagnostic(severity=Severity.INFO, code="llm.risk", message=message))
        return comp.model_copy(update=updates)

    def dependencies(self, comp: Component, roles: Sequence[DependencyRole]) -> object:
        deps = list(comp.dependencies)
        for role in roles:
            index = next((i for i, d in enumerate(deps) if role.name in (d.name, d.kind)), None)
            path = f"components.{comp.name}.dependencies.{role.name}"
            if index is None:
                self.notes.append(_note(f"ignored unknown dependency {role.name!r}"))
                continue
            dep = deps[index]
            path = f"components.{comp.name}.dependencies.{dep.name}"
            if role.type is not None and role.type is not dep.type:
                why = _locked(self.model, path, True)
                if why is None:
                    deps[index] = dep.model_copy(update={"type": role.type})
                    self.record(path, dep.type.value, role.type.value, role.confidence, role.role)
                    continue
                self.notes.append(_note(f"kept {path} type {dep.type.value}: {why}"))
            if role.role:
                self.record(f"{path}.role", None, role.role, role.confidence, role.role)
        return tuple(deps)

    def probes(self, comp: Component, probes: Sequence[ProbeGuess]) -> object:
        endpoints = list(comp.endpoints)
        served = {r.path for r in comp.routes if r.method in ("GET", "ANY", "HEAD")}
        served |= {e.path for e in comp.endpoints}
        if comp.healthcheck is not None and comp.healthcheck.http_path:
            served.add(comp.healthcheck.http_path)
        ports = {p.number for p in comp.ports}
        for probe in probes:
            path = f"components.{comp.name}.endpoints.{probe.kind}"
            kind = EndpointKind(probe.kind)
            if probe.path not in served:
                self.notes.append(
                    _note(f"dropped {probe.kind} probe {probe.path!r}: no route serves it")
                )
                continue
            if probe.port is not None and probe.port not in ports:
                self.notes.append(
                    _note(f"dropped {probe.kind} probe port {probe.port}: not a known port")
                )
                continue
            current = next((e for e in endpoints if e.kind is kind), None)
            if current is not None and current.path == probe.path:
                continue
            why = _locked(self.model, path, current is not None)
            if why is not None:
                self.notes.append(_note(f"kept {path}: {why}"))
                continue
            endpoints = [e for e in endpoints if e.kind is not kind]
            endpoints.append(Endpoint(kind=kind, path=probe.path, port=probe.port))
            old = current.path if current else None
            self.record(path, old, probe.path, probe.confidence, probe.reason)
        return tuple(sorted(endpoints, key=lambda e: (e.kind.value, e.path)))


def _why(guess: TypeGuess | TextGuess | ProfileGuess) -> tuple[float, str]:
    return guess.confidence, guess.reason


def merge_enhancement(model: AppModel, enhancement: LlmEnhancement) -> MergeResult:
    """Apply ``enhancement`` to a copy of ``model`` under the rules in the module docstring."""
    merger = _Merger(model)
    by_name = {c.name: c for c in enhancement.components}
    components: list[Component] = []
    for comp in model.components:
        tip = by_name.pop(comp.name, None)
        components.append(comp if tip is None else merger.component(comp, tip))
    for name in sorted(by_name):
        merger.notes.append(_note(f"ignored suggestions for unknown component {name!r}"))
    description = model.description
    if enhancement.summary is not None and description is None:
        description = enhancement.summary.value
        merger.record("description", None, description, *_why(enhancement.summary))
    merged = model.model_copy(
        update={
            "components": components,
            "description": description,
            "evidence": merger.evidence,
            "diagnostics": [*model.diagnostics, *merger.risks],
        }
    )
    return MergeResult(model=merged, changes=merger.changes, notes=[*merger.notes, *merger.risks])
