"""One admission review -> one decision, from the in-memory caches only.

The fast path: a review that is not an apps/v1 Deployment CREATE/UPDATE, or whose workload no
persona selects, is admitted after one dict lookup and a selector match, without evaluating
anything.  Otherwise the persona's mode (its own, else the namespace label
``dorgu.io/validation-mode``, else audit) decides: off and audit admit (the reconciler
records an audited workload's findings in the persona's status once it exists), warn admits
with warnings, enforce denies on error findings with a message naming rule, field, bound and
fix (``dorgu.rules.decide_admission``).  Dry-run requests are decided the same way; nothing
here has side effects.

Must not call the API, block, or raise: any internal error admits (fail open), is logged
and counted by the caller through ``Outcome.result == "error"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from dorgu.models.personas_policies import ValidationMode, effective_mode
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.reviews import Review, parse_review, response_body
from dorgu.rules import (
    DEFAULT_POLICY,
    RulePolicy,
    as_workload,
    decide_admission,
    evaluate_target,
    target_for,
)
from dorgu.rules.cel import is_autoscaled, webhook_policy

logger = logging.getLogger(__name__)
NO_MODE = "none"


@dataclass(frozen=True)
class Outcome:
    body: bytes
    result: str
    """allowed, warned, denied, skipped (fast path), error (failed open)."""
    mode: str
    denial: str | None = None
    """For a denied review: ``namespace/name`` and the persona messages, for the log."""


def _clock() -> datetime:
    return datetime.now(UTC)


def _is_deployment_write(review: Review) -> bool:
    return (
        review.group == "apps"
        and review.version == "v1"
        and review.kind == "Deployment"
        and review.sub_resource == ""
        and review.operation in ("CREATE", "UPDATE")
        and review.object is not None
    )


def rules_left_to_webhook(manifest: Mapping[str, object]) -> RulePolicy:
    """``--admission both``: the rules the admission policies do not run on ``manifest``."""
    return webhook_policy(DEFAULT_POLICY, autoscaled=is_autoscaled(manifest))


class AdmissionHandler:
    def __init__(
        self,
        *,
        view: ClusterView,
        clock: Callable[[], datetime] = _clock,
        policy: RulePolicy = DEFAULT_POLICY,
        policy_for: Callable[[Mapping[str, object]], RulePolicy] | None = None,
    ) -> None:
        self.view = view
        self.clock = clock
        self.policy = policy
        self.policy_for = policy_for
        """The policy for one Deployment (``--admission both``: the rules the admission
        policies do not run on it); None: ``policy``."""

    def handle(self, body: bytes) -> Outcome | None:
        """The answer to ``body``; None when it is no AdmissionReview (answer 400)."""
        review = parse_review(body)
        if review is None:
            return None
        try:
            return self._decide(review)
        except Exception:
            logger.exception(
                "admission of %s/%s failed; admitting (fail open)", review.namespace, review.name
            )
            return Outcome(response_body(review.uid, allowed=True), "error", NO_MODE)

    def _decide(self, review: Review) -> Outcome:
        admit = Outcome(response_body(review.uid, allowed=True), "skipped", NO_MODE)
        if not _is_deployment_write(review):
            return admit
        assert review.object is not None
        meta = review.object.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if not isinstance(labels, dict) or not labels:
            return admit
        namespace = review.namespace
        personas = self.view.personas_for(namespace, labels)
        personas = [p for p in personas if p.spec is not None]
        if not personas:
            return admit
        workload = as_workload({**review.object, "kind": "Deployment", "apiVersion": "apps/v1"})
        if workload is None:
            return admit
        now = self.clock()
        related = self.view.related(namespace)
        known = self.view.known_services(namespace)
        default = self.view.namespace_mode(namespace)
        policy = self.policy_for(review.object) if self.policy_for else self.policy
        allowed = True
        messages: list[str] = []
        warnings: list[str] = []
        modes: list[ValidationMode] = []
        for persona in personas:
            assert persona.spec is not None
            spec = persona.spec
            mode = effective_mode(spec.validation.mode if spec.validation else None, default)
            modes.append(mode)
            if mode is ValidationMode.OFF:
                continue
            target = target_for(workload, related=related, persona=spec, known_services=known,
                                learned=persona.learned)  # fmt: skip
            findings = evaluate_target(target, now=now, policy=policy)
            decision = decide_admission(findings, mode)
            if not decision.allowed:
                allowed = False
                messages.append(f"persona {persona.name}: {decision.message}")
            warnings.extend(w for w in decision.warnings if w not in warnings)
        mode_label = max(modes, key=_strictness).value if modes else NO_MODE
        result = "denied" if not allowed else "warned" if warnings else "allowed"
        body = response_body(
            review.uid,
            allowed=allowed,
            message="; ".join(messages)[:3000],
            warnings=warnings[:20],
        )
        denial = None if allowed else f"{namespace}/{workload.name}: " + "; ".join(messages)
        return Outcome(body, result, mode_label, denial)


_ORDER = {
    ValidationMode.OFF: 0,
    ValidationMode.AUDIT: 1,
    ValidationMode.WARN: 2,
    ValidationMode.ENFORCE: 3,
}


def _strictness(mode: ValidationMode) -> int:
    return _ORDER[mode]
