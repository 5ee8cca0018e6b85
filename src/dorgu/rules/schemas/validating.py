"""Schema findings for whole Kubernetes objects: pick the schema by ``apiVersion``/``kind``,
check everything but ``status``, and turn issues into ``Finding``s (rule ids
``schema.invalid`` and ``schema.unknown-field``: errors; ``schema.unknown-kind``: a warning
for kinds the bundle has no schema for; kustomize's ``Kustomization`` is skipped, as it
never reaches the API server).

The three ids are registered rules (``dorgu.rules.registry``): their default severities come
from there, and a ``RulePolicy`` disables them or overrides their severity like any other
rule's (by id or by the ``schema`` category).  ``dorgu.io/exempt`` cannot hide them.
Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from dorgu.models.findings import Finding, ResourceRef
from dorgu.rules.evaluating import ObjectFinding
from dorgu.rules.objects import identity
from dorgu.rules.paths import format_path
from dorgu.rules.policies import DEFAULT_POLICY, RulePolicy
from dorgu.rules.registry import RULES_BY_ID, SCHEMA_RULES
from dorgu.rules.schemas.bundles import SchemaBundle
from dorgu.rules.schemas.checking import SchemaIssue, check_value

UNKNOWN_KIND = "schema.unknown-kind"
SCHEMA_RULE_IDS = tuple(rule.id for rule in SCHEMA_RULES)
IGNORED_TOP_LEVEL = frozenset({"status"})
NOT_API_GROUPS = ("kustomize.config.k8s.io/",)
"""apiVersions of files that look like objects but are never sent to the API server."""


def validate_object(
    manifest: Mapping[str, object], *, bundle: SchemaBundle, policy: RulePolicy = DEFAULT_POLICY
) -> list[Finding]:
    """The schema findings of one object (their ``field`` is the path inside it)."""
    return [
        _finding(issue, manifest, policy)
        for issue in _issues(manifest, bundle)
        if policy.enabled(issue.rule_id)
    ]


def validate_objects(
    manifests: Sequence[Mapping[str, object]],
    *,
    bundle: SchemaBundle,
    policy: RulePolicy = DEFAULT_POLICY,
) -> list[ObjectFinding]:
    """The schema findings of every object, with the object's index and the field path;
    ``policy`` drops disabled ``schema.*`` ids and overrides their severities."""
    return [
        ObjectFinding(index, issue.path, _finding(issue, manifest, policy))
        for index, manifest in enumerate(manifests)
        for issue in _issues(manifest, bundle)
        if policy.enabled(issue.rule_id)
    ]


def any_enabled(policy: RulePolicy) -> bool:
    """Whether ``policy`` leaves any schema rule on (else the bundle need not be loaded)."""
    return any(policy.enabled(rule_id) for rule_id in SCHEMA_RULE_IDS)


def _issues(manifest: Mapping[str, object], bundle: SchemaBundle) -> Iterator[SchemaIssue]:
    api_version = str(manifest.get("apiVersion", ""))
    kind = str(manifest.get("kind", ""))
    if api_version.startswith(NOT_API_GROUPS):
        return
    schema = bundle.schema_for(api_version, kind)
    if schema is None:
        yield _unknown_kind(api_version, kind, bundle)
        return
    body = {k: v for k, v in manifest.items() if k not in IGNORED_TOP_LEVEL}
    yield from check_value(body, schema, (), bundle=bundle)


def _unknown_kind(api_version: str, kind: str, bundle: SchemaBundle) -> SchemaIssue:
    known = bundle.api_versions_of(kind)
    version = bundle.kubernetes_version
    if known:
        message = (
            f"{kind} is not served as {api_version} by Kubernetes {version} "
            f"(known as {', '.join(known)})"
        )
        return SchemaIssue(UNKNOWN_KIND, ("apiVersion",), message, f"use {known[0]}")
    return SchemaIssue(
        UNKNOWN_KIND,
        ("kind",),
        f"no schema for {api_version}/{kind} in the Kubernetes {version} bundle, "
        "so it was not schema-checked",
        "check it with the CRD's own schema, or pass --disable schema.unknown-kind to skip "
        "this warning",
    )


def _finding(issue: SchemaIssue, manifest: Mapping[str, object], policy: RulePolicy) -> Finding:
    kind, name, namespace = identity(manifest)
    return Finding(
        rule_id=issue.rule_id,
        severity=policy.severity(issue.rule_id, RULES_BY_ID[issue.rule_id].severity),
        field=format_path(issue.path)[:1000] or None,
        message=issue.message[:4000],
        suggestion=issue.suggestion[:4000] if issue.suggestion else None,
        resource=ResourceRef(
            kind=kind[:100], name=name[:253], namespace=namespace[:63] if namespace else None
        ),
    )
