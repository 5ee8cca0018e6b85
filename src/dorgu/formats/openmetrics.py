"""Checking OpenMetrics text meant for backfilling a Prometheus (``promtool tsdb
create-blocks-from openmetrics``) before promtool sees it.

promtool is lenient where it hurts: a sample older than the previous one of its series is
dropped without a word, a timestamp in milliseconds lands in the year 50000, and blocks that
overlap the head's time range clash with live data.  ``check_backfill`` reads the lines once
(streaming, memory grows with the number of series only) and raises ``ParseError`` naming the
first offending line.  Rules:

* every sample has a timestamp, in seconds since the epoch (a value above ``MAX_SECONDS``
  looks like milliseconds), and ends at least ``head_margin`` seconds before ``now``;
* the samples of one series come in strictly increasing time order;
* comments are ``# HELP``, ``# TYPE``, ``# UNIT`` or the final ``# EOF`` (which may be
  missing: ``Summary.has_eof`` says so and the caller appends it); no blank lines, nothing
  after ``# EOF``.

Pure: lines in, a summary out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from dorgu.errors import ParseError

MAX_SECONDS = 1e11  # year 5138: anything larger is a millisecond (or finer) timestamp
HEAD_MARGIN_SECONDS = 3 * 3600.0
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TYPES = {
    "counter",
    "gauge",
    "histogram",
    "gaugehistogram",
    "stateset",
    "info",
    "summary",
    "unknown",
}
_MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class Summary:
    """What a checked file holds."""

    series: int
    samples: int
    start: float | None
    end: float | None
    has_eof: bool


def check_backfill(
    lines: Iterable[str],
    *,
    file: str,
    now: float,
    head_margin: float = HEAD_MARGIN_SECONDS,
) -> Summary:
    """Check OpenMetrics ``lines`` for backfilling; ``ParseError`` at the first bad line."""
    last: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    # The same series text repeats on every sample: parse it once, then look it up.
    known: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    samples = 0
    start: float | None = None
    end: float | None = None
    eof_line: int | None = None
    latest = now - head_margin
    number = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")

        def fail(message: str, hint: str | None = None, *, at: int = number) -> ParseError:
            return ParseError(message, file=file, line=at, hint=hint)

        if line.endswith("\r"):  # promtool reads "\r" as part of the line (e.g. 'gauge\r')
            raise fail("Windows (CRLF) line ending", "convert the file to LF line endings "
                       "(e.g. dos2unix FILE) and backfill again")  # fmt: skip

        if eof_line is not None:
            raise fail("content after '# EOF'", "'# EOF' must be the last line")
        if len(line) > _MAX_LINE:
            raise fail(f"line longer than {_MAX_LINE} characters")
        if not line.strip():
            raise fail("blank line", "OpenMetrics allows no blank lines; remove it")
        if line.startswith("#"):
            if line.strip() == "# EOF":
                eof_line = number
                continue
            _check_comment(line, fail)
            continue
        parts = line.rsplit(" ", 2)
        seen = known.get(parts[0]) if len(parts) == 3 else None
        timestamp: float | None
        if seen is not None:  # "<known series> <value> <timestamp>"
            name, labels = seen
            value = _number(parts[1], "value", fail)
            timestamp = _number(parts[2], "timestamp", fail)
        else:
            name, labels, value, timestamp, series_end = _parse_sample(line, fail)
            if len(parts) == 3 and parts[0] == line[:series_end]:
                known[parts[0]] = (name, labels)
        if timestamp is None:
            raise fail(
                f"sample of {name} has no timestamp",
                "backfilling needs one per sample, in seconds since the epoch",
            )
        if not math.isfinite(timestamp) or timestamp < 0:
            raise fail(f"timestamp {timestamp} is not a time")
        if timestamp > MAX_SECONDS:
            raise fail(
                f"timestamp {timestamp:.0f} looks like milliseconds",
                "OpenMetrics timestamps are seconds since the epoch: divide by 1000",
            )
        if timestamp > latest:
            raise fail(
                f"timestamp {timestamp:.0f} is too recent: it must end at least "
                f"{head_margin / 3600:g}h before now ({latest:.0f})",
                "recent samples belong to Prometheus' head block; end the backfill earlier",
            )
        del value
        key = (name, labels)
        previous = last.get(key)
        if previous is not None and timestamp <= previous:
            raise fail(
                f"sample of {_series(name, labels)} at {timestamp:g} is not after the previous "
                f"one ({previous:g})",
                "write each series' samples in increasing time order",
            )
        last[key] = timestamp
        samples += 1
        if start is None or timestamp < start:
            start = timestamp
        if end is None or timestamp > end:
            end = timestamp
    if samples == 0:
        raise ParseError("no samples", file=file, hint="nothing to backfill")
    return Summary(
        series=len(last), samples=samples, start=start, end=end, has_eof=eof_line is not None
    )


def _series(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return f"{name}{{{inner}}}"


class _Fail(Protocol):
    """The error factory the helpers get (it knows the file and line)."""

    def __call__(self, message: str, hint: str | None = None) -> ParseError: ...


def _check_comment(line: str, fail: _Fail) -> None:
    parts = line.split(" ", 3)
    if len(parts) < 3 or parts[0] != "#" or parts[1] not in {"HELP", "TYPE", "UNIT"}:
        raise fail(
            f"unexpected comment {line[:40]!r}",
            "OpenMetrics allows only '# HELP', '# TYPE', '# UNIT' and the final '# EOF'",
        )
    if not _NAME.fullmatch(parts[2]):
        raise fail(f"invalid metric name {parts[2][:40]!r}")
    if parts[1] == "TYPE" and (len(parts) < 4 or parts[3] not in _TYPES):
        raise fail(
            f"unknown metric type in {line[:60]!r}", f"use one of {', '.join(sorted(_TYPES))}"
        )


def _parse_sample(
    line: str, fail: _Fail
) -> tuple[str, tuple[tuple[str, str], ...], float, float | None, int]:
    """name, labels, value, timestamp and where the series text ends."""
    match = _NAME.match(line)
    if match is None:
        raise fail(f"expected a metric name at {line[:40]!r}")
    name = match.group()
    position = match.end()
    labels: tuple[tuple[str, str], ...] = ()
    if position < len(line) and line[position] == "{":
        labels, position = _parse_labels(line, position + 1, fail)
    series_end = position
    rest = line[position:]
    if not rest.startswith(" "):
        raise fail(f"expected a space and a value after {name}")
    # An exemplar (" # {...} value") may follow; it does not matter for backfilling.
    fields = rest.split(" # ", 1)[0].split()
    if not fields or len(fields) > 2:
        raise fail(f"expected 'value [timestamp]' after {name}, got {rest.strip()[:40]!r}")
    value = _number(fields[0], "value", fail)
    timestamp = _number(fields[1], "timestamp", fail) if len(fields) == 2 else None
    return name, labels, value, timestamp, series_end


def _parse_labels(line: str, position: int, fail: _Fail) -> tuple[tuple[tuple[str, str], ...], int]:
    labels: dict[str, str] = {}
    while True:
        if position < len(line) and line[position] == "}":
            return tuple(sorted(labels.items())), position + 1
        match = _LABEL_NAME.match(line, position)
        if match is None or line[match.end() : match.end() + 2] != '="':
            raise fail(f'expected label="value" at column {position + 1}')
        key = match.group()
        position = match.end() + 2
        value: list[str] = []
        while True:
            if position >= len(line):
                raise fail(f"unterminated value of label {key}")
            char = line[position]
            if char == "\\":
                escaped = line[position + 1 : position + 2]
                if escaped not in {"\\", '"', "n"}:
                    raise fail(f"invalid escape in the value of label {key}")
                value.append("\n" if escaped == "n" else escaped)
                position += 2
                continue
            position += 1
            if char == '"':
                break
            value.append(char)
        if key in labels:
            raise fail(f"label {key} appears twice")
        labels[key] = "".join(value)
        if position < len(line) and line[position] == ",":
            position += 1
        elif position >= len(line) or line[position] != "}":
            raise fail(f"expected ',' or '}}' after the value of label {key}")


def _number(text: str, what: str, fail: _Fail) -> float:
    try:
        return float(text)
    except ValueError:
        raise fail(f"{what} {text[:30]!r} is not a number") from None
