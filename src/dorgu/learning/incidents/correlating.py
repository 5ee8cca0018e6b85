"""Signals -> incident drafts -> ``IncidentMemory`` episodes.

``correlate`` groups signals by workload: the signals of one workload whose times lie within
``window`` of each other are one draft (three crash-looping pods of a Deployment are one
incident with three affected pods; an OOMKill and the crash loop it causes are one incident whose
primary signal is the OOMKill and whose contributing signal is the crash loop).  Past records
(``Signal.ongoing`` false) older than the window are ignored, so a week-old ``lastState`` never
opens an incident.

Evidence messages and reasons are redacted (``messages.clean_message``) before they are stored,
whoever built the signal.

``record`` merges a draft into the episodes already stored for its fingerprint:
- none: a new episode 1, phase ``Detected``;
- the latest is open: the same episode; each distinct sighting (a new ``token``) adds one to
  ``occurrenceCount``, so seeing an unchanged object again changes nothing;
- the latest is ``Resolved`` and something new happened after its resolution: a new episode
  (``Recurring``) with its own name and ``previousIncident`` naming the resolved one.
Lists stay within the ``MAX_*`` bounds of ``dorgu.models.incidents`` (newest kept).

Must not do I/O or read the clock (``now`` is an argument).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from dorgu.learning.incidents.fingerprints import fingerprint
from dorgu.learning.incidents.messages import clean_message
from dorgu.learning.incidents.signals import SOURCES, ObjectRef, Signal, source_of
from dorgu.learning.incidents.workloads import PersonaTarget, attribute
from dorgu.models.incidents import (
    FINGERPRINT_LABEL,
    MAX_AFFECTED_RESOURCES,
    MAX_CONTRIBUTING,
    MAX_DETAIL,
    MAX_EVIDENCE,
    MAX_RECENT_OCCURRENCES,
    MAX_SHORT,
    AffectedResource,
    Attribution,
    ContributingSignal,
    Detection,
    Evidence,
    IncidentCategory,
    IncidentMemory,
    IncidentMemorySpec,
    IncidentMemoryStatus,
    IncidentPhase,
    IncidentSeverity,
    Occurrence,
    PersonaRef,
    RootCause,
)
from dorgu.models.personas_base import ObjectMeta

DEFAULT_WINDOW = timedelta(minutes=10)
T = TypeVar("T")
_SEVERITY = {IncidentSeverity.INFO: 0, IncidentSeverity.WARNING: 1, IncidentSeverity.CRITICAL: 2}
_ROLES = {"Pod": "pod", "Node": "node", "Job": "job"}


@dataclass(frozen=True)
class IncidentDraft:
    """The signals of one workload within one window, with the identity they share."""

    fingerprint: str
    workload: ObjectRef
    persona: PersonaRef | None
    category: IncidentCategory
    severity: IncidentSeverity
    primary: Signal
    signals: tuple[Signal, ...]
    first_seen: datetime
    last_seen: datetime


def correlate(
    signals: Iterable[Signal],
    *,
    now: datetime,
    cluster: str = "",
    personas: Sequence[PersonaTarget] = (),
    cluster_persona: str | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> list[IncidentDraft]:
    """Drafts in a canonical order: the same signals in any order give the same drafts."""
    by_workload: dict[ObjectRef, list[Signal]] = {}
    for signal in signals:
        if not signal.ongoing and signal.at is not None and signal.at < now - window:
            continue
        by_workload.setdefault(signal.workload, []).append(signal)
    drafts: list[IncidentDraft] = []
    for workload in sorted(by_workload):
        group = sorted(set(by_workload[workload]), key=lambda s: (_when(s, now), _key(s)))
        run: list[Signal] = []
        for signal in group:
            if run and _when(signal, now) - _when(run[-1], now) > window:
                drafts.append(_draft(run, now, cluster, personas, cluster_persona))
                run = []
            run.append(signal)
        drafts.append(_draft(run, now, cluster, personas, cluster_persona))
    return drafts


def _when(signal: Signal, now: datetime) -> datetime:
    return signal.at or now


def _key(signal: Signal) -> tuple[str, ...]:
    return (signal.kind.value, signal.resource.kind, signal.resource.name, signal.token)


def _draft(
    run: list[Signal],
    now: datetime,
    cluster: str,
    personas: Sequence[PersonaTarget],
    cluster_persona: str | None,
) -> IncidentDraft:
    primary = min(run, key=lambda s: (s.meaning.rank, _key(s)))
    workload = primary.workload
    labels = dict(primary.labels)
    persona = attribute(workload, labels, personas, cluster_persona=cluster_persona)
    category = primary.meaning.category
    severity = max((s.meaning.severity for s in run), key=_SEVERITY.__getitem__)
    return IncidentDraft(
        fingerprint=fingerprint(
            cluster=cluster,
            persona=persona,
            workload=workload,
            category=category,
            signal=primary.kind,
        ),
        workload=workload,
        persona=persona,
        category=category,
        severity=severity,
        primary=primary,
        signals=tuple(sorted(run, key=_key)),
        first_seen=min(_when(s, now) for s in run),
        last_seen=max(_when(s, now) for s in run),
    )


def incident_name(workload: ObjectRef, fingerprint_: str, episode: int) -> str:
    """``<workload>-<fingerprint prefix>-<episode>``: a DNS-1123 name, unique per episode."""
    slug = re.sub(r"[^a-z0-9-]+", "-", workload.name.lower()).strip("-")[:40].strip("-")
    return f"{slug or 'incident'}-{fingerprint_[:10]}-{episode}"


def _occurrences(draft: IncidentDraft, now: datetime) -> list[Occurrence]:
    return [
        Occurrence(signal=s.kind.value, resource=str(s.resource), token=s.token, at=_when(s, now))
        for s in draft.signals
    ]


def _affected(draft: IncidentDraft) -> list[AffectedResource]:
    found = [_resource(draft.workload, "workload")]
    for signal in draft.signals:
        if signal.resource != draft.workload:
            found.append(_resource(signal.resource, _ROLES.get(signal.resource.kind, "member")))
    return found


def _resource(ref: ObjectRef, role: str) -> AffectedResource:
    return AffectedResource(
        kind=ref.kind, name=ref.name, namespace=ref.namespace or None, role=role
    )


def _evidence(draft: IncidentDraft, now: datetime) -> list[Evidence]:
    return [
        Evidence(
            signal=s.kind.value,
            resource=str(s.resource),
            reason=clean_message(s.reason, limit=MAX_SHORT),
            message=clean_message(s.message),
            at=_when(s, now),
        )
        for s in draft.signals
    ]


def _contributing(draft: IncidentDraft) -> list[ContributingSignal]:
    kinds = sorted(
        {s.kind for s in draft.signals if s.kind is not draft.primary.kind}, key=lambda k: k.value
    )
    return [ContributingSignal(signal=k.value, detail=_detail(draft, k.value)) for k in kinds]


def _detail(draft: IncidentDraft, kind: str) -> str:
    signals = [s for s in draft.signals if s.kind.value == kind]
    shown = _some(sorted({str(s.resource) for s in signals}))
    if signals and signals[0].kind in SOURCES:  # alerts, anomalies: name which ones
        what = _some(sorted({s.reason for s in signals if s.reason}))
        text = f"{what} on {shown}" if what else f"seen on {shown}"
    else:
        text = f"seen on {shown}"
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _some(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _unique_newest(items: Iterable[T], key: Callable[[T], object], limit: int) -> list[T]:
    """The last ``limit`` distinct items (by ``key``), later ones replacing earlier ones."""
    seen: dict[object, T] = {}
    for item in items:
        seen.pop(key(item), None)
        seen[key(item)] = item
    return list(seen.values())[-limit:]


def record(
    draft: IncidentDraft,
    history: Sequence[IncidentMemory],
    *,
    now: datetime,
    namespace: str,
) -> IncidentMemory | None:
    """The episode to write for ``draft`` given the stored episodes of its fingerprint, or
    ``None`` when there is nothing new to record (``namespace`` is where incidents of
    cluster-scoped workloads are stored)."""
    episodes = [i for i in history if i.spec.fingerprint == draft.fingerprint]
    latest = max(episodes, key=_episode, default=None)
    if latest is None:
        return _new(draft, now=now, namespace=namespace, episode=1, previous=None)
    status = latest.status or IncidentMemoryStatus()
    if status.phase is IncidentPhase.RESOLVED:
        fresh = [
            o
            for o in _occurrences(draft, now)
            if status.resolved_at is None or o.at > status.resolved_at
        ]
        known = {(o.resource, o.token) for o in status.recent_occurrences}
        if not [o for o in fresh if (o.resource, o.token) not in known]:
            return None
        return _new(
            draft,
            now=now,
            namespace=namespace,
            episode=status.episode + 1,
            previous=latest.metadata.name,
        )
    return _update(latest, status, draft, now)


def _episode(incident: IncidentMemory) -> int:
    return incident.status.episode if incident.status else 1


def _new(
    draft: IncidentDraft, *, now: datetime, namespace: str, episode: int, previous: str | None
) -> IncidentMemory:
    distinct = _unique_newest(
        sorted(_occurrences(draft, now), key=_occurrence_order),
        lambda o: (o.resource, o.token),
        len(draft.signals),
    )
    occurrences = distinct[-MAX_RECENT_OCCURRENCES:]
    spec = IncidentMemorySpec(
        persona_ref=draft.persona,
        attribution=Attribution.PERSONA if draft.persona else Attribution.UNATTRIBUTED,
        category=draft.category,
        severity=draft.severity,
        fingerprint=draft.fingerprint,
        workload=_resource(draft.workload, "workload"),
        detection=Detection(
            signal=draft.primary.kind.value,
            source=source_of(draft.primary.kind),
            first_seen=draft.first_seen,
            last_seen=draft.last_seen,
            affected_resources=_unique_newest(_affected(draft), _ident, MAX_AFFECTED_RESOURCES),
            evidence=_unique_newest(_evidence(draft, now), _ident, MAX_EVIDENCE),
        ),
        root_cause=RootCause(contributing=_contributing(draft)[:MAX_CONTRIBUTING])
        if len({s.kind for s in draft.signals}) > 1
        else None,
        previous_incident=previous,
    )
    status = IncidentMemoryStatus(
        phase=IncidentPhase.RECURRING if previous else IncidentPhase.DETECTED,
        occurrence_count=len(distinct),
        last_occurrence=draft.last_seen,
        episode=episode,
        recent_occurrences=occurrences,
    )
    metadata = ObjectMeta(
        name=incident_name(draft.workload, draft.fingerprint, episode),
        namespace=draft.workload.namespace or namespace,
        labels={FINGERPRINT_LABEL: draft.fingerprint, "app.kubernetes.io/managed-by": "dorgu"},
    )
    return IncidentMemory(metadata=metadata, spec=spec, status=status)


def _ident(item: AffectedResource | Evidence) -> tuple[object, ...]:
    if isinstance(item, AffectedResource):
        return (item.kind, item.namespace, item.name)
    return (item.signal, item.resource, item.reason)


def _occurrence_order(occurrence: Occurrence) -> tuple[datetime, str, str]:
    return (occurrence.at, occurrence.resource, occurrence.token)


def _update(
    latest: IncidentMemory, status: IncidentMemoryStatus, draft: IncidentDraft, now: datetime
) -> IncidentMemory | None:
    kept = status.recent_occurrences
    known = {(o.resource, o.token) for o in kept}
    # A full ring holds the newest sightings: anything ordered before its oldest was seen
    # already (and dropped), so seeing it again is not new.
    floor = min((_occurrence_order(o) for o in kept), default=None)
    full = len(kept) >= MAX_RECENT_OCCURRENCES
    fresh = _unique_newest(
        (
            o
            for o in sorted(_occurrences(draft, now), key=_occurrence_order)
            if (o.resource, o.token) not in known
            and not (full and floor is not None and _occurrence_order(o) < floor)
        ),
        lambda o: (o.resource, o.token),
        len(draft.signals) or 1,
    )
    if not fresh:
        return None
    spec = latest.spec
    detection = spec.detection
    merged_contributing = _unique_newest(
        [*(spec.root_cause.contributing if spec.root_cause else []), *_contributing(draft)],
        lambda c: c.signal,
        MAX_CONTRIBUTING,
    )
    root_cause = (
        (spec.root_cause or RootCause()).model_copy(update={"contributing": merged_contributing})
        if merged_contributing
        else spec.root_cause
    )
    severity = max((spec.severity, draft.severity), key=_SEVERITY.__getitem__)
    new_spec = spec.model_copy(
        update={
            "severity": severity,
            "root_cause": root_cause,
            "detection": detection.model_copy(
                update={
                    "last_seen": max(detection.last_seen, draft.last_seen),
                    "affected_resources": _unique_newest(
                        [*detection.affected_resources, *_affected(draft)],
                        _ident,
                        MAX_AFFECTED_RESOURCES,
                    ),
                    "evidence": _unique_newest(
                        [*detection.evidence, *_evidence(draft, now)], _ident, MAX_EVIDENCE
                    ),
                }
            ),
        }
    )
    last = max([o.at for o in fresh] + ([status.last_occurrence] if status.last_occurrence else []))
    new_status = status.model_copy(
        update={
            "occurrence_count": status.occurrence_count + len(fresh),
            "last_occurrence": last,
            "recent_occurrences": sorted(
                [*status.recent_occurrences, *fresh], key=lambda o: (o.at, o.resource, o.token)
            )[-MAX_RECENT_OCCURRENCES:],
        }
    )
    return latest.model_copy(update={"spec": new_spec, "status": new_status})
