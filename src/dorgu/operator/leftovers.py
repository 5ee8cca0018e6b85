"""Removing what an earlier ``--admission policy|both`` run installed, when the operator now
runs ``--admission webhook``: its ValidatingAdmissionPolicyBindings and policies
(``<policy_name>-deny|warn|audit``, bindings first, so none names a missing policy) and the
``PersonaPolicy`` parameters labelled as its own.  Left alone, the policies would keep judging
Deployments beside the webhook (twice the denials, stale rules).

Run once at start.  A missing object or API (404) is nothing to do; a refusal (403, e.g. a
chart that grants no rights on them) is one warning line naming the objects and how to delete
them by hand; the operator runs on either way.
Must not touch objects it did not name or label.
"""

from __future__ import annotations

import asyncio
import logging

from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.params import PERSONA_POLICIES, SELECTOR
from dorgu.operator.policies import BINDINGS, POLICIES
from dorgu.rules.cel.compiling import ACTIONS

logger = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


async def remove_policy_leftovers(api: Api, *, policy_name: str) -> list[str]:
    """Delete the leftovers; the objects deleted, as ``kind/name`` (namespaced: ``ns/name``)."""
    removed: list[str] = []
    refused: list[str] = []
    names = [f"{policy_name}-{action}" for action in ACTIONS]
    for kind in (BINDINGS, POLICIES):
        for name in names:
            label = f"{kind.plural}/{name}"
            try:
                await api.delete(kind, name)
                removed.append(label)
            except ApiFailure as error:
                if error.code == 403:
                    refused.append(label)
                elif error.code != 404:
                    logger.warning("could not delete the leftover %s: %s", label, error)
    try:
        params = await _labelled_params(api)
    except ApiFailure as error:
        if error.code == 403:
            refused.append(f"{PERSONA_POLICIES.plural} -l {SELECTOR}")
        elif error.code != 404:
            logger.warning("could not list leftover %s: %s", PERSONA_POLICIES.plural, error)
        params = []
    for namespace, name in sorted(params):
        label = f"{PERSONA_POLICIES.plural}/{namespace}/{name}"
        try:
            await api.delete(PERSONA_POLICIES, name, namespace=namespace)
            removed.append(label)
        except ApiFailure as error:
            if error.code == 403:
                refused.append(label)
            elif error.code != 404:
                logger.warning("could not delete the leftover %s: %s", label, error)
    if removed:
        logger.info("removed %d objects of an earlier --admission policy run: %s",
                    len(removed), ", ".join(removed))  # fmt: skip
    if refused:
        logger.warning(
            "objects of an earlier --admission policy run may be left (no right to delete "
            "them): %s; delete them by hand (kubectl delete ...) if they exist",
            ", ".join(refused),
        )
    return removed


async def _labelled_params(api: Api) -> list[tuple[str, str]]:
    """The operator's PersonaPolicies; a CRD still initializing (429) is asked again once."""
    for attempt in range(2):
        try:
            listing = await api.list(PERSONA_POLICIES, label_selector=SELECTOR)
            return [_key(obj) for obj in listing.items]
        except ApiFailure as error:
            if error.code != 429 or attempt:
                raise
            await asyncio.sleep(RETRY_SECONDS)
    return []


def _key(obj: dict[str, object]) -> tuple[str, str]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")
