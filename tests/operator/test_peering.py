"""kopf's election read back from the cached peering object (``is_leader``, ``Leadership``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dorgu.operator.peering import Leadership, is_leader

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _peer(priority: int, *, seen_ago: float = 1.0, lifetime: int = 20) -> dict[str, object]:
    return {"priority": priority, "lifetime": lifetime,
            "lastseen": (NOW - timedelta(seconds=seen_ago)).isoformat()}  # fmt: skip


def _peering(**peers: dict[str, object]) -> dict[str, object]:
    return {"metadata": {"name": "dorgu"}, "status": peers}


def _leader(peering: dict[str, object] | None, *, mandatory: bool = False) -> bool:
    return is_leader(peering, identity="me", priority=100, mandatory=mandatory, now=NOW)


def test_alone_and_announced_is_active() -> None:
    assert _leader(_peering(me=_peer(100)))


def test_not_active_before_kopf_announced_this_replica() -> None:
    assert not _leader(_peering(other=_peer(1)))
    assert not _leader({"metadata": {"name": "dorgu"}})


@pytest.mark.parametrize(("priority", "active"), [(99, True), (100, False), (101, False)])
def test_a_live_peer_with_equal_or_higher_priority_wins(priority: int, active: bool) -> None:
    assert _leader(_peering(me=_peer(100), other=_peer(priority))) is active


def test_a_dead_peer_does_not_count() -> None:
    assert _leader(_peering(me=_peer(100), other=_peer(500, seen_ago=30, lifetime=20)))


def test_malformed_peer_entries_are_ignored() -> None:
    broken = {"priority": "high", "lastseen": "yesterday"}
    assert _leader(_peering(me=_peer(100), other=broken, junk="x"))  # type: ignore[arg-type]


def test_no_peering_object_means_active_unless_mandatory() -> None:
    assert _leader(None)
    assert not _leader(None, mandatory=True)


def test_leadership_calls_on_gain_once_per_transition() -> None:
    state: dict[str, object] = {"peering": _peering(other=_peer(1))}
    gained: list[datetime] = []
    leadership = Leadership(standalone=False, identity="me", priority=100, mandatory=False,
                            peering=lambda: state["peering"],  # type: ignore[arg-type,return-value]
                            on_gain=lambda: gained.append(NOW), clock=lambda: NOW)  # fmt: skip

    assert leadership.check() is False and gained == []
    state["peering"] = _peering(me=_peer(100), other=_peer(1))
    assert leadership.check() is True and leadership.check() is True
    assert len(gained) == 1
    state["peering"] = _peering(me=_peer(100), other=_peer(900))
    assert leadership.check() is False
    state["peering"] = _peering(me=_peer(100))
    assert leadership.check() is True and len(gained) == 2


def test_standalone_is_always_active() -> None:
    leadership = Leadership(standalone=True, identity="me", priority=1, mandatory=True,
                            peering=lambda: None, on_gain=lambda: None, clock=lambda: NOW)  # fmt: skip
    assert leadership.check() is True
