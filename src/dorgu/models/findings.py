"""Validation findings: one problem a rule found in a manifest or a live object.

The shape matches the persona status validation issue (``severity``, ``field``, ``message``,
``suggestion``; see PERSONA-COMPAT.md) plus the rule id, the resource and container it is
about and, when it was found in a file, its location (file and line), so a finding can be
written to ``status.validation.issues`` with ``to_issue``.  Must not hold rule
logic or do I/O: the rule engine (``dorgu.rules``) produces findings, ``dorgu explain``
explains them.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from dorgu.models.evidence import Location, Severity


class ResourceRef(BaseModel):
    """The Kubernetes object a finding is about."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    kind: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = Field(None, max_length=63)

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"


class Finding(BaseModel):
    """One validation problem.  ``field`` is a path into the resource
    (``spec.template.spec.containers[0].securityContext.runAsNonRoot``)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", populate_by_name=True)

    rule_id: str | None = Field(
        None,
        max_length=200,
        validation_alias=AliasChoices("rule_id", "ruleId", "rule"),
        description="The rule that found it, e.g. security.run-as-non-root.",
    )
    severity: Severity = Severity.WARNING
    field: str | None = Field(None, max_length=1000, description="Path of the offending field.")
    message: str = Field(min_length=1, max_length=4000)
    suggestion: str | None = Field(None, max_length=4000)
    resource: ResourceRef | None = None
    container: str | None = Field(
        None, max_length=253, description="The container the finding is about, if any."
    )
    location: Location | None = Field(
        None, description="Where the field is in the file that was checked (file and line)."
    )

    def to_issue(self) -> dict[str, str]:
        """The persona ``status.validation.issues[]`` entry for this finding."""
        issue = {
            "severity": self.severity.value,
            "field": self.field or "",
            "message": self.message,
        }
        if self.suggestion:
            issue["suggestion"] = self.suggestion
        return issue
