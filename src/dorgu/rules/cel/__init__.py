"""The rule engine compiled to CEL: ValidatingAdmissionPolicies (and bindings) that the API
server evaluates in-process, with each persona's small ``PersonaPolicy`` (kept by the
operator, ``dorgu.models.persona_params``) as the parameter object.

- ``compiling.policy_manifests``: the policies and bindings;
- ``compiling.COMPILED_RULES``: the rules they run (the rest need objects CEL cannot see:
  HPAs, PDBs, Services, ServiceAccounts; the webhook keeps those);
- ``webhook_policy``: what the webhook still runs beside the policies.

Layer 1, pure: must not do I/O or read the clock (``now`` is a parameter).
"""

from dorgu.rules.cel.compiling import (
    AUTOSCALED_ANNOTATION,
    COMPILED_RULES,
    HPA_SENSITIVE_RULES,
    policy_manifests,
)
from dorgu.rules.cel.coverage import is_autoscaled, webhook_policy

__all__ = [
    "AUTOSCALED_ANNOTATION",
    "COMPILED_RULES",
    "HPA_SENSITIVE_RULES",
    "is_autoscaled",
    "policy_manifests",
    "webhook_policy",
]
