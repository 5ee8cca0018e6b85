"""The channel's hub: ordered ids, resume without gaps or duplicates, a reset when history is
gone or the operator restarted, filters, and slow watchers dropped without slowing others."""

from __future__ import annotations

import asyncio

from dorgu.operator.channel.hub import Hub, Watcher
from dorgu.operator.channel.summaries import changes, incident_summary, persona_summary


def _drain(watcher: Watcher) -> list[dict[str, object]]:
    out = []
    while not watcher.queue.empty():
        item = watcher.queue.get_nowait()
        assert item is not None
        out.append(item)
    return out


def test_resume_gives_exactly_what_followed_and_resets_when_it_cannot():
    hub = Hub(capacity=5, epoch="e1")
    ids = [
        hub.publish(namespace="shop", persona="web", type="phase", data=i)["id"] for i in range(8)
    ]
    assert ids[0] == "e1-1" and ids[-1] == "e1-8"
    assert [e["data"] for e in hub.after("e1-5") or []] == [5, 6, 7]
    assert hub.after("e1-8") == []
    assert hub.after("e1-3") is not None  # 4..8 are all still held
    assert hub.after("e1-2") is None  # 3 fell out of the history: start over
    assert hub.after("other-5") is None  # another operator process
    assert hub.after("e1-99") is None and hub.after("junk") is None and hub.after(None) is None


def test_watchers_get_only_their_scope_and_a_slow_one_is_dropped_alone():
    async def scenario() -> None:
        hub = Hub(epoch="e")
        shop = Watcher(user="a", namespace="shop", name=None)
        web = Watcher(user="a", namespace="shop", name="web")
        everything = Watcher(user="b", namespace=None, name=None)
        slow = Watcher(user="c", namespace=None, name=None, queue=asyncio.Queue(2))
        for w in (shop, web, everything, slow):
            hub.attach(w, [])
        hub.publish(namespace="shop", persona="web", type="phase", data=1)
        hub.publish(namespace="shop", persona="db", type="phase", data=2)
        hub.publish(namespace="other", persona="web", type="phase", data=3)
        assert [e["data"] for e in _drain(shop)] == [1, 2]
        assert [e["data"] for e in _drain(web)] == [1]
        assert [e["data"] for e in _drain(everything)] == [1, 2, 3]
        assert slow.dropped is not None and "slow consumer" in slow.dropped
        assert slow not in hub.watchers and slow.queue.get_nowait() is None
        assert hub.count("a") == 2 and hub.dropped == 1

    asyncio.run(scenario())


def test_summaries_change_per_section_and_incidents_name_their_persona():
    before = persona_summary({"status": {"phase": "Active", "argoCD": {"syncStatus": "Synced"}}})
    after = persona_summary({"status": {"phase": "Degraded", "argoCD": {"syncStatus": "Synced"},
                                        "validation": {"passed": False, "issues": [
                                            {"severity": "error", "message": "x" * 900}]}}})  # fmt: skip
    assert [s for s, _ in changes(before, after)] == ["phase", "validation"]
    assert len(after["validation"]["issues"][0]["message"]) == 300  # type: ignore[index]
    assert [s for s, _ in changes(None, before)] == ["phase", "argocd"]
    assert changes(after, after) == []
    found = incident_summary({"metadata": {"name": "web-abc-1", "namespace": "shop"},
                              "spec": {"personaRef": {"name": "web"}, "severity": "critical",
                                       "detection": {"signal": "OOMKilled"}},
                              "status": {"phase": "Detected", "occurrenceCount": 3}})  # fmt: skip
    assert found == ("shop", "web", {"name": "web-abc-1", "phase": "Detected",
                                     "severity": "critical", "category": None,
                                     "signal": "OOMKilled", "occurrences": 3})  # fmt: skip
    assert incident_summary({"metadata": {}}) is None
