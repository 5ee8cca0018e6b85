"""Watching one live series: the streaming detector plus the rule that turns its scores into
anomaly episodes (start, end, expected band, observed value, peak score).

The detector's own decision is tuned for NAB, where every labelled window counts; on a live
series at the scrape cadence a false alarm costs a person's attention, so the live rule is
stricter (``WatchSettings``): an episode opens when the score stays at or above ``threshold``
for ``persist`` consecutive samples, and closes after ``close_after`` samples below
``release``, and only when the value lies outside the expected band by at least ``min_change``
of the band's median (a change too small to act on, such as a flat series moving by a
rounding error, is no anomaly however unusual).  A series raises nothing during its first ``learn_seconds`` (the detector has no
daily view yet), and at most one episode opens per ``refractory_seconds``.

State per series: the detector's (bounded, see ``DetectorSettings``) plus the last
``band_samples`` values for the expected band.  Must not do I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dorgu.learning.anomalies.baselines import RollingQuantiles
from dorgu.learning.anomalies.detecting import Detector, DetectorSettings


@dataclass(frozen=True)
class WatchSettings:
    """The live alarm rule; chosen on synthetic operational series (docs/anomaly.md, "Live")."""

    threshold: float = 0.6
    persist: int = 2
    release: float = 0.5
    close_after: int = 5
    learn_seconds: float = 93_600.0  # a day and 2 hours: the daily view and its bar are warm
    refractory_seconds: float = 3_600.0
    band_samples: int = 60
    min_change: float = 0.01
    detector: DetectorSettings = field(default_factory=DetectorSettings)


@dataclass(frozen=True)
class Episode:
    """One anomaly on one series; ``end`` is None while it goes on."""

    start: float
    end: float | None
    low: float
    high: float
    observed: float
    score: float


class SeriesWatch:
    """Feed samples in time order with ``update``; it returns the episode it opened, changed or
    closed on that sample (else None).  ``current`` is the open episode."""

    def __init__(self, settings: WatchSettings | None = None) -> None:
        self.settings = s = settings or WatchSettings()
        self._detector = Detector(s.detector)
        self._band = RollingQuantiles(s.band_samples)
        self._first: float | None = None
        self.last_time: float | None = None
        self._run_start: float | None = None
        self._run = 0
        self._calm = 0
        self._last_open = -math.inf
        self.current: Episode | None = None
        self._last_end = 0.0

    def update(self, time: float, value: float) -> Episode | None:
        s = self.settings
        if self.last_time is not None and time <= self.last_time:
            return None  # an overlapping query returned a sample already seen
        if not math.isfinite(value):
            return None
        if self._first is None:
            self._first = time
        self.last_time = time
        score = self._detector.update(time, value).score
        high = score >= s.threshold
        self._run = self._run + 1 if high else 0
        if self._run == 1:
            self._run_start = time
        changed: Episode | None = None
        if self.current is not None:
            changed = self._follow(time, value, score)
        elif (
            self._run >= s.persist
            and time - self._first >= s.learn_seconds
            and time - self._last_open >= s.refractory_seconds
            and len(self._band)
            and self._outside_band(value)
        ):
            start = self._run_start if self._run_start is not None else time
            self.current = changed = Episode(
                start=start, end=None, low=self._band.quantile(0.05),
                high=self._band.quantile(0.95), observed=value, score=score,
            )  # fmt: skip
            self._last_open, self._calm, self._last_end = time, 0, time
        if self.current is None:
            self._band.push(value)
        return changed

    def _outside_band(self, value: float) -> bool:
        margin = self.settings.min_change * abs(self._band.quantile(0.5))
        return (
            value > self._band.quantile(0.95) + margin or value < self._band.quantile(0.05) - margin
        )

    def _follow(self, time: float, value: float, score: float) -> Episode | None:
        s, episode = self.settings, self.current
        assert episode is not None
        if score >= s.release:
            self._calm = 0
            self._last_end = time
            if score > episode.score:
                self.current = Episode(episode.start, None, episode.low, episode.high, value, score)
                return self.current
            return None
        self._calm += 1
        if self._calm < s.close_after:
            return None
        self.current = None
        return Episode(episode.start, self._last_end, episode.low, episode.high,
                       episode.observed, episode.score)  # fmt: skip
