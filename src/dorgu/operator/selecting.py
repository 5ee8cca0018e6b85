"""Label selectors as the API's ``labelSelector`` query text.  Pure; must not do I/O."""

from __future__ import annotations

from dorgu.models.personas_base import LabelSelector, SelectorOperator


def selector_text(selector: LabelSelector) -> str:
    """``a=b,c in (d,e),!f`` for ``selector`` (empty: everything)."""
    parts = [f"{key}={value}" for key, value in sorted(selector.match_labels.items())]
    for term in selector.match_expressions:
        values = ",".join(sorted(term.values))
        if term.operator is SelectorOperator.IN:
            parts.append(f"{term.key} in ({values})")
        elif term.operator is SelectorOperator.NOT_IN:
            parts.append(f"{term.key} notin ({values})")
        elif term.operator is SelectorOperator.EXISTS:
            parts.append(term.key)
        else:
            parts.append(f"!{term.key}")
    return ",".join(parts)
