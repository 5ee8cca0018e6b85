"""Detected -> Investigating -> Resolved, and the health evidence resolution needs."""

from datetime import UTC, datetime, timedelta

from dorgu.learning.incidents import correlate, detect_all, record
from dorgu.learning.incidents.lifecycle import (
    RESOLVED_BY,
    advance,
    format_duration,
    healthy_since,
    is_open,
)
from dorgu.models.incidents import IncidentMemory, IncidentPhase, ResolutionOutcome
from tests.learning.incidents.objects import oom_crashloop, pod, waiting

NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def _incident(pods: int = 1, *, container: dict | None = None) -> IncidentMemory:  # type: ignore[type-arg]
    objects = [pod(f"orders-7d9f8-{i}",
                   containers=[container or oom_crashloop(3, "2026-01-05T10:00:00Z")])
               for i in range(pods)]  # fmt: skip
    (draft,) = correlate(detect_all(objects), now=NOW)
    incident = record(draft, [], now=NOW, namespace="dorgu-system")
    assert incident is not None
    return incident


def _phase(incident: IncidentMemory) -> IncidentPhase:
    assert incident.status is not None
    return incident.status.phase


def test_healthy_since_needs_every_pod_ready_and_takes_the_latest_transition():
    t1, t2 = NOW - timedelta(minutes=9), NOW - timedelta(minutes=7)
    assert healthy_since([t1, None], last_signal=None) is None
    assert healthy_since([t1, t2], last_signal=NOW - timedelta(minutes=8)) == t2
    assert healthy_since([t1], last_signal=t2) == t2  # the last sighting counts too
    assert healthy_since([], last_signal=t1) == t1  # no pods: the signal is gone since then
    assert healthy_since([], last_signal=None) is None


def test_a_single_sighting_stays_detected_until_it_lasts():
    incident = _incident(1, container=waiting("ImagePullBackOff"))
    assert _phase(incident) is IncidentPhase.DETECTED
    young = advance(incident, now=NOW + timedelta(seconds=30), failing=True, healthy=None)
    assert young is None
    old = advance(incident, now=NOW + timedelta(minutes=10), failing=True, healthy=None)
    assert old is not None and _phase(old) is IncidentPhase.INVESTIGATING
    assert old.status is not None and old.status.conditions[-1].reason == "Lasting"


def test_a_repeated_failure_is_investigated_at_once():
    incident = _incident(3, container=waiting("ImagePullBackOff"))  # three distinct sightings
    moved = advance(incident, now=NOW, failing=True, healthy=None)
    assert moved is not None and _phase(moved) is IncidentPhase.INVESTIGATING
    assert moved.status is not None and moved.status.conditions[-1].reason == "Repeating"
    contributing = _incident(1)  # an OOMKill and the crash loop it causes: two kinds
    moved = advance(contributing, now=NOW, failing=True, healthy=None)
    assert moved is not None and _phase(moved) is IncidentPhase.INVESTIGATING
    assert advance(moved, now=NOW, failing=True, healthy=None) is None  # already there


def test_resolution_needs_the_whole_stabilisation_window_of_health():
    incident = _incident(3)
    healthy = NOW + timedelta(minutes=1)
    early = advance(incident, now=healthy + FIVE - timedelta(seconds=1), failing=False,
                    healthy=healthy)  # fmt: skip
    assert early is None or _phase(early) is not IncidentPhase.RESOLVED
    still_failing = advance(incident, now=healthy + 2 * FIVE, failing=True, healthy=healthy)
    assert still_failing is None or _phase(still_failing) is not IncidentPhase.RESOLVED
    not_ready = advance(incident, now=healthy + 2 * FIVE, failing=False, healthy=None)
    assert not_ready is None or _phase(not_ready) is not IncidentPhase.RESOLVED
    done = advance(incident, now=healthy + FIVE, failing=False, healthy=healthy)
    assert done is not None and _phase(done) is IncidentPhase.RESOLVED
    assert not is_open(done)
    resolution, status = done.spec.resolution, done.status
    assert resolution is not None and status is not None
    assert resolution.outcome is ResolutionOutcome.RESOLVED
    assert resolution.resolved_by == RESOLVED_BY
    assert resolution.duration == "11m"  # firstSeen 10:00 -> resolved 10:11
    assert status.resolved_at == healthy + FIVE
    assert status.conditions[-1].type == "Resolved"
    assert advance(done, now=healthy + 3 * FIVE, failing=False, healthy=healthy) is None


def test_health_before_the_last_sighting_does_not_count():
    incident = _incident(1)
    assert incident.status is not None and incident.status.last_occurrence is not None
    last = incident.status.last_occurrence
    early = last - timedelta(hours=1)  # Ready long before: the stabilisation counts from `last`
    moved = advance(incident, now=last + FIVE - timedelta(seconds=1), failing=False, healthy=early)
    assert moved is None or _phase(moved) is not IncidentPhase.RESOLVED
    moved = advance(incident, now=last + FIVE, failing=False, healthy=early)
    assert moved is not None and _phase(moved) is IncidentPhase.RESOLVED


def test_durations_are_go_durations():
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(seconds=59)) == "59s"
    assert format_duration(timedelta(minutes=12)) == "12m"
    assert format_duration(timedelta(hours=1, minutes=2, seconds=3)) == "1h2m3s"
    assert format_duration(timedelta(hours=720)) == "720h"
    assert format_duration(timedelta(seconds=-5)) == "0s"
