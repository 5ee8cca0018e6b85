"""The vocabulary of the engine: a ``Rule`` (stable id, category, default severity, why and
how to fix, and a pure check function) and the ``Violation`` a check yields.

Rule ids are ``<category>.<kebab-name>`` (``security.run-as-non-root``): readable in a
terminal, in an annotation and in a persona's status.  An id never changes meaning and is never
reused; ``docs/rules.md`` lists every one.

Must not evaluate anything or know about exemptions, policies or output formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from dorgu.models.evidence import Severity
from dorgu.rules.paths import FieldPath
from dorgu.rules.targets import Target


class Category(StrEnum):
    SECURITY = "security"
    RELIABILITY = "reliability"
    RESOURCES = "resources"
    SCALING = "scaling"
    NETWORKING = "networking"
    NAMING = "naming"
    PERSONA = "persona"
    OBSERVABILITY = "observability"
    EXEMPTION = "exemption"
    SCHEMA = "schema"


@dataclass(frozen=True)
class Violation:
    """One thing a check found wrong.

    ``path`` points into ``subject`` (None: the workload itself; else the HPA, PDB or Service
    the problem is in).  ``severity`` overrides the rule's default when the same rule is more
    or less serious in context (a single replica is a warning only for a critical persona).
    """

    path: FieldPath
    message: str
    suggestion: str | None = None
    container: str | None = None
    subject: Mapping[str, object] | None = None
    severity: Severity | None = None


Check = Callable[[Target], Iterable[Violation]]


def no_check(target: Target) -> Iterable[Violation]:
    """The check of rules the engine reports itself (the exemption rules)."""
    return ()


@dataclass(frozen=True)
class Rule:
    """One check with its documentation."""

    id: str
    category: Category
    severity: Severity
    title: str
    why: str
    fix: str
    check: Check = no_check

    def __post_init__(self) -> None:
        if not self.id.startswith(f"{self.category.value}."):
            raise ValueError(f"rule id {self.id!r} must start with {self.category.value}.")
