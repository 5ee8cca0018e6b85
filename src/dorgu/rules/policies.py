"""Which rules run and how serious their findings are: ``RulePolicy``, and the three
strictness levels ``relaxed``, ``default`` and ``strict`` (in the spirit of kube-score's and
Polaris's configurable checks).

A name in ``disabled`` or ``severities`` is a rule id or a category; an id wins over its
category.  Unknown names are reported by ``unknown_names`` so callers can refuse them.

Must not evaluate rules or read configuration files (callers build the policy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from dorgu.models.evidence import Severity
from dorgu.rules.registry import is_known


class Level(StrEnum):
    RELAXED = "relaxed"  # only what breaks pods or endangers the node
    DEFAULT = "default"
    STRICT = "strict"  # security, resources and probes become errors


@dataclass(frozen=True)
class RulePolicy:
    """Rules switched off and severities overridden, by rule id or category."""

    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled and _category(rule_id) not in self.disabled

    def severity(self, rule_id: str, default: Severity) -> Severity:
        """The severity of a finding of ``rule_id`` whose rule said ``default``."""
        found = self.severities.get(rule_id) or self.severities.get(_category(rule_id))
        return found or default

    def disabling(self, names: Iterable[str]) -> RulePolicy:
        return replace(self, disabled=self.disabled | frozenset(names))

    def overriding(self, severities: Mapping[str, Severity]) -> RulePolicy:
        return replace(self, severities=MappingProxyType({**self.severities, **severities}))

    def unknown_names(self) -> list[str]:
        """Names in the policy that are neither rule ids nor categories."""
        return sorted(n for n in (*self.disabled, *self.severities) if not is_known(n))


def _category(rule_id: str) -> str:
    return rule_id.partition(".")[0]


DEFAULT_POLICY = RulePolicy()

_RELAXED_OFF = frozenset(
    {
        "reliability.image-pull-policy",
        "reliability.topology-spread",
        "reliability.disruption-budget-missing",
        "scaling.single-replica",
        "security.read-only-root-filesystem",
        "security.service-account-token",
    }
)
_STRICT: Mapping[str, Severity] = MappingProxyType(
    {
        "security": Severity.ERROR,
        "resources": Severity.ERROR,
        "reliability.readiness-probe": Severity.ERROR,
        "reliability.liveness-probe": Severity.ERROR,
        "reliability.image-pull-policy": Severity.ERROR,
    }
)


def policy_for_level(level: Level) -> RulePolicy:
    """The policy of a strictness level."""
    if level is Level.RELAXED:
        return RulePolicy(disabled=_RELAXED_OFF)
    if level is Level.STRICT:
        return RulePolicy(severities=_STRICT)
    return DEFAULT_POLICY
