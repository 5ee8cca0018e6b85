"""Parse ``timestamp,value`` CSV text (the NAB format) into a checked series.

Every problem is one :class:`~dorgu.errors.ParseError` naming the row (1-based line of the
text, the header being line 1): a missing or unknown header, a bad timestamp, a value that is
not a finite number, a timestamp not after the one before it.  Timestamps are ISO 8601
(``2014-04-01 00:05:00``, optional fraction, ``T``, ``Z`` or offset; naive means UTC) or Unix
epoch seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from dorgu.errors import LimitExceededError, ParseError

MAX_ROWS = 5_000_000
WHAT_TO_DO = "a series is a header 'timestamp,value' then one row per sample, in time order"


@dataclass(frozen=True)
class Series:
    """A checked series: strictly increasing epoch-second timestamps and finite values, with
    the timestamps' text as written (for echoing them back)."""

    stamps: tuple[str, ...]
    times: tuple[float, ...]
    values: tuple[float, ...]
    duplicates: int = 0
    first_duplicate_line: int | None = None

    def __len__(self) -> int:
        return len(self.values)


MAX_EPOCH_SECONDS = 1e11
"""Beyond the year 5138: a larger epoch number is milliseconds (or nonsense), not seconds."""


def parse_timestamp(text: str) -> float:
    """Epoch seconds of an ISO 8601 timestamp (naive = UTC) or of a plain number."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(number):
            return number
        raise ValueError(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_series(
    text: str, *, source: str, max_rows: int = MAX_ROWS, allow_duplicates: bool = False
) -> Series:
    """Parse CSV ``text`` read from ``source`` (a name for messages).  With
    ``allow_duplicates`` a row repeating the previous timestamp is kept as its own sample and
    counted (NAB's files hold a few, from daylight-saving changes); otherwise it is an error."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ParseError("empty file: no header", file=source, line=1, hint=WHAT_TO_DO)
    header = [cell.strip().strip('"').lower() for cell in lines[0].split(",")]
    if header[:2] != ["timestamp", "value"]:
        raise ParseError(
            f"header is {lines[0].strip()[:80]!r}, expected 'timestamp,value'",
            file=source,
            line=1,
            hint=WHAT_TO_DO,
        )
    stamps: list[str] = []
    times: list[float] = []
    values: list[float] = []
    duplicates, first_duplicate = 0, None
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if len(values) >= max_rows:
            raise LimitExceededError(
                f"{source}:{number}: more than {max_rows:,} rows",
                hint="split the series or keep its most recent part",
            )
        cells = line.split(",")
        if len(cells) < 2:
            raise ParseError(
                f"expected 'timestamp,value', got {line.strip()[:80]!r}", file=source, line=number
            )
        stamp, raw = cells[0].strip().strip('"'), cells[1].strip().strip('"')
        try:
            moment = parse_timestamp(stamp)
        except (ValueError, OverflowError, OSError):
            raise ParseError(
                f"timestamp {stamp[:60]!r} is not ISO 8601 or epoch seconds",
                file=source,
                line=number,
            ) from None
        if not -MAX_EPOCH_SECONDS <= moment <= MAX_EPOCH_SECONDS:
            raise ParseError(
                f"timestamp {stamp[:60]!r} is out of range for epoch seconds"
                + (" (it looks like milliseconds)" if moment > MAX_EPOCH_SECONDS else ""),
                file=source,
                line=number,
                hint="write epoch seconds (divide milliseconds by 1000) or ISO 8601",
            )
        try:
            value = float(raw)
        except ValueError:
            raise ParseError(
                f"value {raw[:60]!r} is not a number", file=source, line=number
            ) from None
        if not math.isfinite(value):
            raise ParseError(
                f"value {raw!r} is not finite",
                file=source,
                line=number,
                hint="drop the row: a missing sample is a gap, which the detector handles",
            )
        if times and moment == times[-1] and allow_duplicates:
            duplicates += 1
            first_duplicate = first_duplicate or number
        elif times and moment <= times[-1]:
            kind = "repeats" if moment == times[-1] else "is before"
            raise ParseError(
                f"timestamp {stamp!r} {kind} the previous row's ({stamps[-1]!r})",
                file=source,
                line=number,
                hint="sort the rows by time"
                + (
                    " and drop duplicates, or allow them (--allow-duplicates)"
                    if moment == times[-1]
                    else ""
                ),
            )
        stamps.append(stamp)
        times.append(moment)
        values.append(value)
    if not values:
        raise ParseError("no data rows after the header", file=source, line=2, hint=WHAT_TO_DO)
    return Series(tuple(stamps), tuple(times), tuple(values), duplicates, first_duplicate)
