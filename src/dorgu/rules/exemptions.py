"""Governed exceptions: a workload opts out of rules with an owner and an expiry.

::

    metadata:
      annotations:
        dorgu.io/exempt: "security.read-only-root-filesystem, worker/reliability.liveness-probe"
        dorgu.io/exempt-owner: "team-payments"
        dorgu.io/exempt-expires: "2025-09-30"        # or 2025-09-30T12:00:00Z

An entry is ``RULE``, ``CONTAINER/RULE``, a category (``security``) or ``*``; entries are
separated by commas or spaces.  A date expires at the end of that day (UTC); a timestamp needs
an offset.  Without an owner, or without a valid expiry, or once expired, the exemption does
not apply at all and a finding says why; an entry naming no known rule is ignored with a
finding.  Exemptions never hide the ``exemption.*`` findings themselves, nor the ``schema.*``
findings (an annotation cannot make the API server accept an object that breaks its schema;
policies switch those off for a whole run): an entry naming them is ignored with a finding too.

Must not read the clock: ``now`` is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dorgu.models.patterns import LazyPattern
from dorgu.rules.objects import Workload, as_text
from dorgu.rules.paths import FieldPath
from dorgu.rules.violations import Category, Violation

EXEMPT_ANNOTATION = "dorgu.io/exempt"
OWNER_ANNOTATION = "dorgu.io/exempt-owner"
EXPIRES_ANNOTATION = "dorgu.io/exempt-expires"
_DATE = LazyPattern(r"^\d{4}-\d{2}-\d{2}$")
UNEXEMPTABLE = frozenset({Category.EXEMPTION.value, Category.SCHEMA.value})
"""Categories whose findings ``dorgu.io/exempt`` cannot hide."""


def is_unexemptable(name: str) -> bool:
    """Whether ``name`` (a rule id or a category) is one the annotation cannot exempt."""
    return name.partition(".")[0] in UNEXEMPTABLE


@dataclass(frozen=True)
class Exemption:
    """One entry: a rule id, a category or ``*``, optionally for one container."""

    rule: str
    container: str | None = None

    def covers(self, rule_id: str, container: str | None) -> bool:
        if self.container is not None and self.container != container:
            return False
        return self.rule in ("*", rule_id) or rule_id.startswith(f"{self.rule}.")

    def __str__(self) -> str:
        return f"{self.container}/{self.rule}" if self.container else self.rule


@dataclass(frozen=True)
class ExemptionState:
    """The exemptions in force on a workload and the problems with its annotations."""

    active: tuple[Exemption, ...] = ()
    owner: str | None = None
    expires: datetime | None = None
    problems: tuple[tuple[str, Violation], ...] = ()

    def covers(self, rule_id: str, container: str | None) -> bool:
        if is_unexemptable(rule_id):
            return False
        return any(e.covers(rule_id, container) for e in self.active)


def annotation_path(key: str) -> FieldPath:
    return ("metadata", "annotations", key)


def parse_expiry(text: str) -> datetime | None:
    """The first instant the exemption no longer applies; None when ``text`` is not a date
    (``YYYY-MM-DD``) or an RFC 3339 timestamp with an offset."""
    text = text.strip()
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_entries(text: str) -> tuple[Exemption, ...]:
    entries = []
    for item in re.split(r"[,\s]+", text.strip()):
        if item:
            container, _, rule = item.rpartition("/")
            entries.append(Exemption(rule, container or None))
    return tuple(entries)


def read_exemptions(
    workload: Workload, *, now: datetime, known: Callable[[str], bool]
) -> ExemptionState:
    """The exemptions of ``workload`` in force at ``now``; ``known`` tells whether a rule id
    or category exists."""
    annotations = workload.annotations
    text = annotations.get(EXEMPT_ANNOTATION)
    if text is None:
        return ExemptionState()
    owner = as_text(annotations.get(OWNER_ANNOTATION))
    owner = owner.strip() if owner and owner.strip() else None
    raw_expiry = as_text(annotations.get(EXPIRES_ANNOTATION))
    expires = parse_expiry(raw_expiry) if raw_expiry else None
    entries = parse_entries(text) if isinstance(text, str) else ()
    problems: list[tuple[str, Violation]] = []
    ignored = f"the exemption ({', '.join(map(str, entries)) or 'nothing'}) does not apply"
    if owner is None:
        problems.append(("exemption.no-owner", Violation(
            annotation_path(OWNER_ANNOTATION),
            f"{EXEMPT_ANNOTATION} has no {OWNER_ANNOTATION}: {ignored}",
            f"add {OWNER_ANNOTATION}: <team or person accountable for the exception>",
        )))  # fmt: skip
    if expires is None:
        shown = f"{raw_expiry!r} is not a date" if raw_expiry else "is missing"
        problems.append(("exemption.no-expiry", Violation(
            annotation_path(EXPIRES_ANNOTATION),
            f"{EXPIRES_ANNOTATION} {shown}: {ignored}",
            f"add {EXPIRES_ANNOTATION}: YYYY-MM-DD (or an RFC 3339 timestamp with offset)",
        )))  # fmt: skip
    elif expires <= now:
        problems.append(("exemption.expired", Violation(
            annotation_path(EXPIRES_ANNOTATION),
            f"the exemption expired at {expires.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} "
            f"(owner: {owner or 'none'}): the exempted rules apply again",
            "fix the findings, or renew the exemption with a new expiry",
        )))  # fmt: skip
    valid = [e for e in entries if e.rule == "*" or (known(e.rule) and not is_unexemptable(e.rule))]
    for entry in entries:
        if entry in valid:
            continue
        if known(entry.rule):
            problems.append(("exemption.unknown-rule", Violation(
                annotation_path(EXEMPT_ANNOTATION),
                f"{EXEMPT_ANNOTATION} names {entry.rule!r}, whose findings cannot be exempted "
                f"({', '.join(f'{c}.*' for c in sorted(UNEXEMPTABLE))}); that entry is ignored",
                f"fix what the findings report, or switch {entry.rule} off for the whole run "
                f"(dorgu validate --disable {entry.rule})",
            )))  # fmt: skip
            continue
        problems.append(("exemption.unknown-rule", Violation(
            annotation_path(EXEMPT_ANNOTATION),
            f"{EXEMPT_ANNOTATION} names {entry.rule!r}, which is no rule id or category; "
            "that entry is ignored",
            "use an id from docs/rules.md, e.g. security.read-only-root-filesystem",
        )))  # fmt: skip
    if owner is None or expires is None or expires <= now:
        return ExemptionState(owner=owner, expires=expires, problems=tuple(problems))
    return ExemptionState(tuple(valid), owner, expires, tuple(problems))
