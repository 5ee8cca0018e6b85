"""``dorgu incidents show --explain``: a summary and root-cause hypotheses for an incident,
from the configured LLM when there is one, else from rules; optionally saved into
``spec.rootCause.summary``/``provider`` (``--save``).

Never blocking: no provider, a provider error or an unusable reply all give the rule-based
summary and a one-line warning.  The prompt is redacted (``dorgu.llm.summarizing``); the
fingerprint, labels and identity fields are never touched by a save.

Collaborators are explicit (``client``, ``settings``, ``environ``, ``llm``).  Must not print.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.clients import KubeClient
from dorgu.errors import ClusterError, ProviderError
from dorgu.formats.redacting import Redactor
from dorgu.llm.base import LlmClient
from dorgu.llm.summarizing import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    IncidentSummary,
    build_summary_prompt,
    fallback_summary,
    read_summary,
    summary_schema,
    summary_text,
)
from dorgu.models.config import EffectiveSettings
from dorgu.models.incidents import MAX_SHORT, MAX_TEXT, IncidentMemory
from dorgu.services.enhancing import LlmOptions, _open_client
from dorgu.services.incidents import get_incident_object

_LOG = logging.getLogger(__name__)
RULES = "rules"


@dataclass(frozen=True)
class SummaryOutcome:
    summary: IncidentSummary
    source: str
    """``rules`` or ``<provider> (<model>)``."""
    provider: str
    """What ``spec.rootCause.provider`` records: ``rules`` or the provider's name."""
    warning: str | None = None
    redactions: int = 0


def summarize_incident(
    incident: IncidentMemory,
    *,
    settings: EffectiveSettings | None,
    environ: Mapping[str, str] | None = None,
    options: LlmOptions | None = None,
    llm: LlmClient | None = None,
    logger: logging.Logger = _LOG,
) -> SummaryOutcome:
    """The LLM's summary when a provider is configured (``settings``) or given (``llm``),
    else the rule-based one; any provider failure falls back with a warning."""
    if settings is None and llm is None:
        return SummaryOutcome(fallback_summary(incident), RULES, RULES)
    opts = options or LlmOptions()
    env = os.environ if environ is None else environ
    schema = f"{SCHEMA_NAME}/v{SCHEMA_VERSION}"
    client: LlmClient | None
    if llm is not None:
        client, label, warning, transport = llm, f"{llm.provider} ({llm.model})", None, None
    else:
        assert settings is not None
        client, label, warning, transport = _open_client(
            settings, environ=env, options=opts, schema=schema, client=None
        )
    if client is None:
        note = warning or f"no LLM provider ({label}); rule-based summary"
        return SummaryOutcome(fallback_summary(incident), RULES, RULES, note)
    redactor = Redactor()
    try:
        prompt = build_summary_prompt(incident, redactor=redactor)
        raw = client.complete_json(prompt, schema=summary_schema(), name=SCHEMA_NAME)
        return SummaryOutcome(read_summary(raw), label, client.provider, None, redactor.total)
    except ProviderError as error:
        logger.debug("LLM incident summary failed: %s", error)
        note = f"LLM summary skipped: {error}; using the rule-based summary"
        return SummaryOutcome(fallback_summary(incident), RULES, RULES, note, redactor.total)
    finally:
        if transport is not None:
            transport.close()


def save_summary(
    name: str, outcome: SummaryOutcome, *, client: KubeClient, namespace: str | None
) -> IncidentMemory:
    """Write the summary into ``spec.rootCause.summary``/``provider`` (with the
    ``resourceVersion`` read: a concurrent change is a one-line conflict, never overwritten)."""
    obj = get_incident_object(name, client=client, namespace=namespace)
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise ClusterError(f"IncidentMemory {name} has no spec")
    root = spec.get("rootCause")
    root = dict(root) if isinstance(root, dict) else {}
    root["summary"] = summary_text(outcome.summary)[:MAX_TEXT]
    root["provider"] = outcome.provider[:MAX_SHORT]
    spec["rootCause"] = root
    return IncidentMemory.model_validate(client.replace(obj))
