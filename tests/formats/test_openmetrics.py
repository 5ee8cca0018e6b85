"""Checking OpenMetrics files before backfilling: each problem is one error naming its line."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.errors import ParseError
from dorgu.formats.openmetrics import check_backfill

NOW = 1_800_000_000.0
T = NOW - 86400


def _check(text: str):
    return check_backfill(text.splitlines(keepends=True), file="h.om", now=NOW)


def _error(text: str) -> str:
    with pytest.raises(ParseError) as caught:
        _check(text)
    return str(caught.value)


def test_a_valid_file_is_summarised() -> None:
    summary = _check(
        "# HELP up whether\n# TYPE up gauge\n"
        f'up{{pod="a"}} 1 {T}\nup{{pod="a"}} 0 {T + 60}\nup{{pod="b"}} 1 {T + 30}\n# EOF\n'
    )

    assert (summary.series, summary.samples, summary.has_eof) == (2, 3, True)
    assert (summary.start, summary.end) == (T, T + 60)


def test_label_order_does_not_make_another_series() -> None:
    error = _error(f'up{{a="1",b="2"}} 1 {T}\nup{{b="2",a="1"}} 1 {T}\n')

    assert error.startswith("h.om:2: ")
    assert "not after the previous one" in error


def test_out_of_order_samples_name_their_line() -> None:
    error = _error(f"x 1 {T + 60}\nx 1 {T + 120}\nx 2 {T + 90}\n# EOF\n")

    assert error.startswith("h.om:3: sample of x{} at")
    assert "increasing time order" in error


def test_millisecond_timestamps_are_refused() -> None:
    error = _error(f"x 1 {int(T * 1000)}\n")

    assert error.startswith("h.om:1: ") and "looks like milliseconds" in error


def test_windows_line_endings_are_refused_at_their_first_line() -> None:
    error = _error(f"# TYPE x gauge\r\nx 1 {T}\r\n# EOF\r\n")

    assert error.startswith("h.om:1: Windows (CRLF) line ending") and "dos2unix" in error


def test_samples_in_the_head_range_are_refused() -> None:
    error = _error(f"x 1 {T}\nx 1 {NOW - 600}\n")

    assert error.startswith("h.om:2: ") and "too recent" in error


def test_a_missing_eof_is_reported_not_fatal() -> None:
    assert _check(f"x 1 {T}\n").has_eof is False


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("x 1\n", 1, "no timestamp"),
        (f"x one {T}\n", 1, "value 'one' is not a number"),
        (f"x 1 {T}\n\nx 1 {T + 1}\n", 2, "blank line"),
        (f"x 1 {T}\n# EOF\nx 1 {T + 1}\n", 3, "after '# EOF'"),
        (f"# just a comment\nx 1 {T}\n", 1, "unexpected comment"),
        (f"# TYPE x bogus\nx 1 {T}\n", 1, "unknown metric type"),
        (f'x{{a="1}} 1 {T}\n', 1, "unterminated value of label a"),
        (f'x{{a="1",a="2"}} 1 {T}\n', 1, "label a appears twice"),
        (f"x{{a=1}} 1 {T}\n", 1, 'expected label="value"'),
        (f"9x 1 {T}\n", 1, "expected a metric name"),
        (f"x 1 {T} 3\n", 1, "expected 'value [timestamp]'"),
        ("x 1 -5\n", 1, "is not a time"),
    ],
)
def test_malformed_lines_are_one_error_naming_the_line(text: str, line: int, words: str) -> None:
    error = _error(text)

    assert error.startswith(f"h.om:{line}: ")
    assert words in error
    assert "\n" not in error


def test_an_empty_file_has_nothing_to_backfill() -> None:
    assert "no samples" in _error("# EOF\n")


def test_escaped_label_values_are_understood() -> None:
    summary = _check(f'x{{a="q\\"\\\\\\n,}}"}} 1 {T}\n# EOF\n')

    assert summary.series == 1


@given(st.lists(st.text(max_size=30), max_size=8))
def test_junk_never_crashes_the_checker(lines: list[str]) -> None:
    with contextlib.suppress(ParseError):
        check_backfill([f"{line}\n" for line in lines], file="j", now=NOW)
