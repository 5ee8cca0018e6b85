"""Parsing timestamp,value CSV text: one error naming the row for every kind of bad input."""

import pytest

from dorgu.errors import LimitExceededError, ParseError
from dorgu.learning.anomalies.series import parse_series

HEADER = "timestamp,value\n"


def parse(body: str, **kwargs: object):
    return parse_series(HEADER + body, source="s.csv", **kwargs)


def test_parses_iso_and_epoch_timestamps():
    series = parse("2014-04-01 00:00:00,1.5\n2014-04-01T00:05:00Z,2\n1396311000,3\n")
    assert series.values == (1.5, 2.0, 3.0)
    assert series.times == (1396310400.0, 1396310700.0, 1396311000.0)
    assert series.stamps[1] == "2014-04-01T00:05:00Z"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("", "s.csv:1", "empty"),
        ("time,val\n1,2\n", "s.csv:1", "header"),
        (HEADER, "s.csv:2", "no data rows"),
        (HEADER + "1,2\n2,abc\n", "s.csv:3", "not a number"),
        (HEADER + "1,2\n2,nan\n", "s.csv:3", "not finite"),
        (HEADER + "1,2\n2,inf\n", "s.csv:3", "not finite"),
        (HEADER + "1,2\nyesterday,3\n", "s.csv:3", "not ISO 8601"),
        (HEADER + "5,2\n3,3\n", "s.csv:3", "is before"),
        (HEADER + "5,2\n5,3\n", "s.csv:3", "repeats"),
        (HEADER + "5\n", "s.csv:2", "expected"),
        (HEADER + "1388534400,1\n1388534400000,2\n", "s.csv:3", "looks like milliseconds"),
        (HEADER + "-1e20,1\n", "s.csv:2", "out of range"),
    ],
)
def test_bad_input_names_the_row(text: str, where: str, what: str):
    with pytest.raises(ParseError) as caught:
        parse_series(text, source="s.csv")
    assert str(caught.value).startswith(where + ":")
    assert what in str(caught.value)


def test_duplicates_allowed_on_request_and_counted():
    series = parse("5,2\n5,3\n6,4\n", allow_duplicates=True)
    assert len(series) == 3
    assert (series.duplicates, series.first_duplicate_line) == (1, 3)


def test_row_limit():
    with pytest.raises(LimitExceededError, match=r"s\.csv:4"):
        parse("1,1\n2,2\n3,3\n", max_rows=2)
