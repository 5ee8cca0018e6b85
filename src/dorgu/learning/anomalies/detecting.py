"""The streaming detector: each sample gets a score in [0, 1] and a decision, computed from the
samples before it only; the state per series is bounded (see :class:`DetectorSettings`).

Four views of the smoothed value ``m`` (the mean of the last ``smooth`` samples), the first
three as a deviation in units of the long window's spread: its 10-90 % range, but at least
``cv`` times its median's size (a coefficient-of-variation floor: on a quiet series a wiggle
that is tiny next to the level is not an event):

- *global*: ``|m - median|`` of the last ``history`` samples (level shifts, spikes, new range);
- *local*: ``|m - median|`` of the last ``local`` samples (sudden changes inside the range);
- *daily*: ``|m - m_d|`` for the closest of the last ``days`` days, ``m_d`` the median of
  the smoothed values seen within ``day_tolerance`` of ``t - d days`` (a broken daily cycle;
  with a week of days a weekly cycle, such as quiet weekends, matches a week ago).  Off
  (deviation 0) when no day has a sample there: the first day, gaps, an irregular series.
- *rarity*: how rarely the long window held a value within ``rarity_width`` spreads of ``m``,
  as a surprisal ``-log((count + 1) / (n + 1))`` (a value inside the usual range that the
  series seldom or never takes: a level between two usual states, a sensor stuck half-way).
  Raw values are counted, so on a series whose smoothed value rarely matches a raw one the
  bar sits above the largest possible surprisal and the view stays silent.

Each view's deviation is compared with its own recent history: the bar is the mean plus ``k``
standard deviations of that view's last ``memory`` deviations (the idea behind NAB's anomaly
likelihood: judge a deviation against how this series usually deviates), giving a ratio per
view (the rarity view judges its surprisal against its bar the same way).  When the daily view
has a partner it also vouches for the others: what looked the same on a recent day is seasonal,
so the global/local/rarity ratio counts at most ``1 / gate`` times the daily ratio (a nightly
batch job is not an anomaly; a missing one is), unless it reaches ``vouch_below``: a deviation
that many bars out is more than a recent day's likeness can explain (a recurring pattern's own
deviations raise the level bars within a few runs, so its ratio stays far below that).  The
score is ``r / (r + 1)`` with ``r`` the resulting ratio, so 0.5 means "at the bar".

A borderline ratio (at least 1, below ``confirm_below``) must be confirmed by a slower
*shift* view: the mean of the last ``shift_window`` raw values against the long median, in
spreads, must reach ``confirm`` times that view's own bar (mean plus ``k`` standard deviations
of its last ``memory`` deviations; always confirmed during its first ``shift_warmup``).  An
unconfirmed one (a burst or dip too short to move the mean) gets ratio ``UNCONFIRMED``, just
under the bar.  A sample is an
anomaly when its score reaches ``threshold`` and no anomaly fired in the ``refractory``
samples before (one alarm per event, not one per sample).

A scrape outage leaves no trace: after a gap (more than ``gap_factor`` typical intervals) the
short-term state (smoothing and the local window) starts afresh instead of comparing values
across the gap, and the daily view finds no partner inside a gap rather than a wrong one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dorgu.learning.anomalies.baselines import RollingBar, RollingQuantiles, SameTimeHistory

VALUE_LIMIT = 1e100  # values are clamped to +-this, so sums of squares stay finite
UNCONFIRMED = 0.99  # the ratio of a borderline alarm the shift view does not confirm
DEVIATION_LIMIT = 1e150  # in spreads: keeps sums of squares of `memory` (5,000) deviations finite


@dataclass(frozen=True)
class DetectorSettings:
    """The detector's global parameters (chosen on NAB's development half; never per series).

    ``k``, ``memory``, ``refractory``, ``local``, ``gate``, ``day_tolerance``, ``cv``, ``days``,
    ``confirm_below``, ``rarity_width`` and ``vouch_below`` were picked from small sweeps on
    the development half, preferring values whose neighbours score alike on both halves of it
    (docs/anomaly.md); the rest are set by reasoning.

    Memory per series: ``history`` (twice: sorted and in order) + ``local`` (twice) +
    ``5 * memory`` + ``smooth`` + ``steps`` + ``shift_window`` floats, plus the (time, value)
    pairs of the last ``days`` days and ``day_tolerance``, at most ``days * day_samples`` of
    them (held in lists of at most twice that, compacted in bulk)."""

    history: int = 1000
    memory: int = 5000
    warmup: int = 60
    local: int = 100
    smooth: int = 3
    k: float = 6.0
    floor: float = 0.02
    threshold: float = 0.5
    refractory: int = 100
    day_samples: int = 5000
    gap_factor: float = 4.0
    steps: int = 16
    gate: float = 0.5
    day_tolerance: float = 600.0
    cv: float = 0.2
    days: int = 7
    shift_window: int = 30
    shift_warmup: int = 500
    confirm: float = 0.3
    confirm_below: float = 3.0
    rarity_width: float = 0.05
    rarity_floor: float = 2.0
    vouch_below: float = 5.0


@dataclass(frozen=True)
class Verdict:
    """One sample's result: its score in [0, 1] and whether the detector fires on it."""

    score: float
    anomaly: bool


