"""The notifier end to end: real HTTP on loopback to stand-ins speaking Slack's, Teams' and a
webhook's wire formats (tests/clients/notify_servers.py), through the httpx transport."""

import asyncio
import logging
import socket
from datetime import timedelta

import pytest
from pydantic import SecretStr

from dorgu.clients.notify import FakeTransport, HttpxTransport, Reply
from dorgu.errors import ConfigError
from dorgu.models.incidents import IncidentMemory, IncidentPhase
from dorgu.models.personas_spec import Ownership
from dorgu.services.notifying import IncidentNotifier, build_setup
from tests.clients.notify_servers import TOKEN, stand_in
from tests.learning.notifications.incidents import T0, incident


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def _setup(url, *, routing=None, slack_webhook=True, teams=True, webhook=True, bot=True):
    return build_setup(
        slack_webhook_url=SecretStr(f"{url}/services/T0/B0/hook") if slack_webhook else None,
        slack_token=SecretStr(TOKEN) if bot else None,
        slack_channel="#incidents" if bot else None,
        teams_webhook_url=SecretStr(f"{url}/workflows/flow1") if teams else None,
        webhook_url=SecretStr(f"{url}/hook") if webhook else None,
        slack_api_url=f"{url}/api",
        routing_text=routing,
    )


def _notifier(setup, clock, **kwargs):
    return IncidentNotifier(setup=setup, transport=HttpxTransport(timeout=2.0), clock=clock,
                            jitter=lambda: 0.0, **kwargs)  # fmt: skip


def _with(inc: IncidentMemory, **status) -> IncidentMemory:
    return inc.model_copy(update={"status": inc.status.model_copy(update=status)})


def _stored(inc: IncidentMemory) -> IncidentMemory:
    """What a new process reads back from the API server."""
    return IncidentMemory.model_validate(
        inc.model_dump(mode="json", by_alias=True, exclude_none=True)
    )


def test_one_opening_message_per_target_and_nothing_when_written_again():
    async def go():
        with stand_in() as server:
            clock = Clock()
            notifier = _notifier(_setup(server.url), clock)
            first = incident()
            written = await notifier(None, first)
            assert written is not None
            states = {s.target: s for s in written.status.notifications}
            assert set(states) == {"slack-webhook", "slack", "teams", "webhook"}
            assert all(s.sent == "Detected/critical/1" and s.attempts == 0 for s in states.values())
            assert states["slack"].thread == "1767607200.000001"
            assert states["slack"].channel_id == "C0INCIDENTS"
            assert len(server.requests) == 4
            assert await notifier(first, written) is None  # a resync: nothing new
            clock.now += timedelta(minutes=5)
            assert await notifier(written, _with(written, occurrence_count=3)) is None
            assert len(server.requests) == 4
            await notifier.aclose()

    asyncio.run(go())


def test_changes_go_to_the_thread_and_resolution_is_one_message():
    async def go():
        with stand_in() as server:
            clock = Clock()
            notifier = _notifier(_setup(server.url, slack_webhook=False, teams=False, webhook=False),
                                 clock)  # fmt: skip
            current = await notifier(None, incident())
            root = current.status.notifications[0].thread
            for count in range(2, 31):
                clock.now += timedelta(seconds=30)
                bumped = _with(current, occurrence_count=count)
                current = await notifier(None, bumped) or bumped
            investigating = _with(current, phase=IncidentPhase.INVESTIGATING)
            current = await notifier(None, investigating) or investigating
            resolved = _with(current, phase=IncidentPhase.RESOLVED, resolved_at=clock.now)
            current = await notifier(None, resolved) or resolved
            assert await notifier(None, current) is None
            posts = server.posted("/api/chat.postMessage")
            assert len(posts) == 1 + 3 + 1 + 1  # open; 5, 10, 25; Investigating; resolved
            assert "thread_ts" not in posts[0].body
            assert all(p.body["thread_ts"] == root for p in posts[1:])
            assert posts[-1].body["text"].startswith("Resolved:")
            edits = server.posted("/api/chat.update")
            assert len(edits) == 5 and all(e.body["ts"] == root for e in edits)
            assert server.messages[root]["text"].startswith("Resolved:")  # the root shows it
            await notifier.aclose()

    asyncio.run(go())


