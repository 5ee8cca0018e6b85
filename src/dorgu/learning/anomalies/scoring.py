"""The Numenta Anomaly Benchmark's scoring rules, and event-wise precision/recall/F1.

NAB scores a detector's labels per file against labelled anomaly windows:

- the first 15 % of a file (at most 750 rows) is a probation period and is not scored;
- inside a window the earliest detection scores ``tp * A(y) / A(-1)`` with
  ``A(y) = 2 / (1 + e^(5y)) - 1`` and ``y = -(right - i + 1) / width`` (the left edge gives
  ``tp``); later detections in the same window add nothing; a window with no detection costs
  ``-fn``;
- a detection outside every window costs ``fp * A(y)`` with ``y = (i - previous right) /
  (previous width - 1)`` (``A = -1`` beyond ``y = 3``), and ``-fp`` before the first window;
- the corpus score is ``100 * (raw - null) / (perfect - null)``: null detects nothing
  (``-fn`` per window), perfect detects every window at its left edge (``tp`` per window).

Event-wise precision counts runs of consecutive detections (one run = one alarm) that touch a
window; recall counts windows with at least one detection.  Nothing is point-adjusted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

PROBATION_FRACTION = 0.15
PROBATION_MAX_ROWS = 750


@dataclass(frozen=True)
class Profile:
    """A NAB cost profile: the weight of a true positive, a missed window and a false alarm."""

    name: str
    tp: float
    fn: float
    fp: float


PROFILES: Mapping[str, Profile] = {
    "standard": Profile("standard", tp=1.0, fn=1.0, fp=0.11),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", tp=1.0, fn=1.0, fp=0.22),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", tp=1.0, fn=2.0, fp=0.11),
}


@dataclass(frozen=True)
class FileScore:
    """One file's NAB score under one profile, with its null and perfect bounds."""

    raw: float
    null: float
    perfect: float
    detected_windows: int
    windows: int
    false_alarms: int


@dataclass(frozen=True)
class EventCounts:
    """Event-wise counts: alarms (runs of detections) and windows."""

    alarms: int
    true_alarms: int
    windows: int
    detected_windows: int

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(
            self.alarms + other.alarms,
            self.true_alarms + other.true_alarms,
            self.windows + other.windows,
            self.detected_windows + other.detected_windows,
        )

    @property
    def precision(self) -> float:
        return self.true_alarms / self.alarms if self.alarms else 0.0

    @property
    def recall(self) -> float:
        return self.detected_windows / self.windows if self.windows else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def scaled_sigmoid(y: float) -> float:
    """NAB's ``A(y)``: +1 far before a point, 0 at it, -1 far after (and beyond ``y = 3``)."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def probation_rows(length: int) -> int:
    """Rows at the start of a file that are not scored."""
    return min(math.floor(PROBATION_FRACTION * length), PROBATION_MAX_ROWS)


def window_indices(
    timestamps: Sequence[float], windows: Sequence[tuple[float, float]]
) -> list[tuple[int, int]]:
    """Inclusive row ranges of ``windows`` (time ranges, both ends included) in sorted
    ``timestamps``; windows holding no row are dropped."""
    stamps = np.asarray(timestamps, dtype=np.float64)
    ranges: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        left = int(np.searchsorted(stamps, start, side="left"))
        right = int(np.searchsorted(stamps, end, side="right")) - 1
        if left <= right:
            ranges.append((left, right))
    return ranges


def point_weights(
    length: int, windows: Sequence[tuple[int, int]], profile: Profile
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """For each row, the score a detection there would earn (0 in probation), and the index of
    the window it falls in (-1 outside every window)."""
    weights = np.zeros(length, dtype=np.float64)
    owner = np.full(length, -1, dtype=np.int64)
    max_tp = scaled_sigmoid(-1.0)
    previous: tuple[int, int] | None = None
    cursor = 0
    for number, (left, right) in enumerate([*windows, (length, length)]):
        for i in range(cursor, min(left, length)):
            if previous is None:
                weights[i] = -profile.fp
            else:
                width = previous[1] - previous[0] + 1
                y = (i - previous[1]) / (width - 1) if width > 1 else math.inf
                weights[i] = profile.fp * scaled_sigmoid(y)
        if left >= length:
            break
        width = right - left + 1
        for i in range(left, right + 1):
            weights[i] = profile.tp * scaled_sigmoid(-(right - i + 1) / width) / max_tp
            owner[i] = number
        previous, cursor = (left, right), right + 1
    weights[: probation_rows(length)] = 0.0
    return weights, owner


def score_file(
    detections: Sequence[bool] | NDArray[np.bool_],
    windows: Sequence[tuple[int, int]],
    profile: Profile,
) -> FileScore:
    """NAB score of one file's detections against its window row ranges."""
    detected = np.asarray(detections, dtype=bool)
    length = len(detected)
    weights, owner = point_weights(length, windows, profile)
    return _score(detected, weights, owner, len(windows), profile)


