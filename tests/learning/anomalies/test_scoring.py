"""NAB scoring on hand-computed cases: a 100-row file (probation 15 rows), one window at rows
50..59 (width 10)."""

import pytest

from dorgu.learning.anomalies.scoring import (
    PROFILES,
    event_counts,
    normalised,
    probation_rows,
    scaled_sigmoid,
    score_file,
    window_indices,
)

STANDARD = PROFILES["standard"]
WINDOW = [(50, 59)]


def detections(*rows: int, length: int = 100) -> list[bool]:
    return [i in rows for i in range(length)]


def test_scaled_sigmoid_values():
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866143)
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert scaled_sigmoid(3.5) == -1.0


def test_probation_is_15_percent_capped_at_750_rows():
    assert probation_rows(100) == 15
    assert probation_rows(4033) == 604
    assert probation_rows(10320) == 750


def test_detection_at_left_edge_scores_tp_weight():
    assert score_file(detections(50), WINDOW, STANDARD).raw == pytest.approx(1.0)


def test_detection_at_right_edge_scores_less():
    assert score_file(detections(59), WINDOW, STANDARD).raw == pytest.approx(0.2482415)


def test_only_the_earliest_detection_in_a_window_counts():
    assert score_file(detections(55, 50, 59), WINDOW, STANDARD).raw == pytest.approx(1.0)


def test_missed_window_costs_fn_weight_per_profile():
    assert score_file(detections(), WINDOW, STANDARD).raw == pytest.approx(-1.0)
    assert score_file(detections(), WINDOW, PROFILES["reward_low_FN_rate"]).raw == -2.0


def test_false_positive_before_first_window_costs_full_fp_weight():
    result = score_file(detections(20, 50), WINDOW, STANDARD)
    assert result.raw == pytest.approx(1.0 - 0.11)
    assert result.false_alarms == 1
    fp_profile = score_file(detections(20, 50), WINDOW, PROFILES["reward_low_FP_rate"])
    assert fp_profile.raw == pytest.approx(1.0 - 0.22)


def test_false_positive_after_a_window_decays_with_distance():
    near = score_file(detections(50, 64), WINDOW, STANDARD).raw
    far = score_file(detections(50, 99), WINDOW, STANDARD).raw
    assert near == pytest.approx(1.0 - 0.0971219)  # y = 5 / 9
    assert far == pytest.approx(1.0 - 0.11)  # y = 40 / 9 > 3


def test_detections_in_probation_are_ignored():
    assert score_file(detections(3, 50), WINDOW, STANDARD).raw == pytest.approx(1.0)


def test_file_without_windows_pays_every_false_alarm():
    assert score_file(detections(20, 30), [], STANDARD).raw == pytest.approx(-0.22)


def test_normalised_score_is_0_for_null_and_100_for_perfect():
    null = score_file(detections(), WINDOW, STANDARD)
    perfect = score_file(detections(50), WINDOW, STANDARD)
    half = score_file(detections(59), WINDOW, STANDARD)
    assert normalised([null]) == 0.0
    assert normalised([perfect]) == 100.0
    assert normalised([perfect, null]) == pytest.approx(50.0)
    assert normalised([half]) == pytest.approx(100 * (0.2482415 + 1) / 2)


def test_window_indices_are_inclusive_row_ranges():
    times = [0.0, 10.0, 20.0, 30.0, 40.0]
    assert window_indices(times, [(10.0, 30.0)]) == [(1, 3)]
    assert window_indices(times, [(11.0, 19.0)]) == []  # holds no row


def test_event_counts_count_runs_not_points():
    counts = event_counts(detections(20, 21, 22, 50, 51, 80), [*WINDOW, (90, 95)])
    assert (counts.alarms, counts.true_alarms) == (3, 1)
    assert (counts.windows, counts.detected_windows) == (2, 1)
    assert counts.precision == pytest.approx(1 / 3)
    assert counts.recall == pytest.approx(0.5)
    assert counts.f1 == pytest.approx(0.4)
