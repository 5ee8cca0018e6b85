from datetime import timedelta

import pytest
from pydantic import SecretStr

from dorgu.learning.notifications import (
    MAX_ATTEMPTS,
    Action,
    TokenBucket,
    backoff,
    decide,
    desired_state,
    milestone,
    record_failure,
    record_success,
)
from dorgu.models.incidents import IncidentPhase, IncidentSeverity
from dorgu.models.notifications import QuietHours, Target, TargetKind
from tests.learning.notifications.incidents import T0, incident

SLACK = Target(name="slack", kind=TargetKind.SLACK, channel="#ops")
TEAMS = Target(name="teams", kind=TargetKind.TEAMS, url=SecretStr("https://example.invalid/x"))


def _delivered(target, inc, now, message_id="1.1", channel_id="C1"):
    plan, _ = decide(inc, _state(inc, target), target=target, now=now)
    assert plan.sends
    state = record_success(plan, now=now, message_id=message_id, channel_id=channel_id)
    return inc.model_copy(
        update={"status": inc.status.model_copy(update={"notifications": [state]})}
    )


def _state(inc, target):
    return next((s for s in inc.status.notifications if s.target == target.name), None)


def test_milestones_grow_geometrically():
    assert [milestone(n) for n in (0, 1, 4, 5, 9, 10, 24, 25, 49, 50, 99, 100, 260, 1200)] == [
        1, 1, 1, 5, 5, 10, 10, 25, 25, 50, 50, 100, 250, 1000,
    ]  # fmt: skip


def test_one_opening_message_then_nothing_until_a_change():
    first = incident()
    plan, _ = decide(first, None, target=SLACK, now=T0)
    assert plan.action is Action.OPEN
    sent = _delivered(SLACK, first, T0)
    again, _ = decide(sent, _state(sent, SLACK), target=SLACK, now=T0 + timedelta(minutes=1))
    assert again.action is Action.NONE


def test_occurrences_update_only_at_milestones():
    sent = _delivered(SLACK, incident(), T0)
    actions = []
    current = sent
    for count in range(2, 30):
        bumped = current.model_copy(
            update={"status": current.status.model_copy(update={"occurrence_count": count})}
        )
        plan, _ = decide(bumped, _state(bumped, SLACK), target=SLACK, now=T0)
        actions.append(plan.action)
        if plan.sends:
            state = record_success(plan, now=T0)
            bumped = bumped.model_copy(
                update={"status": bumped.status.model_copy(update={"notifications": [state]})}
            )
        current = bumped
    assert actions.count(Action.UPDATE) == 3  # 5, 10, 25
    assert set(actions) == {Action.NONE, Action.UPDATE}


def test_phase_and_severity_changes_update_and_resolution_is_one_message():
    sent = _delivered(SLACK, incident(), T0)
    for change in ({"phase": IncidentPhase.INVESTIGATING},):
        moved = sent.model_copy(update={"status": sent.status.model_copy(update=change)})
        plan, _ = decide(moved, _state(moved, SLACK), target=SLACK, now=T0)
        assert plan.action is Action.UPDATE
    worse = sent.model_copy(
        update={"spec": sent.spec.model_copy(update={"severity": IncidentSeverity.WARNING})}
    )
    assert decide(worse, _state(worse, SLACK), target=SLACK, now=T0)[0].action is Action.UPDATE
    resolved = sent.model_copy(
        update={"status": sent.status.model_copy(update={"phase": IncidentPhase.RESOLVED})}
    )
    plan, _ = decide(resolved, _state(resolved, SLACK), target=SLACK, now=T0)
    assert plan.action is Action.RESOLVE
    done = record_success(plan, now=T0)
    assert decide(resolved, done, target=SLACK, now=T0)[0].action is Action.NONE


def test_resolved_before_any_message_sends_nothing():
    resolved = incident(phase=IncidentPhase.RESOLVED)
    plan, _ = decide(resolved, None, target=SLACK, now=T0)
    assert plan.action is Action.SKIP and plan.state.sent == "resolved"
    assert decide(resolved, plan.state, target=SLACK, now=T0)[0].action is Action.NONE


def test_recurrence_within_24h_goes_to_the_earlier_thread_and_later_opens_anew():
    first = _delivered(SLACK, incident(), T0, message_id="111.222", channel_id="C9")
    earlier = _state(first, SLACK)
    second = incident(episode=2, phase=IncidentPhase.RECURRING, previous=first.metadata.name)
    plan, _ = decide(second, None, target=SLACK, now=T0 + timedelta(hours=23),
                     earlier=earlier, earlier_name=first.metadata.name)  # fmt: skip
    assert plan.action is Action.RECUR
    assert (plan.state.thread, plan.state.channel_id) == ("111.222", "C9")
    assert plan.state.opened_at == T0 and plan.state.inherited_from == first.metadata.name
    # the 24 h count from the first opening message, not from the recurrence
    inherited = record_success(plan, now=T0 + timedelta(hours=23))
    assert inherited.opened_at == T0 and inherited.thread == "111.222"
    third = incident(episode=3, phase=IncidentPhase.RECURRING, previous=second.metadata.name)
    late, _ = decide(third, None, target=SLACK, now=T0 + timedelta(hours=25), earlier=inherited)
    assert late.action is Action.OPEN


def test_restart_with_stored_state_sends_no_duplicate():
    sent = _delivered(SLACK, incident(), T0)
    # a new process: the only memory is the stored object, read back from its JSON
    reread = type(sent).model_validate(sent.model_dump(mode="json", by_alias=True))
    plan, _ = decide(reread, _state(reread, SLACK), target=SLACK, now=T0 + timedelta(hours=1))
    assert plan.action is Action.NONE


