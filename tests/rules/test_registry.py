"""The registry: ids follow the scheme, are unique, and are all documented."""

import re
from pathlib import Path

from dorgu.models.evidence import Severity
from dorgu.rules import RULES, RULES_BY_ID, Category
from dorgu.rules.paths import format_path, parse_path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_ids_are_category_dot_kebab_and_unique():
    assert len(RULES_BY_ID) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+\.[a-z]+(-[a-z]+)*", rule.id), rule.id
        assert rule.id.startswith(rule.category.value + ".")
        assert rule.title and rule.why and rule.fix


def test_the_seed_persona_checks_exist_with_their_severities():
    expected = {
        "persona.resource-bounds": Severity.ERROR,
        "persona.replica-range": Severity.WARNING,
        "persona.health-probes": Severity.WARNING,
        "persona.security-context": Severity.ERROR,
        "persona.dependency-ready": Severity.INFO,
    }
    assert {k: RULES_BY_ID[k].severity for k in expected} == expected


def test_every_category_has_rules():
    assert {rule.category for rule in RULES} == set(Category)


def test_every_rule_is_documented_with_its_severity():
    text = DOCS.read_text(encoding="utf-8")
    for rule in RULES:
        heading = re.search(rf"^### `{re.escape(rule.id)}`.*$", text, re.MULTILINE)
        assert heading, f"{rule.id} is not in docs/rules.md"
        assert rule.severity.value in heading.group(0), rule.id
    documented = set(re.findall(r"^### `([a-z.-]+)`", text, re.MULTILINE))
    assert documented == set(RULES_BY_ID)


def test_field_paths_round_trip():
    for path in [
        ("spec", "template", "spec", "containers", 0, "resources", "limits", "memory"),
        ("metadata", "annotations", "dorgu.io/exempt"),
        ("data", "app.properties"),
        (),
    ]:
        assert parse_path(format_path(path)) == path
    assert format_path(("metadata", "annotations", "dorgu.io/exempt")) == (
        'metadata.annotations["dorgu.io/exempt"]'
    )
