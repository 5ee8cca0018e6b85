"""The ``dorgu.io/exempt`` annotations in CEL (``dorgu.rules.exemptions``): which entries
are valid, whether the exemption is in force at ``variables.now``, whether it covers a
finding, and the ``exemption.*`` findings about the annotations themselves.

CEL has no clock: ``now`` is a timestamp the operator writes into the policy and refreshes.
Expiries are normalised to whole UTC seconds (``timestamp(int(...))``), as Python prints them.
Expiries are a date (``YYYY-MM-DD``) or an RFC 3339 timestamp with ``T`` and an offset.

Must not do I/O.
"""

from __future__ import annotations

from dorgu.rules.cel.literals import concat, finding, quote, string_list
from dorgu.rules.exemptions import (
    EXEMPT_ANNOTATION,
    EXPIRES_ANNOTATION,
    OWNER_ANNOTATION,
    UNEXEMPTABLE,
)
from dorgu.rules.paths import format_path
from dorgu.rules.registry import CATEGORIES, RULES_BY_ID

ANNOTATIONS = "object.metadata.annotations"
KNOWN = sorted({*RULES_BY_ID, *CATEGORIES})
_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_STAMP = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _annotation(key: str) -> str:
    return (
        f"(has({ANNOTATIONS}) && {quote(key)} in {ANNOTATIONS} ? {ANNOTATIONS}[{quote(key)}] : '')"
    )


def _rule(entry: str) -> str:
    return f"({entry}.lastIndexOf('/') >= 0 ? {entry}.substring({entry}.lastIndexOf('/') + 1) : {entry})"


def _container(entry: str) -> str:
    return f"({entry}.lastIndexOf('/') >= 0 ? {entry}.substring(0, {entry}.lastIndexOf('/')) : '')"


def _shown(entry: str) -> str:
    """``str(Exemption)``: ``container/rule`` or ``rule``."""
    return (
        f"({_container(entry)} != '' ? {_container(entry)} + '/' + {_rule(entry)} : {_rule(entry)})"
    )


def _unexemptable(name: str) -> str:
    category = f"({name}.indexOf('.') >= 0 ? {name}.substring(0, {name}.indexOf('.')) : {name})"
    return f"({category} in {string_list(sorted(UNEXEMPTABLE))})"


def _valid(entry: str) -> str:
    rule = _rule(entry)
    return f"({rule} == '*' || ({rule} in {string_list(KNOWN)} && !{_unexemptable(rule)}))"


VARIABLES: tuple[tuple[str, str], ...] = (
    ("exPresent", f"has({ANNOTATIONS}) && {quote(EXEMPT_ANNOTATION)} in {ANNOTATIONS}"),
    ("exEntries", f"{_annotation(EXEMPT_ANNOTATION)}.replace('\\t', ',').replace('\\n', ',')"
                  ".replace('\\r', ',').replace(' ', ',').split(',').filter(e, e != '')"),
    ("exOwner", f"{_annotation(OWNER_ANNOTATION)}.trim()"),
    ("exRaw", _annotation(EXPIRES_ANNOTATION)),
    ("exValid", f"variables.exRaw.trim().matches({quote(_DATE)}) || "
                f"variables.exRaw.trim().matches({quote(_STAMP)})"),
    ("exExpires", f"variables.exRaw.trim().matches({quote(_DATE)}) ? "
                  "timestamp(variables.exRaw.trim() + 'T00:00:00Z') + duration('24h') : "
                  "(variables.exValid ? timestamp(int(timestamp(variables.exRaw.trim()))) : "
                  "timestamp('0001-01-01T00:00:00Z'))"),
    ("exActive", "variables.exPresent && variables.exOwner != '' && variables.exValid && "
                 "variables.exExpires > variables.now"),
)  # fmt: skip


def covered(item: str) -> str:
    """Whether the exemption in force covers finding ``item``."""
    rule, container = _rule("e"), _container("e")
    return (
        f"(variables.exActive && variables.exEntries.exists(e, {_valid('e')} && "
        f"({container} == '' || {container} == {item}.c) && ({rule} == '*' || {rule} == "
        f"{item}.r || {item}.r.startsWith({rule} + '.'))))"
    )


def _path(key: str) -> str:
    return quote(format_path(("metadata", "annotations", key)))


def problems() -> str:
    """The ``exemption.*`` findings (``dorgu.rules.exemptions.read_exemptions``)."""
    ignored = concat(
        "'the exemption ('",
        f"(size(variables.exEntries) > 0 ? variables.exEntries.map(e, {_shown('e')}).join(', ') "
        ": 'nothing')",
        "') does not apply'",
    )
    no_owner = finding(
        "exemption.no-owner", "warning", None, _path(OWNER_ANNOTATION),
        concat(quote(f"{EXEMPT_ANNOTATION} has no {OWNER_ANNOTATION}: "), ignored),
        quote(f"add {OWNER_ANNOTATION}: <team or person accountable for the exception>"),
    )  # fmt: skip
    no_expiry = finding(
        "exemption.no-expiry", "warning", None, _path(EXPIRES_ANNOTATION),
        concat(quote(f"{EXPIRES_ANNOTATION} "),
               "(variables.exRaw != '' ? '\\'' + variables.exRaw + '\\' is not a date' "
               ": 'is missing')", "': '", ignored),
        quote(f"add {EXPIRES_ANNOTATION}: YYYY-MM-DD (or an RFC 3339 timestamp with offset)"),
    )  # fmt: skip
    expired = finding(
        "exemption.expired", "warning", None, _path(EXPIRES_ANNOTATION),
        concat("'the exemption expired at '", "string(variables.exExpires)", "' (owner: '",
               "(variables.exOwner != '' ? variables.exOwner : 'none')",
               "'): the exempted rules apply again'"),
        quote("fix the findings, or renew the exemption with a new expiry"),
    )  # fmt: skip
    rule = _rule("e")
    unexemptable = finding(
        "exemption.unknown-rule", "warning", None, _path(EXEMPT_ANNOTATION),
        concat(quote(f"{EXEMPT_ANNOTATION} names '"), rule,
               quote("', whose findings cannot be exempted ("
                     + ", ".join(f"{c}.*" for c in sorted(UNEXEMPTABLE))
                     + "); that entry is ignored")),
        concat("'fix what the findings report, or switch '", rule,
               "' off for the whole run (dorgu validate --disable '", rule, "')'"),
    )  # fmt: skip
    unknown = finding(
        "exemption.unknown-rule", "warning", None, _path(EXEMPT_ANNOTATION),
        concat(quote(f"{EXEMPT_ANNOTATION} names '"), rule,
               "'\\', which is no rule id or category; that entry is ignored'"),
        quote("use an id from docs/rules.md, e.g. security.read-only-root-filesystem"),
    )  # fmt: skip
    entries = (
        f"variables.exEntries.filter(e, !{_valid('e')}).map(e, {rule} in {string_list(KNOWN)} "
        f"? {unexemptable} : {unknown})"
    )
    return (
        f"(variables.exPresent ? (variables.exOwner == '' ? [{no_owner}] : []) + "
        f"(!variables.exValid ? [{no_expiry}] : variables.exExpires <= variables.now ? "
        f"[{expired}] : []) + {entries} : [])"
    )