def test_failed_delivery_backs_off_with_jitter_and_is_retried_after_a_restart():
    inc = incident()
    plan, _ = decide(inc, None, target=TEAMS, now=T0)
    failed = record_failure(plan, now=T0, error="HTTP 503", jitter=0.0)
    assert failed.attempts == 1 and failed.sent is None
    assert failed.next_attempt == T0 + timedelta(seconds=15)
    stored = inc.model_copy(
        update={"status": inc.status.model_copy(update={"notifications": [failed]})}
    )
    reread = type(stored).model_validate(stored.model_dump(mode="json", by_alias=True))
    early, _ = decide(reread, _state(reread, TEAMS), target=TEAMS, now=T0 + timedelta(seconds=10))
    assert early.action is Action.WAIT
    due, _ = decide(reread, _state(reread, TEAMS), target=TEAMS, now=T0 + timedelta(seconds=16))
    assert due.action is Action.OPEN


def test_backoff_doubles_up_to_a_cap_and_jitter_stays_within_half():
    assert [backoff(n, 1.0) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert backoff(30, 1.0) == 3600.0
    assert backoff(3, 0.0) == 60.0


def test_retry_after_wins_and_attempts_are_bounded():
    plan, _ = decide(incident(), None, target=TEAMS, now=T0)
    state = record_failure(plan, now=T0, error="HTTP 429", jitter=0.5, retry_after=7)
    assert state.next_attempt == T0 + timedelta(seconds=7)
    for _ in range(MAX_ATTEMPTS - 1):
        plan = plan.__class__(plan.action, state, plan.desired)
        state = record_failure(plan, now=T0, error="HTTP 503", jitter=0.5)
    assert state.abandoned == plan.desired and state.next_attempt is None
    assert state.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert (
        decide(incident(), state, target=TEAMS, now=T0 + timedelta(days=1))[0].action is Action.NONE
    )


def test_permanent_failure_is_not_retried_but_a_later_change_is_sent():
    inc = incident()
    plan, _ = decide(inc, None, target=TEAMS, now=T0)
    state = record_failure(plan, now=T0, error="HTTP 404", jitter=0.5, permanent=True)
    assert state.abandoned and state.attempts == 1
    resolved = incident(phase=IncidentPhase.RESOLVED)
    assert decide(resolved, state, target=TEAMS, now=T0)[0].action is Action.SKIP


def test_rate_limit_per_target_is_a_token_bucket():
    bucket = TokenBucket.full(capacity=2, per_minute=6, now=T0)
    actions = []
    for i in range(3):
        inc = incident(name=f"other-{i}")
        plan, bucket = decide(inc, None, target=SLACK, now=T0, bucket=bucket)
        actions.append(plan)
    assert [p.action for p in actions] == [Action.OPEN, Action.OPEN, Action.WAIT]
    assert actions[2].reason == "rate limit"
    assert actions[2].state.next_attempt == T0 + timedelta(seconds=10)
    plan, bucket = decide(
        incident(name="x"), None, target=SLACK, now=T0 + timedelta(seconds=10), bucket=bucket
    )
    assert plan.action is Action.OPEN


QUIET = QuietHours(timezone="Europe/Berlin", start="22:00", end="07:00")


def test_quiet_hours_hold_messages_until_the_window_ends_in_local_time():
    night = T0.replace(hour=23)  # 00:00 in Berlin (UTC+1 in January)
    warning = incident(severity=IncidentSeverity.WARNING)
    plan, _ = decide(warning, None, target=SLACK, now=night, quiet=QUIET)
    assert plan.action is Action.WAIT and plan.reason == "quiet hours"
    assert plan.state.next_attempt == T0.replace(hour=6) + timedelta(days=1)  # 07:00 Berlin
    day = T0.replace(hour=12)
    assert decide(warning, None, target=SLACK, now=day, quiet=QUIET)[0].action is Action.OPEN


def test_critical_bypasses_quiet_hours_unless_configured_not_to():
    night = T0.replace(hour=23)
    assert decide(incident(), None, target=SLACK, now=night, quiet=QUIET)[0].action is Action.OPEN
    strict = QUIET.model_copy(update={"allow_critical": False})
    assert decide(incident(), None, target=SLACK, now=night, quiet=strict)[0].action is Action.WAIT


def test_quiet_hours_respect_days_and_daylight_saving():
    from datetime import UTC, datetime

    from dorgu.learning.notifications import quiet_until

    weekend = QuietHours(
        timezone="America/New_York", start="00:00", end="08:00", days=("sat", "sun")
    )
    saturday_3am_ny_summer = datetime(2026, 7, 4, 7, 0, tzinfo=UTC)  # EDT, UTC-4
    assert quiet_until(saturday_3am_ny_summer, weekend) == datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
    monday = datetime(2026, 7, 6, 7, 0, tzinfo=UTC)
    assert quiet_until(monday, weekend) is None
    saturday_winter = datetime(2026, 1, 3, 7, 0, tzinfo=UTC)  # EST, UTC-5
    assert quiet_until(saturday_winter, weekend) == datetime(2026, 1, 3, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", [{"start": "22:00", "end": "22:00"}, {"start": "25:00", "end": "07:00"},
                                 {"start": "22:00", "end": "07:00", "days": ["someday"]}])  # fmt: skip
def test_bad_quiet_hours_are_rejected(bad):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        QuietHours(**bad)


def test_desired_state_names_phase_severity_and_milestone():
    assert desired_state(incident(count=7)) == "Detected/critical/5"
    assert desired_state(incident(phase=IncidentPhase.RESOLVED)) == "resolved"
