"""Redaction of secrets from text before anything is sent to a provider: re-exported from
``dorgu.formats.redacting`` (moved there so the pure layers, e.g. incident evidence in
``dorgu.learning.incidents``, redact with the same rules as LLM prompts).
"""

from dorgu.formats.redacting import Redactor, looks_random, marker, redact_text, shannon_entropy

__all__ = ["Redactor", "looks_random", "marker", "redact_text", "shannon_entropy"]
