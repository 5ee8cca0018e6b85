"""Collecting the evidence and diagnostics of applied descriptions, and the env layer they add."""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.models.app import EnvVar
from dorgu.models.evidence import Diagnostic, Evidence, Location


class Notes:
    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        self.diagnostics: list[Diagnostic] = []

    def add(
        self,
        component: str,
        field: str,
        value: str,
        rule: str,
        where: Location | None,
        confidence: float,
        detail: str | None = None,
    ) -> None:
        self.evidence.append(
            Evidence(
                field=f"components.{component}.{field}",
                value=value,
                rule=rule,
                location=where,
                confidence=round(confidence, 2),
                detail=detail,
            )
        )


def merge_env(base: Sequence[EnvVar], layer: Sequence[EnvVar]) -> tuple[EnvVar, ...]:
    """``layer`` over ``base``: a variable the layer only names (set at run time) keeps the
    value known from elsewhere."""
    values = {v.name: v for v in base}
    order = [v.name for v in base]
    for var in layer:
        if var.name not in values:
            order.append(var.name)
        elif var.value is None and not var.secret and values[var.name].value is not None:
            continue  # set at run time here; keep the value known from elsewhere
        values[var.name] = var
    return tuple(values[name] for name in order)