class Detector:
    """Per-series streaming state.  ``update`` takes samples in time order."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = s = settings or DetectorSettings()
        self._long = RollingQuantiles(s.history)
        self._local = RollingQuantiles(s.local)
        self._recent: deque[float] = deque(maxlen=s.smooth)
        self._bars = [RollingBar(s.memory, s.k) for _ in range(3)]
        self._day = SameTimeHistory(s.days, s.days * s.day_samples, s.day_tolerance)
        self._since_alarm = s.refractory + 1
        self._steps: deque[float] = deque(maxlen=s.steps)
        self._last_time: float | None = None
        self._shift_values: deque[float] = deque(maxlen=s.shift_window)
        self._shift_bar = RollingBar(s.memory, s.k)
        self._rarity_bar = RollingBar(s.memory, s.k)

    def update(self, time: float, value: float) -> Verdict:
        """Score ``value`` observed at ``time`` (epoch seconds), then learn from it."""
        s = self.settings
        if math.isnan(value):  # no sample (Prometheus's stale marker): nothing to judge
            return Verdict(0.0, False)
        value = min(max(value, -VALUE_LIMIT), VALUE_LIMIT)
        if self._is_gap(time):
            self._recent.clear()
            self._local = RollingQuantiles(s.local)
        self._recent.append(value)
        smoothed = sum(self._recent) / len(self._recent)
        ratio = 0.0
        if len(self._long) >= s.warmup:
            ratio = self._ratio(time, smoothed)
            if not self._shift_confirms(value) and 1.0 <= ratio < s.confirm_below:
                ratio = UNCONFIRMED
        score = ratio / (ratio + 1.0)
        self._since_alarm += 1
        anomaly = score >= s.threshold and self._since_alarm > s.refractory
        if anomaly:
            self._since_alarm = 0
        self._long.push(value)
        self._local.push(value)
        self._day.push(time, smoothed)
        return Verdict(score, anomaly)

    def _spread(self) -> tuple[float, float]:
        """The long window's median and spread (10-90 % range, at least ``cv`` times the
        median's size)."""
        s = self.settings
        median = self._long.quantile(0.5)
        spread = max(self._long.quantile(0.9) - self._long.quantile(0.1), s.cv * abs(median), 1e-9)
        return median, spread

    def _rarity(self, smoothed: float) -> float:
        """The rarity view's ratio: how rarely the long window held a value within
        ``rarity_width`` spreads of ``smoothed``, as a surprisal ``-log((count + 1) / (n + 1))``
        against its own bar (mean plus ``k`` deviations of its last ``memory`` surprisals), at
        least ``rarity_floor`` nats (2: a value seen in 13.5 % of the window), so a value
        never seen scores at most ``log(n + 1) / 2`` (3.45) bars: alone, the view never
        escapes the daily vouching (after a perfectly constant history any wobble is "never
        seen", and must not be hundreds of bars out on that ground alone), yet a value beyond
        everything seen (a leak) needs no shift confirmation.
        0 while the bar is learning, and always when ``rarity_width`` is 0 (the view off)."""
        s = self.settings
        if s.rarity_width <= 0:
            return 0.0
        _, spread = self._spread()
        width = s.rarity_width * spread
        count = self._long.count_within(smoothed - width, smoothed + width)
        surprisal = -math.log((count + 1) / (len(self._long) + 1))
        bar = self._rarity_bar
        ratio = surprisal / max(bar.bar(), s.rarity_floor) if len(bar) >= s.warmup else 0.0
        bar.push(surprisal)
        return ratio

    def _shift_confirms(self, value: float) -> bool:
        """The shift view: whether the mean of the last ``shift_window`` values has moved from
        the long window's median by at least ``confirm`` times this view's own bar (mean plus
        ``k`` deviations of its last ``memory`` deviations).  True while it is still learning."""
        s = self.settings
        self._shift_values.append(value)
        if len(self._shift_values) < s.shift_window:
            return True
        median, spread = self._spread()
        mean = sum(self._shift_values) / len(self._shift_values)
        deviation = min(abs(mean - median) / spread, DEVIATION_LIMIT)
        bar = self._shift_bar
        confirms = len(bar) < s.shift_warmup or deviation >= s.confirm * max(bar.bar(), s.floor)
        bar.push(deviation)
        return confirms

    def _is_gap(self, time: float) -> bool:
        """Whether ``time`` follows a gap (more than ``gap_factor`` typical steps since the
        last sample); the typical step is the median of the last ``steps`` intervals."""
        last, self._last_time = self._last_time, time
        if last is None:
            return False
        step = time - last
        typical = sorted(self._steps)[len(self._steps) // 2] if self._steps else step
        self._steps.append(step)
        return step > self.settings.gap_factor * typical

    def _ratio(self, time: float, smoothed: float) -> float:
        s = self.settings
        median, spread = self._spread()
        deviations = [abs(smoothed - median) / spread, 0.0, 0.0]
        if len(self._local) >= s.local:
            deviations[1] = abs(smoothed - self._local.quantile(0.5)) / spread
        daily = self._day.closest(time, smoothed)
        if daily is not None:
            deviations[2] = daily / spread
        ratios = [0.0, 0.0, 0.0]
        for view, (deviation, bar) in enumerate(zip(deviations, self._bars, strict=True)):
            deviation = min(deviation, DEVIATION_LIMIT)
            if deviation > s.floor and len(bar) >= s.warmup:
                ratios[view] = deviation / max(bar.bar(), s.floor)
            bar.push(deviation)
        level = max(ratios[0], ratios[1], self._rarity(smoothed))
        if daily is None or not s.gate or level >= s.vouch_below:
            return max(level, ratios[2])
        return max(ratios[2], min(level, ratios[2] / s.gate))


def detect(
    samples: Iterable[tuple[float, float]], settings: DetectorSettings | None = None
) -> Iterator[Verdict]:
    """Run a fresh detector over ``(time, value)`` samples in time order."""
    detector = Detector(settings)
    for time, value in samples:
        yield detector.update(time, value)
