"""The streaming detector on synthetic series: fires on faults, stays quiet on steady cycles,
across scrape gaps and on constant series; causal; bounded state."""

import math
import random

from dorgu.learning.anomalies.detecting import Detector, DetectorSettings, Verdict, detect

STEP = 300.0  # a 5-minute cadence
DAYS = 10


def daily(days: int = DAYS, *, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    per_day = int(86_400 / STEP)
    return [
        (i * STEP, 50 + 20 * math.sin(2 * math.pi * i / per_day) + rng.gauss(0, 2))
        for i in range(days * per_day)
    ]


def alarms(samples: list[tuple[float, float]], start: int = 0) -> list[int]:
    return [i for i, v in enumerate(detect(samples)) if v.anomaly and i >= start]


def test_steady_daily_cycle_raises_no_alarm_after_learning():
    assert alarms(daily(), start=2 * 288) == []


def test_scores_stay_in_unit_interval():
    assert all(0.0 <= v.score <= 1.0 for v in detect(daily(3)))


def test_level_shift_is_detected_within_a_few_samples():
    samples = daily()
    shift_at = 8 * 288
    shifted = [(t, v + (40 if i >= shift_at else 0)) for i, (t, v) in enumerate(samples)]
    found = alarms(shifted, start=2 * 288)
    assert found
    assert shift_at <= found[0] <= shift_at + 5


def test_single_spike_is_detected():
    samples = daily()
    spike_at = 7 * 288 + 100
    samples[spike_at] = (samples[spike_at][0], 200.0)
    assert spike_at in alarms(samples, start=2 * 288)


def test_scrape_outage_raises_no_alarm():
    samples = daily()
    gapped = samples[: 6 * 288] + samples[6 * 288 + 72 :]  # six hours missing
    assert alarms(gapped, start=2 * 288) == []


def test_constant_series_scores_zero():
    samples = [(i * STEP, 3.0) for i in range(2000)]
    assert all(v.score == 0.0 and not v.anomaly for v in detect(samples))


def test_constant_series_that_changes_fires():
    samples = [(i * STEP, 0.0 if i < 1500 else 1.0) for i in range(2000)]
    assert alarms(samples) == [1500]


def test_causal_prefix_verdicts_do_not_change_when_rows_are_appended():
    samples = daily(4)
    full = list(detect(samples))
    prefix = list(detect(samples[:700]))
    assert prefix == full[:700]


def test_state_is_bounded():
    settings = DetectorSettings()
    detector = Detector(settings)
    for t, v in daily(30):
        detector.update(t, v)
    assert len(detector._long) <= settings.history
    assert all(len(bar) <= settings.memory for bar in detector._bars)
    # a week of days, plus the tolerance either side
    assert len(detector._day) <= settings.days * 288 + 5


def test_extreme_values_keep_scores_finite():
    samples = daily(2)
    burst = [(samples[-1][0] + (i + 1) * STEP, 1e308 if i % 2 else -1e308) for i in range(50)]
    verdicts = list(detect(samples + burst))
    assert all(0.0 <= v.score <= 1.0 for v in verdicts)
    assert any(v.anomaly for v in verdicts[len(samples) :])


def test_nan_sample_is_skipped_not_learned():
    detector = Detector()
    samples = daily(2)
    for t, v in samples:
        detector.update(t, v)
    assert detector.update(samples[-1][0] + STEP, math.nan) == Verdict(0.0, False)
    assert not detector.update(samples[-1][0] + 2 * STEP, samples[-288][1]).anomaly


def test_nightly_job_raises_no_alarm_after_learning():
    samples = daily(21)
    nightly = [(t, v + (40.0 if 24 <= i % 288 < 36 else 0.0)) for i, (t, v) in enumerate(samples)]
    assert alarms(nightly, start=2 * 288) == []


def weekly_job(weeks: int = 5, *, seed: int = 3) -> list[tuple[float, float]]:
    """A noisy daily cycle plus a weekly batch job: +40 for an hour every seventh day."""
    samples = daily(weeks * 7, seed=seed)
    return [
        (t, v + (40.0 if (i // 288) % 7 == 3 and 24 <= i % 288 < 36 else 0.0))
        for i, (t, v) in enumerate(samples)
    ]


def job_alarms(settings: DetectorSettings) -> int:
    """Alarms around the job's hour (plus an hour after) on its later runs and the days after
    them (where a one-day memory misses it)."""
    return sum(
        1
        for i, v in enumerate(detect(weekly_job(), settings))
        if v.anomaly and i >= 9 * 288 and (i // 288) % 7 in (3, 4) and 24 <= i % 288 < 48
    )


def test_weekly_job_is_learned_from_a_week_ago():
    # its first run (day 3) is new; on its later runs a week ago looked the same, so at most
    # a borderline alarm at a job's edge (sampling noise) in two of the eight job hours
    assert job_alarms(DetectorSettings()) <= 2


def test_weekly_job_needs_the_week_of_memory():
    # with one day of memory every run, and every day after one, is new
    assert job_alarms(DetectorSettings(days=1, confirm=0.0)) >= 7
    # the shift check keeps every run (the hour's +40 moves the 30-sample mean) ...
    assert job_alarms(DetectorSettings(days=1)) >= 4


def missing_job_alarms(settings: DetectorSettings) -> int:
    return sum(
        1
        for i, v in enumerate(detect(weekly_job(), settings))
        if v.anomaly and i >= 9 * 288 and (i // 288) % 7 == 4 and 24 <= i % 288 < 48
    )


def test_shift_check_drops_borderline_alarms_the_mean_does_not_confirm():
    # ... but drops the borderline alarms on the days after a run (one day of memory: the
    # missing job looks new), where the 30-sample mean stays at the usual level
    assert missing_job_alarms(DetectorSettings(days=1, confirm=0.0)) >= 3
    assert missing_job_alarms(DetectorSettings(days=1)) == 0


def two_bands(seed: int, *, dwell: int | None = None) -> list[tuple[float, float]]:
    """Values in two bands, 0-10 and 90-100, drawn at random (one day at a 60 s step); with
    ``dwell``, five samples at 50 from that row: the middle of the range, the long median,
    but a value the series never takes."""
    rng = random.Random(seed)
    samples = []
    for i in range(1400):
        value = rng.uniform(0, 10) + rng.choice((0.0, 90.0))
        if dwell is not None and dwell <= i < dwell + 5:
            value = 50.0
        samples.append((i * 60.0, value))
    return samples


def test_rarity_view_fires_on_a_value_the_series_never_takes():
    # no smoothing and no shift confirmation, so only the views themselves decide
    for seed in range(4):
        for width, expected in ((0.05, [1000]), (0.0, [])):
            settings = DetectorSettings(smooth=1, confirm_below=1.0, rarity_width=width)
            fired = [i for i, v in enumerate(detect(two_bands(seed, dwell=1000), settings))
                     if v.anomaly and i >= 300]  # fmt: skip
            assert fired == expected, (seed, width)
            quiet = [i for i, v in enumerate(detect(two_bands(seed), settings))
                     if v.anomaly and i >= 300]  # fmt: skip
            assert quiet == [], (seed, width)


def test_daily_wake_up_stays_vouched_with_the_waiver():
    # a service busy from 08:00 to 20:00 and idle (0) at night: its morning jump is far from
    # the night's level, but a recurring one never reaches vouch_below bars
    rng = random.Random(11)
    samples = [(i * STEP, (1.0 + rng.gauss(0, 0.05)) if 96 <= i % 288 < 240 else 0.0)
               for i in range(DAYS * 288)]  # fmt: skip
    assert alarms(samples, start=2 * 288) == []


def test_daily_view_cannot_vouch_for_a_deviation_vouch_below_bars_out():
    # a +2000 spike at noon on day 3 and again on day 6: on day 6 the daily view has its
    # partner (day 3, same time), so without the waiver it vouches the spike away; with it, a
    # spike that many bars out (k 2 puts the repeat beyond 5 bars) still fires
    rng = random.Random(5)
    samples = []
    for i in range(8 * 288):
        day, slot = divmod(i, 288)
        value = 50 + 20 * math.sin(2 * math.pi * slot / 288) + rng.gauss(0, 2)
        samples.append((i * STEP, value + (2000.0 if day in (3, 6) and 144 <= slot < 150 else 0)))

    def fired_on_day_6(vouch_below: float) -> list[int]:
        settings = DetectorSettings(k=2.0, refractory=1, vouch_below=vouch_below)
        return [i for i, v in enumerate(detect(samples, settings))
                if v.anomaly and 6 * 288 + 140 <= i < 6 * 288 + 156]  # fmt: skip

    assert fired_on_day_6(5.0) != []
    assert fired_on_day_6(math.inf) == []


def test_rarity_alone_is_at_most_log_n_over_its_floor_bars_out():
    # after a perfectly constant history every surprisal so far is 0, so the rarity bar is 0
    # and only rarity_floor (2 nats) bounds the ratio of a never-seen value: at most
    # log(1,001) / 2 = 3.45 bars, below vouch_below (5); with a far lower floor it would be
    # hundreds of bars out.  floor=1 keeps the distance views out of it (0.17 spreads < 1).
    cap = math.log(1001) / DetectorSettings().rarity_floor
    assert cap < DetectorSettings().vouch_below
    samples = [(i * 60.0, 10.0) for i in range(1200)] + [(1200 * 60.0, 11.0)]

    def last_score(settings: DetectorSettings) -> float:
        return [v.score for v in detect(samples, settings)][-1]

    floored = last_score(DetectorSettings(floor=1.0))
    assert 0.6 < floored <= cap / (cap + 1) + 1e-9
    assert last_score(DetectorSettings(floor=1.0, rarity_floor=0.02)) > 0.99
