"""The optional LLM step: settings -> provider -> cache -> prompt -> reply -> merge.

``enhance_app`` raises the rule-based model when a provider is configured and never lowers
it: with no provider, ``--no-llm`` or no key it returns the model untouched without touching
the network; when the provider fails it returns the model untouched with one warning line.
``explain_finding`` does the same for ``dorgu explain``, falling back to rule-based text.
Reads the app's README (bounded) as extra context.  Must not print, prompt, or let a reply
change settings: replies only flow into ``dorgu.analysis.enriching``'s whitelisted fields.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dorgu.analysis.enriching import Change, merge_enhancement
from dorgu.errors import ProviderError
from dorgu.llm.base import LlmClient
from dorgu.llm.caching import CachingClient, ResponseCache, default_cache_dir
from dorgu.llm.enhancing import (
    SCHEMA_NAME,
    build_enhancement_prompt,
    enhancement_schema,
    read_reply,
    schema_id,
)
from dorgu.llm.explaining import SCHEMA_NAME as EXPLAIN_SCHEMA
from dorgu.llm.explaining import SCHEMA_VERSION as EXPLAIN_VERSION
from dorgu.llm.explaining import (
    Explanation,
    build_explain_prompt,
    explanation_schema,
    fallback_explanation,
    read_explanation,
)
from dorgu.llm.redacting import Redactor
from dorgu.llm.retrying import RetryPolicy
from dorgu.llm.selecting import build_client, make_transport, select_provider
from dorgu.llm.sending import Transport
from dorgu.models.app import AppModel
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic, Severity
from dorgu.models.findings import Finding

_LOG = logging.getLogger(__name__)
README_NAMES = ("README.md", "README.rst", "README.txt", "README")
MAX_README_BYTES = 64 * 1024


@dataclass(frozen=True)
class LlmOptions:
    """How to reach the provider; every field has a production default."""

    enabled: bool = True
    use_cache: bool = True
    cache_dir: Path | None = None  # default: $XDG_CACHE_HOME/dorgu/llm
    transport: Transport | None = None  # default: httpx
    policy: RetryPolicy | None = None
    sleep: Callable[[float], None] | None = None


@dataclass(frozen=True)
class EnhanceOutcome:
    """The (possibly) enhanced model and what happened.  ``status``: disabled, none, enhanced,
    cached or failed; ``warning`` is one line for the user, or None."""

    model: AppModel
    status: str
    provider: str | None = None
    changes: tuple[Change, ...] = ()
    notes: tuple[Diagnostic, ...] = ()
    warning: str | None = None
    redactions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ExplainOutcome:
    explanation: Explanation
    source: str  # "rules" or "<provider> (<model>)"
    warning: str | None = None


def read_documents(root: Path | None) -> dict[str, str]:
    """The app's README (first found, at most 64 KiB, regular files only, no symlinks)."""
    if root is None:
        return {}
    for name in README_NAMES:
        path = root / name
        try:
            if path.is_symlink() or not path.is_file():
                continue
            with path.open("rb") as handle:
                data = handle.read(MAX_README_BYTES)
        except OSError:
            continue
        return {name: data.decode("utf-8", "replace")}
    return {}


def _open_client(
    settings: EffectiveSettings,
    *,
    environ: Mapping[str, str],
    options: LlmOptions,
    schema: str,
    client: LlmClient | None,
) -> tuple[LlmClient | None, str, str | None, Transport | None]:
    """(client, label or reason, warning, transport to close)."""
    if client is not None:
        return client, f"{client.provider} ({client.model})", None, None
    selection = select_provider(settings.llm, environ=environ, enabled=options.enabled)
    config = selection.config
    if config is None:
        return None, selection.reason, selection.warning, None
    transport = options.transport or make_transport(config)
    built = build_client(config, transport=transport, policy=options.policy, sleep=options.sleep)
    if options.use_cache:
        cache = ResponseCache(options.cache_dir or default_cache_dir(environ))
        built = CachingClient(built, cache=cache, base_url=config.base_url, schema_id=schema)
    return built, selection.reason, None, None if options.transport else transport


def enhance_app(
    model: AppModel,
    *,
    settings: EffectiveSettings,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
    options: LlmOptions | None = None,
    client: LlmClient | None = None,
    logger: logging.Logger = _LOG,
) -> EnhanceOutcome:
    """``model`` raised by the configured LLM, or unchanged (see the module docstring)."""
    opts = options or LlmOptions()
    env = os.environ if environ is None else environ
    llm, label, warning, transport = _open_client(
        settings, environ=env, options=opts, schema=schema_id(), client=client
    )
    if llm is None:
        status = "disabled" if not opts.enabled else "none"
        logger.debug("LLM enhancement off: %s", label)
        return EnhanceOutcome(model=model, status=status, warning=warning)
    redactor = Redactor()
    prompt = build_enhancement_prompt(
        model,
        documents=read_documents(root),
        instructions=settings.app.instructions,
        redactor=redactor,
    )
    counts = dict(sorted(redactor.counts.items()))
    logger.info("asking %s to enhance %s (%d values redacted)", label, model.name, redactor.total)
    try:
        raw = llm.complete_json(prompt, schema=enhancement_schema(), name=SCHEMA_NAME)
    except ProviderError as e:
        logger.debug("LLM enhancement failed: %s", e)
        return EnhanceOutcome(
            model=model,
            status="failed",
            provider=label,
            warning=f"LLM enhancement skipped: {e}; using the rule-based result",
            redactions=counts,
        )
    finally:
        if transport is not None:
            transport.close()
    enhancement, reply_notes = read_reply(raw)
    merged = merge_enhancement(model, enhancement)
    dropped = [n for n in reply_notes if n.severity is not Severity.INFO]
    result = merged.model.model_copy(update={"diagnostics": [*merged.model.diagnostics, *dropped]})
    cached = isinstance(llm, CachingClient) and llm.hits > 0
    return EnhanceOutcome(
        model=result,
        status="cached" if cached else "enhanced",
        provider=label,
        changes=tuple(merged.changes),
        notes=(*reply_notes, *merged.notes),
        redactions=counts,
    )


def explain_finding(
    finding: Finding,
    *,
    settings: EffectiveSettings,
    environ: Mapping[str, str] | None = None,
    options: LlmOptions | None = None,
    client: LlmClient | None = None,
    logger: logging.Logger = _LOG,
) -> ExplainOutcome:
    """A plain explanation of ``finding``: from the LLM when configured, else rule-based."""
    opts = options or LlmOptions()
    env = os.environ if environ is None else environ
    schema = f"{EXPLAIN_SCHEMA}/v{EXPLAIN_VERSION}"
    llm, label, warning, transport = _open_client(
        settings, environ=env, options=opts, schema=schema, client=client
    )
    if llm is None:
        return ExplainOutcome(fallback_explanation(finding), "rules", warning)
    try:
        raw = llm.complete_json(
            build_explain_prompt(finding), schema=explanation_schema(), name=EXPLAIN_SCHEMA
        )
        return ExplainOutcome(read_explanation(raw), label)
    except ProviderError as e:
        logger.debug("LLM explanation failed: %s", e)
        message = f"LLM explanation skipped: {e}; using the rule-based explanation"
        return ExplainOutcome(fallback_explanation(finding), "rules", message)
    finally:
        if transport is not None:
            transport.close()
