"""The bounded windows behind the detector: same-time-of-day history over several days."""

from dorgu.learning.anomalies.baselines import DAY, SameTimeHistory


def test_closest_is_none_without_a_sample_a_day_or_more_ago():
    history = SameTimeHistory(days=7, size=1000, tolerance=600)
    for i in range(10):
        history.push(i * 300.0, 5.0)
    assert history.closest(10 * 300.0, 5.0) is None


def test_closest_takes_the_nearest_days_median():
    history = SameTimeHistory(days=7, size=1000, tolerance=600)
    # three days ago: 40 (with one outlier, outvoted by the median); yesterday: 10
    for t, v in [(0.0, 40.0), (300.0, 40.0), (600.0, 99.0)]:
        history.push(t, v)
    for t, v in [(2 * DAY, 10.0), (2 * DAY + 300.0, 10.0)]:
        history.push(t, v)
    assert history.closest(3 * DAY + 300.0, 42.0) == 2.0  # three days ago fits best
    assert history.closest(3 * DAY + 300.0, 12.0) == 2.0  # yesterday fits best


def test_days_beyond_the_memory_are_forgotten_and_size_is_bounded():
    history = SameTimeHistory(days=2, size=50, tolerance=600)
    history.push(0.0, 40.0)
    history.push(3 * DAY, 10.0)
    assert history.closest(3 * DAY, 40.0) is None  # three days ago: dropped
    for i in range(1000):
        history.push(3 * DAY + i, float(i))
    assert len(history) <= 50
    assert len(history._times) <= 100