def test_a_restarted_operator_sends_no_duplicate_and_retries_what_failed():
    async def go():
        with stand_in() as server:
            clock = Clock()
            setup = _setup(server.url, slack_webhook=False, webhook=False)
            server.script.append(("/api/", 503, b"busy", {}))  # the first Slack post fails
            notifier = _notifier(setup, clock)
            written = await notifier(None, incident())
            states = {s.target: s for s in written.status.notifications}
            assert states["slack"].sent is None and states["slack"].attempts == 1
            assert states["slack"].last_error == "HTTP 503"
            assert states["teams"].sent is not None
            await notifier.aclose()
            # the process dies; a new one is called once per open incident with what is stored
            clock.now += timedelta(minutes=1)
            restarted = _notifier(setup, clock)
            again = await restarted(None, _stored(written))
            assert again is not None
            states = {s.target: s for s in again.status.notifications}
            assert states["slack"].sent == "Detected/critical/1" and states["slack"].attempts == 0
            assert len(server.posted("/workflows/")) == 1  # Teams got exactly one message
            assert len(server.posted("/api/chat.postMessage")) == 2  # the failure, the retry
            assert await restarted(None, _stored(again)) is None
            await restarted.aclose()

    asyncio.run(go())


def test_slack_429_retry_after_is_honoured_without_blocking():
    async def go():
        with stand_in() as server:
            clock = Clock()
            setup = _setup(server.url, slack_webhook=False, teams=False, webhook=False)
            server.script.append(("/api/", 429, b"", {"Retry-After": "30"}))
            notifier = _notifier(setup, clock)
            written = await notifier(None, incident())
            state = written.status.notifications[0]
            assert state.next_attempt == T0 + timedelta(seconds=30) and state.sent is None
            assert notifier.due() == []
            persisted: list[IncidentMemory] = []

            async def persist(inc):
                persisted.append(inc)

            clock.now += timedelta(seconds=31)
            assert await notifier.retry_due(persist=persist) == 1
            assert persisted[0].status.notifications[0].sent == "Detected/critical/1"
            assert notifier.due() == []
            await notifier.aclose()

    asyncio.run(go())


def test_teams_and_webhook_5xx_and_429_are_retried_and_4xx_given_up():
    async def go():
        with stand_in() as server:
            clock = Clock()
            setup = _setup(server.url, slack_webhook=False, bot=False)
            server.script += [
                ("/workflows/", 429, b"", {"Retry-After": "5"}),
                ("/hook", 400, b"bad", {}),
            ]
            notifier = _notifier(setup, clock)
            written = await notifier(None, incident())
            states = {s.target: s for s in written.status.notifications}
            assert states["teams"].next_attempt == T0 + timedelta(seconds=5)
            assert states["webhook"].abandoned == "Detected/critical/1"
            assert states["webhook"].last_error == "gave up after 1 attempt: HTTP 400"
            await notifier.aclose()

    asyncio.run(go())


def test_slack_webhook_errors_and_unreachable_targets_never_leak_the_url(caplog):
    async def go():
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{free.getsockname()[1]}"
        with stand_in() as server:
            routing = f"""
targets:
  - {{name: gone, kind: slack-webhook, url: "{server.url}/services/T0/B0/gone"}}
  - {{name: dead, kind: webhook, url: "{dead}/secret-path-token"}}
"""
            setup = build_setup(routing_text=routing)
            notifier = _notifier(setup, Clock())
            written = await notifier(None, incident())
            states = {s.target: s for s in written.status.notifications}
            assert states["gone"].last_error == "gave up after 1 attempt: HTTP 404 no_service"
            assert states["dead"].last_error == "no response (ConnectError)"
            assert states["dead"].next_attempt is not None
            await notifier.aclose()
        dumped = written.model_dump_json()
        for text in (dumped, caplog.text):
            assert "secret-path-token" not in text and "/services/T0" not in text

    caplog.set_level(logging.DEBUG)
    asyncio.run(go())


def test_a_recurrence_within_24h_continues_the_earlier_thread_even_after_a_restart():
    async def go():
        with stand_in() as server:
            clock = Clock()
            setup = _setup(server.url, slack_webhook=False, teams=False, webhook=False)
            notifier = _notifier(setup, clock)
            first = await notifier(None, incident())
            first = await notifier(None, _with(first, phase=IncidentPhase.RESOLVED, resolved_at=T0))
            root = first.status.notifications[0].thread
            await notifier.aclose()
            store = {first.metadata.name: _stored(first)}

            async def episodes(namespace, name):
                return store.get(name)

            clock.now += timedelta(hours=3)
            restarted = _notifier(setup, clock, episodes=episodes)
            second = incident(
                episode=2, phase=IncidentPhase.RECURRING, previous=first.metadata.name
            )
            written = await restarted(None, second)
            state = written.status.notifications[0]
            assert state.thread == root and state.inherited_from == first.metadata.name
            posts = server.posted("/api/chat.postMessage")
            assert len(posts) == 3 and posts[-1].body["thread_ts"] == root
            assert posts[-1].body["text"].startswith("Recurred:")
            clock.now += timedelta(days=2)
            third = incident(
                episode=3, phase=IncidentPhase.RECURRING, previous=second.metadata.name
            )
            store[second.metadata.name] = written
            opened = await restarted(None, third)
            assert opened.status.notifications[0].thread != root  # > 24 h: a new thread
            assert "thread_ts" not in server.posted("/api/chat.postMessage")[-1].body
            await restarted.aclose()

    asyncio.run(go())


