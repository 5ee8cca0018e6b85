"""The live alarm rule over the detector: quiet on a daily cycle, one episode per fault with the
band before it, nothing while learning, junk samples ignored."""

from __future__ import annotations

import math
import random

from dorgu.learning.anomalies.watching import Episode, SeriesWatch, WatchSettings

STEP = 60.0
DAY = 86_400.0
T0 = 1_700_000_000.0


def _daily(t: float) -> float:
    return 1.0 + 0.5 * math.sin(2 * math.pi * t / DAY)


def _feed(watch: SeriesWatch, start: int, stop: int, factor: float = 1.0, seed: int = 0
          ) -> list[tuple[int, Episode]]:  # fmt: skip
    rng = random.Random(seed + start)
    out = []
    for i in range(start, stop):
        t = T0 + i * STEP
        episode = watch.update(t, _daily(t) * rng.uniform(0.95, 1.05) * factor)
        if episode is not None:
            out.append((i, episode))
    return out


def test_three_quiet_days_raise_nothing_and_a_step_opens_one_episode_quickly():
    watch = SeriesWatch()
    quiet = 3 * 1440
    assert _feed(watch, 0, quiet) == []
    events = _feed(watch, quiet, quiet + 30, factor=2.5)
    assert events, "a x2.5 step was not noticed"
    first_index, first = events[0]
    assert first_index - quiet < 5
    assert first.end is None and watch.current is not None
    assert first.start >= T0 + quiet * STEP
    assert first.low < first.high < first.observed
    assert 0.6 <= first.score <= 1
    assert all(e.start == first.start for _, e in events)  # one episode, grown, not many


def test_an_episode_closes_when_the_series_is_back_to_normal():
    watch = SeriesWatch()
    quiet = 3 * 1440
    _feed(watch, 0, quiet)
    _feed(watch, quiet, quiet + 5, factor=4.0)
    events = _feed(watch, quiet + 5, quiet + 120)
    closed = [e for _, e in events if e.end is not None]
    assert len(closed) == 1 and watch.current is None
    assert closed[0].start <= closed[0].end  # type: ignore[operator]


def test_nothing_is_raised_while_the_series_is_learning():
    watch = SeriesWatch(WatchSettings(learn_seconds=DAY))
    _feed(watch, 0, 600)
    assert _feed(watch, 600, 700, factor=10.0) == []


def test_nan_infinite_and_repeated_samples_are_ignored():
    watch = SeriesWatch()
    assert watch.update(T0, 1.0) is None
    assert watch.update(T0, 100.0) is None  # same time again
    assert watch.update(T0 - 60, 1.0) is None  # older
    assert watch.update(T0 + 60, math.nan) is None
    assert watch.update(T0 + 120, math.inf) is None
    assert watch.last_time == T0


def test_an_old_level_change_already_inside_the_recent_band_opens_nothing():
    """The detector keeps scoring a level change while its long window still holds the old
    level; once the recent band has caught up (here: the change fell in the learning period),
    a value inside that band is no news and opens no episode (seen live: history 2 % off the
    live rate); a real step afterwards still opens one."""
    step, history = 2.0, 64_800
    learning = (history + 7_200 + 200) * step  # until 200 samples after the change
    watch = SeriesWatch(WatchSettings(learn_seconds=learning))
    for i in range(history):
        watch.update(T0 + i * step, 0.1023)
    live = range(history + 7_200, history + 7_600)  # after a 4 h gap
    events = [watch.update(T0 + i * step, 0.1 + 1e-6 * (i % 2)) for i in live]
    assert [e for e in events if e is not None] == []
    jump = range(history + 7_600, history + 7_620)
    assert any(watch.update(T0 + i * step, 0.4) is not None for i in jump)
