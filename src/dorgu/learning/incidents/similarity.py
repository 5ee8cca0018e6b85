"""Which stored incidents resemble a given one, ranked.

Two kinds of match, in this order:

1. **fingerprint**: other episodes of the same incident (same ``spec.fingerprint``: the same
   workload failing the same way), newest episode first;
2. **signature**: incidents of any workload or namespace whose signals look alike.  The
   signature of an incident is its primary signal, its contributing signal kinds and its
   category; the score (0..1) is ``0.5`` for the same primary signal, ``0.3`` times the Jaccard
   overlap of all signal kinds (primary and contributing), and ``0.2`` for the same category.
   A candidate sharing neither a signal kind nor the category is not similar.

Within a kind of match, higher scores first; at equal scores, incidents that carry a resolution
(what fixed them is the point of the search) before those that do not, then the most recent
(``detection.lastSeen``), then namespace and name.  The result depends only on the set of
candidates, never on their order.  Free text (messages, LLM summaries) plays no part.

Must not do I/O or read the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dorgu.models.incidents import IncidentMemory, IncidentPhase

DEFAULT_LIMIT = 10
PRIMARY_WEIGHT = 0.5
OVERLAP_WEIGHT = 0.3
CATEGORY_WEIGHT = 0.2


class MatchBasis(StrEnum):
    FINGERPRINT = "fingerprint"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class Signature:
    """What an incident looks like, independent of which workload it hit."""

    primary: str
    kinds: frozenset[str]
    category: str


@dataclass(frozen=True)
class Match:
    """A similar incident: why it matched, how closely, and the signal kinds both share."""

    incident: IncidentMemory
    basis: MatchBasis
    score: float
    shared: tuple[str, ...]


def signature(incident: IncidentMemory) -> Signature:
    spec = incident.spec
    contributing = spec.root_cause.contributing if spec.root_cause else []
    kinds = frozenset({spec.detection.signal, *(c.signal for c in contributing)})
    return Signature(spec.detection.signal, kinds, spec.category.value)


def signature_score(a: Signature, b: Signature) -> float:
    """0..1, symmetric; 0 when the two share no signal kind and no category."""
    union = a.kinds | b.kinds
    overlap = len(a.kinds & b.kinds) / len(union) if union else 0.0
    score = (
        PRIMARY_WEIGHT * (a.primary == b.primary)
        + OVERLAP_WEIGHT * overlap
        + CATEGORY_WEIGHT * (a.category == b.category)
    )
    return round(score, 6)


def _identity(incident: IncidentMemory) -> tuple[str, str]:
    return (incident.metadata.namespace or "", incident.metadata.name or "")


def has_resolution(incident: IncidentMemory) -> bool:
    """Whether it says what fixed it (a resolution, or at least the Resolved phase)."""
    resolved = incident.status is not None and incident.status.phase is IncidentPhase.RESOLVED
    return incident.spec.resolution is not None or resolved


def _episode(incident: IncidentMemory) -> int:
    return incident.status.episode if incident.status else 1


def _recency(incident: IncidentMemory) -> float:
    seen: datetime = incident.spec.detection.last_seen
    return seen.timestamp()


def similar(
    target: IncidentMemory, candidates: Iterable[IncidentMemory], *, limit: int = DEFAULT_LIMIT
) -> list[Match]:
    """At most ``limit`` incidents like ``target`` among ``candidates`` (``target`` itself and
    duplicates by namespace/name are skipped), best first."""
    if limit <= 0:
        return []
    own = signature(target)
    fingerprint = target.spec.fingerprint
    seen = {_identity(target)}
    ranked: list[tuple[tuple[object, ...], Match]] = []
    for candidate in sorted(candidates, key=_identity):
        identity = _identity(candidate)
        if identity in seen:
            continue
        seen.add(identity)
        other = signature(candidate)
        shared = tuple(sorted(own.kinds & other.kinds))
        if fingerprint is not None and candidate.spec.fingerprint == fingerprint:
            match = Match(candidate, MatchBasis.FINGERPRINT, 1.0, shared)
            key: tuple[object, ...] = (0, -_episode(candidate), -_recency(candidate), identity)
        else:
            if not shared and own.category != other.category:
                continue
            score = signature_score(own, other)
            match = Match(candidate, MatchBasis.SIGNATURE, score, shared)
            key = (1, -score, not has_resolution(candidate), -_recency(candidate), identity)
        ranked.append((key, match))
    ranked.sort(key=lambda pair: pair[0])
    return [match for _, match in ranked[:limit]]
