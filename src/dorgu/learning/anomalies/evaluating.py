"""Evaluate the detector on a labelled corpus (NAB layout): per-profile normalised scores at
the detector's own fixed threshold, event-wise precision/recall/F1, and (labelled as such) the
score at NAB's corpus-wide best threshold, an upper bound that looks at the labels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dorgu.errors import ParseError
from dorgu.learning.anomalies.detecting import DetectorSettings, detect
from dorgu.learning.anomalies.scoring import (
    PROFILES,
    EventCounts,
    FileScore,
    event_counts,
    normalised,
    optimised_threshold,
    score_file,
    window_indices,
)
from dorgu.learning.anomalies.series import Series, parse_timestamp

Windows = Mapping[str, Sequence[tuple[float, float]]]


@dataclass(frozen=True)
class ProfileResult:
    profile: str
    score: float
    optimised_score: float
    optimised_threshold: float


@dataclass(frozen=True)
class FileResult:
    name: str
    rows: int
    windows: int
    detected_windows: int
    alarms: int
    false_alarms: int
    raw_standard: float


@dataclass(frozen=True)
class Evaluation:
    profiles: tuple[ProfileResult, ...]
    events: EventCounts
    files: tuple[FileResult, ...]
    threshold: float


def parse_windows(text: str, *, source: str) -> dict[str, list[tuple[float, float]]]:
    """``{"<category>/<file>.csv": [[start, end], ...]}`` with ISO timestamps."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"not JSON: {e.msg}", file=source, line=e.lineno) from None
    if not isinstance(data, dict):
        raise ParseError("expected an object of file name -> [[start, end], ...]", file=source)
    windows: dict[str, list[tuple[float, float]]] = {}
    for name, spans in data.items():
        if not isinstance(spans, list):
            raise ParseError(f"{name!r}: expected a list of [start, end] pairs", file=source)
        parsed: list[tuple[float, float]] = []
        for span in spans:
            if not (
                isinstance(span, list) and len(span) == 2 and all(isinstance(x, str) for x in span)
            ):
                raise ParseError(f"{name!r}: window {span!r} is not [start, end]", file=source)
            try:
                start, end = parse_timestamp(span[0]), parse_timestamp(span[1])
            except (ValueError, OverflowError, OSError):
                raise ParseError(
                    f"{name!r}: window {span!r} has a bad timestamp", file=source
                ) from None
            if end < start:
                raise ParseError(f"{name!r}: window {span!r} ends before it starts", file=source)
            parsed.append((start, end))
        windows[str(name)] = parsed
    return windows


def evaluate(
    corpus: Mapping[str, Series],
    windows: Windows,
    *,
    profiles: Sequence[str] = tuple(PROFILES),
    settings: DetectorSettings | None = None,
) -> Evaluation:
    """Run a fresh detector over every series of ``corpus`` (name -> series) and score it."""
    settings = settings or DetectorSettings()
    per_profile: dict[str, list[FileScore]] = {name: [] for name in profiles}
    sweeps: list[tuple[np.ndarray, list[tuple[int, int]]]] = []
    events = EventCounts(0, 0, 0, 0)
    files: list[FileResult] = []
    for name in sorted(corpus):
        series = corpus[name]
        verdicts = list(detect(zip(series.times, series.values, strict=True), settings))
        detected = np.fromiter((v.anomaly for v in verdicts), dtype=bool, count=len(verdicts))
        scores = np.fromiter((v.score for v in verdicts), dtype=np.float64, count=len(verdicts))
        spans = window_indices(series.times, windows.get(name, ()))
        sweeps.append((scores, spans))
        for profile in profiles:
            per_profile[profile].append(score_file(detected, spans, PROFILES[profile]))
        counts = event_counts(detected, spans)
        events = events + counts
        standard = score_file(detected, spans, PROFILES["standard"])
        files.append(
            FileResult(
                name,
                len(series),
                len(spans),
                counts.detected_windows,
                counts.alarms,
                counts.alarms - counts.true_alarms,
                round(standard.raw, 4),
            )
        )
    results = []
    for profile in profiles:
        threshold, best = optimised_threshold(sweeps, PROFILES[profile])
        results.append(ProfileResult(profile, normalised(per_profile[profile]), best, threshold))
    return Evaluation(tuple(results), events, tuple(files), settings.threshold)
