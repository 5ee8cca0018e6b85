"""Quiet hours: a daily local-time window (``22:00``-``07:00`` crosses midnight) in which
messages wait until it ends.  Time zones come from the IANA database (``zoneinfo``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dorgu.errors import ConfigError
from dorgu.models.notifications import WEEKDAYS, QuietHours


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"quietHours.timezone: unknown time zone {name!r}",
                          hint="use an IANA name such as Europe/Berlin or UTC") from error  # fmt: skip


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def quiet_until(now: datetime, hours: QuietHours) -> datetime | None:
    """The end of the quiet window ``now`` lies in (UTC-aware as ``now``), or None."""
    tz = zone(hours.timezone)
    local = now.astimezone(tz)
    start, end = _clock(hours.start), _clock(hours.end)
    for back in (0, 1):  # a window that opened yesterday may still be open
        day = local.date() - timedelta(days=back)
        if WEEKDAYS[day.weekday()] not in hours.days:
            continue
        opens = datetime.combine(day, start, tzinfo=tz)
        closes_day = day if end > start else day + timedelta(days=1)
        closes = datetime.combine(closes_day, end, tzinfo=tz)
        if opens <= local < closes:
            return closes.astimezone(now.tzinfo)
    return None
