"""The validation rule engine shared by ``dorgu generate`` (its own output), ``dorgu validate``
(any manifest) and the admission webhook (a live workload): the same checks over the same
models.

- ``registry.RULES``: every rule, explicitly listed; ids are ``<category>.<name>`` and are
  documented in ``docs/rules.md``;
- ``evaluate(objects, now=...)``: findings for a set of manifests (workloads are linked to the
  HPAs, PDBs, Services and ServiceAccounts among them, and to the personas given);
- ``target_for(workload, related=..., persona=...)`` + ``evaluate_target(target, now=...)``:
  findings for one workload (the webhook's entry point);
- ``decide_admission(findings, mode)``: off | audit | warn | enforce;
- ``RulePolicy`` / ``policy_for_level``: disabled rules, severity overrides, strictness;
- exemptions: the ``dorgu.io/exempt`` annotations (``exemptions.py``);
- ``reports``: text, JSON and SARIF.

Layer 1, pure: must not do I/O, read the clock or the environment, print, or import
``dorgu.generation``, ``dorgu.analysis`` or ``dorgu.settings`` (siblings); only ``dorgu.models``,
``dorgu.errors`` and ``dorgu.formats`` below it.
"""

from dorgu.rules.admission import AdmissionDecision, decide_admission, describe
from dorgu.rules.evaluating import ObjectFinding, evaluate, evaluate_target
from dorgu.rules.objects import Manifest, Workload, as_workload
from dorgu.rules.policies import DEFAULT_POLICY, Level, RulePolicy, policy_for_level
from dorgu.rules.registry import RULES, RULES_BY_ID
from dorgu.rules.targets import PersonaBinding, Target, link_targets, target_for
from dorgu.rules.violations import Category, Rule, Violation

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "RULES_BY_ID",
    "AdmissionDecision",
    "Category",
    "Level",
    "Manifest",
    "ObjectFinding",
    "PersonaBinding",
    "Rule",
    "RulePolicy",
    "Target",
    "Violation",
    "Workload",
    "as_workload",
    "decide_admission",
    "describe",
    "evaluate",
    "evaluate_target",
    "link_targets",
    "policy_for_level",
    "target_for",
]
