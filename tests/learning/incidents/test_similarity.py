"""Similar incidents: same fingerprint first (newest episode first), then by signal
signature, resolved ones ahead at equal scores; deterministic whatever the input order."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.learning.incidents.similarity import (
    MatchBasis,
    signature,
    signature_score,
    similar,
)
from tests.learning.incidents.builders import incident

FP = "a" * 32
RESOLVED = {"outcome": "resolved", "action": "raised the memory limit", "note": "fixed"}


def _names(matches):
    return [m.incident.metadata.name for m in matches]


def test_earlier_episodes_come_first_then_signature_matches_by_score():
    target = incident("orders-3", fingerprint=FP, episode=3, contributing=("CrashLoopBackOff",))
    candidates = [
        incident("orders-1", fingerprint=FP, episode=1, phase="Resolved", resolution=RESOLVED),
        incident("orders-2", fingerprint=FP, episode=2, phase="Resolved", resolution=RESOLVED),
        # same primary and same contributing kinds, other workload and namespace
        incident("cart-1", namespace="cart", workload="cart", contributing=("CrashLoopBackOff",)),
        # same primary only
        incident("pay-1", namespace="pay", workload="pay"),
        # shares only the category (resource)
        incident("evict-1", workload="batch", signal="Evicted", category="resource"),
        # shares nothing
        incident("pull-1", workload="web", signal="ImagePullBackOff", category="deployment"),
        target,
    ]
    matches = similar(target, candidates)
    assert _names(matches) == ["orders-2", "orders-1", "cart-1", "pay-1", "evict-1"]
    assert [m.basis for m in matches[:2]] == [MatchBasis.FINGERPRINT] * 2
    assert matches[2].score == 1.0  # same primary, same kinds, same category
    assert matches[2].shared == ("CrashLoopBackOff", "OOMKilled")
    assert matches[3].score == round(0.5 + 0.3 * 0.5 + 0.2, 6)
    assert matches[4].score == 0.2 and matches[4].shared == ()


def test_at_equal_scores_resolved_incidents_come_first_then_the_most_recent():
    target = incident("t", workload="t")
    candidates = [
        incident("open-new", workload="a", minutes=50),
        incident("resolved-old", workload="b", minutes=1, phase="Resolved", resolution=RESOLVED),
        incident("open-old", workload="c", minutes=2),
    ]
    assert _names(similar(target, candidates)) == ["resolved-old", "open-new", "open-old"]


def test_limit_and_the_target_itself_is_never_similar():
    target = incident("t", workload="t")
    others = [incident(f"i-{n}", workload=f"w{n}") for n in range(8)]
    assert len(similar(target, [target, *others], limit=3)) == 3
    assert "t" not in _names(similar(target, [target, *others], limit=50))
    assert similar(target, others, limit=0) == []


def test_free_text_plays_no_part():
    target = incident("t", workload="t", message="password=hunter2 and a long story")
    a = incident("a", workload="a", message="completely different words")
    b = incident("b", workload="a", message="password=hunter2 and a long story")
    assert similar(target, [a])[0].score == similar(target, [b])[0].score


_SIGNALS = ["OOMKilled", "CrashLoopBackOff", "Evicted", "ImagePullBackOff", "JobFailed"]
_CATEGORIES = ["resource", "health", "deployment"]


@st.composite
def _incidents(draw):
    count = draw(st.integers(0, 12))
    found = []
    for n in range(count):
        found.append(
            incident(
                f"i-{n}",
                namespace=draw(st.sampled_from(["a", "b"])),
                workload=draw(st.sampled_from(["w1", "w2", "w3"])),
                signal=draw(st.sampled_from(_SIGNALS)),
                category=draw(st.sampled_from(_CATEGORIES)),
                contributing=tuple(draw(st.sets(st.sampled_from(_SIGNALS), max_size=3))),
                fingerprint=draw(st.sampled_from([FP, "b" * 32, None])),
                phase=draw(st.sampled_from(["Detected", "Resolved"])),
                minutes=draw(st.integers(0, 100)),
            )
        )
    return found


@settings(max_examples=80, deadline=None)
@given(_incidents(), st.integers(1, 15), st.randoms(use_true_random=False))
def test_ranking_is_deterministic_ordered_and_bounded(found, limit, rnd: random.Random):
    target = incident("target", fingerprint=FP, contributing=("CrashLoopBackOff",))
    first = similar(target, found, limit=limit)
    shuffled = list(found)
    rnd.shuffle(shuffled)
    again = similar(target, shuffled, limit=limit)
    assert [(m.incident.metadata.namespace, m.incident.metadata.name, m.score) for m in first] == [
        (m.incident.metadata.namespace, m.incident.metadata.name, m.score) for m in again
    ]
    assert len(first) <= limit
    bases = [m.basis for m in first]
    assert bases == sorted(bases, key=lambda b: b is MatchBasis.SIGNATURE)
    scores = [m.score for m in first if m.basis is MatchBasis.SIGNATURE]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < m.score <= 1 for m in first)
    for match in first:
        if match.basis is MatchBasis.FINGERPRINT:
            assert match.incident.spec.fingerprint == FP


@settings(max_examples=60, deadline=None)
@given(_incidents())
def test_signature_score_is_symmetric(found):
    for a in found:
        for b in found[:3]:
            assert signature_score(signature(a), signature(b)) == signature_score(
                signature(b), signature(a)
            )
