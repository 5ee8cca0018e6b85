"""``PersonaWatch``: the live detector state of one persona, advanced from Prometheus.

The first ``advance`` reads the last ``history`` seconds (one range query per series group, at
``step``: 2 days at 30 s is 5,760 points per series) and replays them through fresh detectors,
so a restarted operator is back to full strength at once instead of learning for days; each
later ``advance`` reads only the steps since the last one (from the cursor, at most
``history`` back after an outage).  Queries are aligned to multiples of ``step`` so the
samples of consecutive reads join up.  A failed read raises ``PrometheusError`` and leaves the
cursor where it was: the next tick reads the same steps again.  Rates (everything but memory)
are skipped for one ``rate_window`` after a series starts or comes back from a gap of more than
two steps: a window that reaches before the first sample (a new pod, a scrape outage) gives a
rate that is too low, not an anomaly.  (A single missing step, scrape jitter, is no reason.)

Findings: each series' episodes become ``AnomalyFinding``s; ``current`` holds the open ones,
``recent`` the last ``MAX_RECENT`` closed ones, ``total`` counts them.  ``resume`` seeds them
from the status a previous operator wrote, so a restart neither forgets nor double-counts:
an episode found again by the warm replay (same series, overlapping window) replaces the old
entry instead of counting anew.

Must not print, read settings, or talk to Kubernetes.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dorgu.clients.prometheus import PrometheusClient
from dorgu.learning.anomalies.watching import Episode, SeriesWatch, WatchSettings
from dorgu.models.anomalies import (
    AnomalyFinding,
    AnomalySummary,
    Band,
    PersonaRef,
    SeriesMetric,
    SeriesRef,
)
from dorgu.services.anomalies.queries import Scope, group_queries, order, read_group

MAX_RECENT = 5
RATED = frozenset({SeriesMetric.CPU, SeriesMetric.RESTARTS, SeriesMetric.REQUEST_RATE,
                   SeriesMetric.ERROR_RATE, SeriesMetric.LATENCY})  # fmt: skip
MAX_CURRENT = 10
DAY = 86_400.0


@dataclass(frozen=True)
class WatchOptions:
    step: float = 30.0
    """Seconds between samples (the scrape cadence; at least 1)."""
    history: float = 2 * DAY
    """How far back the warm start reads (and the longest catch-up after an outage)."""
    rate_window: float = 120.0
    """The window of ``rate``/``increase`` (at least two scrapes)."""
    settings: WatchSettings = field(default_factory=WatchSettings)


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(when: datetime | None) -> float:
    return math.inf if when is None else when.timestamp()


class PersonaWatch:
    def __init__(self, persona: PersonaRef, scope: Scope, options: WatchOptions) -> None:
        self.persona, self.scope, self.options = persona, scope, options
        self.series: dict[SeriesRef, SeriesWatch] = {}
        self.current: dict[SeriesRef, AnomalyFinding] = {}
        self.recent: deque[AnomalyFinding] = deque(maxlen=MAX_RECENT)
        self.total = 0
        self.cursor: float | None = None
        self.since: float | None = None
        self._previous: list[AnomalyFinding] = []
        self._seen: dict[SeriesRef, float] = {}
        self._settle_until: dict[SeriesRef, float] = {}

    def resume(self, previous: AnomalySummary | None) -> None:
        """Seed the findings from the status an earlier operator wrote (before the first
        ``advance``)."""
        if previous is None:
            return
        self.total = previous.total
        self.recent.extend(previous.recent[:MAX_RECENT])
        self._previous = [*previous.current, *previous.recent]

    async def advance(self, client: PrometheusClient, *, now: float) -> list[AnomalyFinding]:
        """Read the steps since the last call and run them through the detectors; the findings
        opened, grown or closed on the way (the warm start reports only what it found anew)."""
        step = self.options.step
        end = math.floor(now / step) * step
        start = end - self.options.history
        if self.cursor is not None:
            start = max(self.cursor + step, start)
        if start > end:
            return []
        queries = group_queries(self.scope, rate_window=self.options.rate_window, step=step)
        reads = await asyncio.gather(
            *(read_group(client, metric, promql, start=start, end=end, step=step)
              for metric, promql in queries.items())
        )  # fmt: skip
        warm = self.cursor is None
        self.cursor = end
        changed: list[AnomalyFinding] = []
        for group in reads:
            for ref in order(list(group)):
                changed.extend(self._feed(ref, group[ref]))
                await asyncio.sleep(0)
        if warm:
            changed = self._settle(changed, end)
        return changed

    def _feed(self, ref: SeriesRef, samples: Iterable[tuple[float, float]]) -> list[AnomalyFinding]:
        watch = self.series.get(ref)
        if watch is None:
            watch = self.series[ref] = SeriesWatch(self.options.settings)
        out: list[AnomalyFinding] = []
        rated = ref.metric in RATED
        for time, value in samples:
            if self.since is None or time < self.since:
                self.since = time
            if rated:  # a rate over a window that reaches before the series began is too low
                last = self._seen.get(ref)
                self._seen[ref] = time
                if last is None or time - last > 2.5 * self.options.step:
                    self._settle_until[ref] = time + self.options.rate_window
                if time < self._settle_until.get(ref, -math.inf):
                    continue
            episode = watch.update(time, value)
            if episode is not None:
                out.append(self._record(ref, episode))
        return out

    def _finding(self, ref: SeriesRef, episode: Episode) -> AnomalyFinding:
        return AnomalyFinding(
            persona=self.persona, series=ref, start=_time(episode.start),
            end=None if episode.end is None else _time(episode.end),
            expected=Band(low=episode.low, high=episode.high),
            observed=episode.observed, score=round(episode.score, 4),
        )  # fmt: skip

    def _record(self, ref: SeriesRef, episode: Episode) -> AnomalyFinding:
        finding = self._finding(ref, episode)
        opened = ref not in self.current
        if finding.end is None:
            self.current[ref] = finding
            if opened:
                self.total += 1
        else:
            self.current.pop(ref, None)
            if opened:
                self.total += 1
            self.recent.appendleft(finding)
        return finding

    def _settle(self, found: list[AnomalyFinding], end: float) -> list[AnomalyFinding]:
        """After the warm replay: what a previous operator already reported is not new."""
        step = self.options.step
        known, self._previous = self._previous, []
        if not known:
            return found

        def same(a: AnomalyFinding, b: AnomalyFinding) -> bool:
            return (
                a.series == b.series
                and _seconds(a.start) <= _seconds(b.end) + step
                and _seconds(a.end) >= _seconds(b.start) - step
            )

        latest: dict[tuple[SeriesRef, datetime], AnomalyFinding] = {}
        for finding in found:
            latest[(finding.series, finding.start)] = finding
        episodes = list(latest.values())
        fresh_keys = set()
        for episode in episodes:
            if any(same(episode, old) for old in known):
                self.total -= 1  # counted by the operator that reported it
            else:
                fresh_keys.add((episode.series, episode.start))
        closed = [e for e in episodes if e.end is not None]
        closed += [old for old in known if old.end is not None
                   and not any(same(old, e) for e in episodes)]  # fmt: skip
        closed += [old.model_copy(update={"end": _time(end)}) for old in known
                   if old.end is None and not any(same(old, e) for e in episodes)]  # fmt: skip
        closed.sort(key=lambda f: (_seconds(f.end), _seconds(f.start)), reverse=True)
        self.recent = deque(closed[:MAX_RECENT], maxlen=MAX_RECENT)
        return [f for f in found if (f.series, f.start) in fresh_keys]

    def summary(self) -> AnomalySummary:
        current = sorted(self.current.values(), key=lambda f: (f.start, f.series.label))
        return AnomalySummary(
            current=current[:MAX_CURRENT], recent=list(self.recent), total=self.total,
            series=len(self.series), since=None if self.since is None else _time(self.since),
        )  # fmt: skip


async def replay(
    client: PrometheusClient,
    persona: PersonaRef,
    scope: Scope,
    *,
    start: float,
    end: float,
    options: WatchOptions,
) -> list[AnomalyFinding]:
    """Every anomaly the live watch would have raised on ``[start, end]`` (its warm start
    stretched over the whole range): each finding once, in its last state, by start time."""
    watch = PersonaWatch(persona, scope, WatchOptions(
        step=options.step, history=end - start, rate_window=options.rate_window,
        settings=options.settings))  # fmt: skip
    found = await watch.advance(client, now=end)
    latest: dict[tuple[SeriesRef, datetime], AnomalyFinding] = {}
    for finding in found:
        latest[(finding.series, finding.start)] = finding
    metrics = list(SeriesMetric)
    return sorted(latest.values(), key=lambda f: (f.start, metrics.index(f.series.metric)))
