"""Every example app's generated output passes every error-severity rule (but the image-tag
rule on images the user stated without a version, which generate writes as stated and warns
about), and `dorgu generate` reports rule findings through its diagnostics."""

from pathlib import Path

import pytest

from dorgu.generation import GitInfo
from dorgu.models.evidence import Severity
from dorgu.rules import RULES_BY_ID, evaluate
from dorgu.services.generating import GenerateRequest, generate

from .builders import NOW

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_output_passes_every_error_rule(example):
    outcome = generate(
        GenerateRequest(path=example, dry_run=True),
        environ={},
        git=GitInfo(short_sha="0123abc", branch="main"),
        stop_at=example,
    )
    manifests = [r.manifest for r in outcome.result.resources if not r.template]
    stated = outcome.result.unpinned_images  # written as the user stated them, with a warning
    findings = [
        f.finding
        for f in evaluate(manifests, now=NOW)
        if not (
            f.finding.rule_id == "reliability.image-tag"
            and any(f"image {image} " in f.finding.message for image in stated)
        )
    ]
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert errors == [], [f"{f.rule_id}: {f.resource} {f.field}: {f.message}" for f in errors]
    rule_diagnostics = [d for d in outcome.diagnostics if d.code in RULES_BY_ID]
    expected = [f for f in findings if f.severity is not Severity.INFO]
    assert len(rule_diagnostics) == len(expected)
