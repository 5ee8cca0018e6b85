"""The explicit list of every rule, in report order.  Adding a rule means adding it here (and
to ``docs/rules.md``; a test checks both).

Must not discover rules by import side effects or subclassing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dorgu.models.evidence import Severity
from dorgu.rules import (
    images,
    naming,
    networking,
    personas,
    probes,
    replicas,
    resources,
    security,
)
from dorgu.rules.violations import Category, Rule

_E = Category.EXEMPTION
EXEMPTION_RULES = (
    Rule("exemption.no-owner", _E, Severity.WARNING, "Exemptions name an owner",
         "An exception nobody owns is never revisited.",
         "Add the dorgu.io/exempt-owner annotation."),
    Rule("exemption.no-expiry", _E, Severity.WARNING, "Exemptions have a valid expiry",
         "A permanent exception is a silent policy change.",
         "Add dorgu.io/exempt-expires: YYYY-MM-DD."),
    Rule("exemption.expired", _E, Severity.WARNING, "Exemptions have not expired",
         "Once expired, the exempted rules apply again; this says why findings came back.",
         "Fix the findings or renew the exemption."),
    Rule("exemption.unknown-rule", _E, Severity.WARNING, "Exemptions name real rules",
         "A misspelt rule id exempts nothing.",
         "Use an id from docs/rules.md."),
    Rule("exemption.applied", _E, Severity.INFO, "Active exemptions are reported",
         "Exceptions stay visible to reviewers and auditors while they are in force.",
         "Nothing to fix; remove the annotations when the exception ends."),
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    *security.RULES,
    *images.RULES,
    *resources.RULES,
    *probes.RULES,
    *networking.RULES,
    *naming.RULES,
    *replicas.RULES,
    *personas.RULES,
    *EXEMPTION_RULES,
)

RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
assert len(RULES_BY_ID) == len(RULES), "duplicate rule id"

CATEGORIES = frozenset(category.value for category in Category)


def is_known(name: str) -> bool:
    """Whether ``name`` is a rule id or a category."""
    return name in RULES_BY_ID or name in CATEGORIES
