"""The explicit list of every rule, in report order.  Adding a rule means adding it here (and
to ``docs/rules.md``; a test checks both).

The ``exemption.*`` and ``schema.*`` rules have no check function: the engine reports the
former itself, and ``dorgu.rules.schemas`` (which needs a schema bundle and judges every object,
not only workloads) the latter.  They are listed here so that policies (``--disable``,
``--severity``), reports (SARIF) and ``docs/rules.md`` treat them like every other rule.

Must not discover rules by import side effects or subclassing.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

from dorgu.models.evidence import Severity
from dorgu.rules import (
    images,
    learned,
    naming,
    networking,
    observability,
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

_S = Category.SCHEMA
SCHEMA_RULES = (
    Rule("schema.unknown-field", _S, Severity.ERROR,
         "Objects have only fields their schema knows",
         "The API server rejects unknown fields (kubectl validates strictly) or drops them, "
         "so a typo like imagePulPolicy silently loses the setting.",
         "Fix the field name (a 'did you mean' is suggested) or remove the field."),
    Rule("schema.invalid", _S, Severity.ERROR,
         "Objects match their schema's types, required fields and enums",
         "The API server rejects a wrong type, a missing required field or a value outside "
         "an enum.",
         "Give the field the type and value the Kubernetes API expects."),
    Rule("schema.unknown-kind", _S, Severity.WARNING,
         "Objects have a schema in the bundle",
         "An object whose kind or apiVersion the bundle does not know is not schema-checked; "
         "a removed apiVersion is rejected by the API server.",
         "Use an apiVersion the Kubernetes version serves; for other CRDs, check them with the "
         "CRD's own schema or disable schema.unknown-kind."),
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
    *learned.RULES,
    *observability.RULES,
    *EXEMPTION_RULES,
    *SCHEMA_RULES,
)

RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
assert len(RULES_BY_ID) == len(RULES), "duplicate rule id"

CATEGORIES = frozenset(category.value for category in Category)


def is_known(name: str) -> bool:
    """Whether ``name`` is a rule id or a category."""
    return name in RULES_BY_ID or name in CATEGORIES


def closest_name(name: str) -> str | None:
    """The rule id or category nearest to a misspelt ``name`` (for "did you mean")."""
    names = sorted({*RULES_BY_ID, *CATEGORIES})
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return found[0] if found else None
