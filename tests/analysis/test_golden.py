"""Golden analysis of every example app.

Refresh after an intended change with:  DORGU_UPDATE_GOLDEN=1 python -m pytest tests/analysis/test_golden.py
then review the diff of tests/analysis/golden/.
"""

import os
from pathlib import Path

import pytest

from dorgu.services.analyzing import analyze_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
GOLDEN = Path(__file__).resolve().parent / "golden"


def _render(example: Path) -> str:
    model = analyze_path(example, environment={})
    model.root = f"examples/{example.name}"
    return model.model_dump_json(indent=2, exclude_none=True) + "\n"


def test_every_example_has_a_golden_file():
    missing = [e.name for e in EXAMPLES if not (GOLDEN / f"{e.name}.json").exists()]
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        return
    assert not missing, f"no golden analysis for {missing}; run with DORGU_UPDATE_GOLDEN=1"
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_analysis_matches_golden(example):
    actual = _render(example)
    golden = GOLDEN / f"{example.name}.json"
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"missing {golden}; run with DORGU_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(), (
        f"analysis of {example.name} changed; review and refresh the golden file"
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_analysis_is_deterministic(example):
    assert _render(example) == _render(example)
