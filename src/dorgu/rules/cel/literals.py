"""CEL text built from Python values: string literals, clipping, and the finding a check
yields (``{'r': rule, 's': severity, 'c': container, 'l': line}``, all strings).

Must not know about rules or Kubernetes objects.
"""

from __future__ import annotations

from collections.abc import Iterable


def quote(text: str) -> str:
    """``text`` as a CEL string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


def string_list(items: Iterable[str]) -> str:
    """A CEL list literal of strings."""
    return "[" + ", ".join(quote(item) for item in items) + "]"


def bind(name: str, value: str, body: str) -> str:
    """``body`` with ``name`` bound to ``value`` (``cel.bind`` is not in the admission
    policies' CEL environment: a one-element ``map`` does the same)."""
    return f"[{value}].map({name}, {body})[0]"


def clip(expression: str, limit: int) -> str:
    """``expression`` (a string) cut to ``limit`` characters, ending in ``...`` when cut
    (as ``dorgu.rules.admission`` clips)."""
    return bind(
        "text", expression, f"size(text) <= {limit} ? text : text.substring(0, {limit - 3}) + '...'"
    )


def concat(*parts: str) -> str:
    """CEL string concatenation of expressions."""
    return " + ".join(parts)


def finding(
    rule: str, severity: str, container: str | None, field: str, message: str, fix: str
) -> str:
    """One finding map.  ``container`` (None: none), ``field``, ``message`` and ``fix`` are
    CEL string expressions; the line is ``dorgu.rules.describe`` of the finding."""
    shown = f"' (container ' + {container} + ')'" if container else "''"
    line = concat(
        quote(f"{rule}: "), "variables.resource", "' '", field, shown, "': '", message,
        "'; fix: '", fix,
    )  # fmt: skip
    # string(): values read through comprehension variables type as dyn, and a map literal
    # needs one value type
    return (
        f"{{'r': {quote(rule)}, 's': string({quote(severity)}), "
        f"'c': string({container or quote('')}), 'l': string({line})}}"
    )
