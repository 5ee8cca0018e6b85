"""Which engine runs which rule when the policies run beside the webhook: the webhook skips
the compiled rules (and the ``exemption.*`` findings, which the policies report), except the
HPA-sensitive ones on a Deployment marked as autoscaled, which CEL skips.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.rules.cel.compiling import AUTOSCALED_ANNOTATION, COMPILED_RULES, HPA_SENSITIVE_RULES
from dorgu.rules.objects import as_map
from dorgu.rules.policies import RulePolicy


def is_autoscaled(manifest: Mapping[str, object]) -> bool:
    """Whether ``manifest`` carries the autoscaled marker the policies read."""
    return AUTOSCALED_ANNOTATION in as_map(as_map(manifest.get("metadata")).get("annotations"))


def webhook_policy(base: RulePolicy, *, autoscaled: bool) -> RulePolicy:
    """``base`` without the rules the policies already run on such a Deployment."""
    compiled = set(COMPILED_RULES)
    if autoscaled:
        compiled -= HPA_SENSITIVE_RULES
    return base.disabling({*compiled, "exemption"})
