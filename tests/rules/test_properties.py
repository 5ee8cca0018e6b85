"""Property tests: the engine never crashes on junk, and every generated manifest set passes
every error-severity rule."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.generation.test_properties as generation
from dorgu.errors import DorguError
from dorgu.generation import GenerationOptions, GitInfo
from dorgu.models.evidence import Severity
from dorgu.rules import decide_admission, evaluate
from dorgu.rules.objects import POD_SPEC_PATHS
from dorgu.rules.paths import format_path, parse_path
from dorgu.rules.reports import render_sarif, render_text
from tests.generation.builders import generate

NOW = datetime(2025, 6, 1, tzinfo=UTC)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
)
keys = st.sampled_from(
    [
        "spec", "template", "containers", "initContainers", "securityContext", "resources",
        "limits", "requests", "memory", "cpu", "image", "ports", "name", "replicas", "selector",
        "matchLabels", "metadata", "labels", "annotations", "volumes", "hostPath", "livenessProbe",
        "readinessProbe", "httpGet", "port", "path", "capabilities", "add", "drop", "minReplicas",
        "maxReplicas", "scaleTargetRef", "kind", "minAvailable", "dorgu.io/exempt",
        "dorgu.io/exempt-owner", "dorgu.io/exempt-expires", "jobTemplate", "items",
    ]
)  # fmt: skip
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(keys, st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=40,
)
kinds = st.sampled_from(
    [*POD_SPEC_PATHS, "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service", "ServiceAccount"]
)
objects = st.builds(
    lambda kind, metadata, spec: {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": metadata,
        "spec": spec,
    },
    kinds,
    st.one_of(junk, st.fixed_dictionaries({"name": st.text(max_size=300), "annotations": junk})),
    junk,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(objects, max_size=5))
def test_the_engine_never_crashes_on_junk(items):
    found = evaluate(items, now=NOW)
    findings = [f.finding for f in found]
    render_text(findings)
    render_sarif(findings)
    for mode in ("off", "audit", "warn", "enforce"):
        from dorgu.models.personas_policies import ValidationMode

        decide_admission(findings, ValidationMode(mode))
    for item in found:
        assert 0 <= item.index < len(items)
        assert parse_path(format_path(item.path)) == item.path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(generation.components, min_size=1, max_size=3).map(generation._unique), st.booleans()
)
def test_every_generated_manifest_set_passes_the_error_rules(items, with_git):
    options = GenerationOptions(git=GitInfo(short_sha="abc1234") if with_git else GitInfo())
    try:
        result = generate(*items, options=options)
    except DorguError:
        return
    manifests = [r.manifest for r in result.resources if not r.template]
    errors = [
        f.finding for f in evaluate(manifests, now=NOW) if f.finding.severity is Severity.ERROR
    ]
    assert errors == []