def _score(
    detected: NDArray[np.bool_],
    weights: NDArray[np.float64],
    owner: NDArray[np.int64],
    window_count: int,
    profile: Profile,
) -> FileScore:
    active = detected.copy()
    active[: probation_rows(len(detected))] = False
    outside = active & (owner < 0)
    raw = float(weights[outside].sum())
    hits = np.flatnonzero(active & (owner >= 0))
    found = 0
    if hits.size:
        _, first = np.unique(owner[hits], return_index=True)
        raw += float(weights[hits[first]].sum())
        found = len(first)
    raw -= profile.fn * (window_count - found)
    return FileScore(
        raw=raw,
        null=-profile.fn * window_count,
        perfect=profile.tp * window_count,
        detected_windows=found,
        windows=window_count,
        false_alarms=int(outside.sum()),
    )


def normalised(scores: Sequence[FileScore]) -> float:
    """The corpus score: 0 for a detector that never fires, 100 for a perfect one."""
    raw = sum(s.raw for s in scores)
    null = sum(s.null for s in scores)
    perfect = sum(s.perfect for s in scores)
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


def optimised_threshold(
    files: Sequence[tuple[NDArray[np.float64], Sequence[tuple[int, int]]]],
    profile: Profile,
    *,
    steps: int = 200,
) -> tuple[float, float]:
    """NAB's own reporting: the single corpus-wide threshold on the anomaly scores (searched
    on a grid of ``steps`` values) that maximises the normalised score, and that score.  It
    looks at the labels, so it is an upper bound, not the detector's result."""
    prepared = [
        (scores, *point_weights(len(scores), windows, profile), len(windows))
        for scores, windows in files
    ]
    best = (1.0, -math.inf)
    for step in range(steps + 1):
        threshold = step / steps
        results = [_score(scores >= threshold, w, o, n, profile) for scores, w, o, n in prepared]
        value = normalised(results)
        if value > best[1]:
            best = (threshold, value)
    return best


def event_counts(
    detections: Sequence[bool] | NDArray[np.bool_], windows: Sequence[tuple[int, int]]
) -> EventCounts:
    """Alarms are runs of consecutive detections after probation; an alarm is true when it
    touches a window.  A window is detected when any of its rows is a detection."""
    detected = np.asarray(detections, dtype=bool).copy()
    detected[: probation_rows(len(detected))] = False
    inside = np.zeros(len(detected), dtype=bool)
    found = 0
    for left, right in windows:
        inside[left : right + 1] = True
        found += bool(detected[left : right + 1].any())
    starts = np.flatnonzero(detected & ~np.concatenate(([False], detected[:-1])))
    ends = np.flatnonzero(detected & ~np.concatenate((detected[1:], [False])))
    true_alarms = sum(bool(inside[s : e + 1].any()) for s, e in zip(starts, ends, strict=True))
    return EventCounts(len(starts), true_alarms, len(windows), found)