def test_routing_by_team_and_the_persona_channel():
    routing = """
targets:
  - {name: payments, kind: slack, channel: "#payments"}
routes:
  - name: payments
    match: {teams: [payments]}
    targets: [payments]
"""

    async def go():
        with stand_in() as server:
            setup = _setup(server.url, routing=routing, slack_webhook=False, teams=False,
                           webhook=False)  # fmt: skip
            owners = {("shop", "orders"): Ownership(team="payments", channel="#incidents")}
            notifier = _notifier(setup, Clock(),
                                 personas=lambda ref: owners.get((ref.namespace, ref.name)))  # fmt: skip
            written = await notifier(None, incident())
            assert [s.target for s in written.status.notifications] == [
                "payments",
                "slack:#incidents",
            ]
            channels = [p.body["channel"] for p in server.posted("/api/chat.postMessage")]
            assert sorted(channels) == ["#incidents", "#payments"]
            other = await notifier(None, incident(name="blog-1", persona="blog", namespace="blog"))
            assert [s.target for s in other.status.notifications] == ["slack"]
            await notifier.aclose()

    asyncio.run(go())


def test_rate_limit_holds_a_storm_to_the_bucket_per_target():
    routing = "rateLimit: {perMinute: 2, burst: 3}\n"

    async def go():
        transport = FakeTransport()
        setup = build_setup(webhook_url=SecretStr("https://hooks.example/x"), routing_text=routing)
        clock = Clock()
        notifier = IncidentNotifier(
            setup=setup, transport=transport, clock=clock, jitter=lambda: 0.0
        )
        for i in range(50):
            await notifier(None, incident(name=f"w{i}-fd16c631a4-1"))
        assert len(transport.posts) == 3
        assert len(notifier.due()) == 0
        clock.now += timedelta(minutes=1)
        assert len(notifier.due()) == 47

        async def persist(inc):
            return inc

        await notifier.retry_due(persist=persist)
        assert len(transport.posts) == 5  # two more tokens a minute

    asyncio.run(go())


def test_a_listener_error_never_reaches_the_pipeline():
    async def go():
        class Broken(FakeTransport):
            async def post(self, url, payload, *, token=None):
                raise RuntimeError("bug")

        setup = build_setup(webhook_url=SecretStr("https://hooks.example/x"))
        notifier = IncidentNotifier(setup=setup, transport=Broken(), clock=Clock())
        assert await notifier(None, incident()) is None

    asyncio.run(go())


def test_a_slow_target_is_abandoned_after_the_send_timeout():
    async def go():
        class Slow(FakeTransport):
            async def post(self, url, payload, *, token=None):
                await asyncio.sleep(5)
                return Reply(status=200)

        setup = build_setup(webhook_url=SecretStr("https://hooks.example/x"))
        notifier = IncidentNotifier(setup=setup, transport=Slow(), clock=Clock(), send_timeout=0.05)
        written = await asyncio.wait_for(notifier(None, incident()), 1)
        assert written.status.notifications[0].last_error == "no response within 0.05s"

    asyncio.run(go())


def test_no_target_configured_means_no_notifier_and_bad_routing_is_a_config_error():
    assert build_setup() is None
    with pytest.raises(ConfigError, match="unknown target"):
        build_setup(routing_text="routes:\n  - {name: r, targets: [x]}\n")
    setup = build_setup(webhook_url=SecretStr("https://hooks.example/very-secret"))
    assert "very-secret" not in repr(setup)


def test_the_thread_memory_is_bounded():
    from dorgu.models.notifications import NotificationState, TargetKind
    from dorgu.services.notifying import _Memory

    memory = _Memory(limit=3)
    old = NotificationState(target="s", kind=TargetKind.SLACK, opened_at=T0)
    fresh = NotificationState(target="s", kind=TargetKind.SLACK, opened_at=T0 + timedelta(hours=30))
    for i in range(3):
        memory.remember(f"old{i}", "n", [old], now=T0 + timedelta(hours=30))
    memory.remember("fresh", "n", [fresh], now=T0 + timedelta(hours=30))
    assert list(memory.by_fingerprint) == ["fresh"]
    for i in range(5):
        memory.remember(f"f{i}", "n", [fresh], now=T0 + timedelta(hours=30))
    assert len(memory.by_fingerprint) == 3
