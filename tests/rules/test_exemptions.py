"""Governed exemptions: owner and expiry required, expired ones stop applying, every state
leaves a finding behind."""

from datetime import UTC, datetime, timedelta

import pytest

from dorgu.models.evidence import Severity
from dorgu.rules.exemptions import Exemption, parse_entries, parse_expiry

from .builders import NOW, app, first, run

EXEMPT = 'metadata.annotations["dorgu.io/exempt"]'
EXPIRES = 'metadata.annotations["dorgu.io/exempt-expires"]'


def _writable(annotations):
    objects = app()
    first(objects[0])["securityContext"]["readOnlyRootFilesystem"] = False
    objects[0]["metadata"]["annotations"] = annotations
    return objects


def _ids(findings):
    return sorted(f.rule_id for f in findings)


def test_a_valid_exemption_suppresses_the_rule_and_reports_itself():
    objects = _writable(
        {
            "dorgu.io/exempt": "security.read-only-root-filesystem",
            "dorgu.io/exempt-owner": "team-payments",
            "dorgu.io/exempt-expires": "2025-06-30",
        }
    )
    [applied] = run(objects)
    assert applied.rule_id == "exemption.applied"
    assert applied.severity is Severity.INFO
    assert applied.field == EXEMPT
    assert "team-payments" in applied.message and "2025-07-01T00:00:00Z" in applied.message
    assert "1 finding suppressed" in applied.message


def test_container_scoped_and_category_entries():
    base = {"dorgu.io/exempt-owner": "sre", "dorgu.io/exempt-expires": "2026-01-01T00:00:00Z"}
    scoped = _writable({**base, "dorgu.io/exempt": "api/security.read-only-root-filesystem"})
    assert _ids(run(scoped)) == ["exemption.applied"]
    elsewhere = _writable({**base, "dorgu.io/exempt": "worker/security.read-only-root-filesystem"})
    assert "security.read-only-root-filesystem" in _ids(run(elsewhere))
    category = _writable({**base, "dorgu.io/exempt": "security"})
    assert _ids(run(category)) == ["exemption.applied"]


def test_an_expired_exemption_no_longer_applies():
    objects = _writable(
        {
            "dorgu.io/exempt": "security.read-only-root-filesystem",
            "dorgu.io/exempt-owner": "team-payments",
            "dorgu.io/exempt-expires": "2025-05-31",
        }
    )
    findings = run(objects)
    assert _ids(findings) == ["exemption.expired", "security.read-only-root-filesystem"]
    expired = next(f for f in findings if f.rule_id == "exemption.expired")
    assert expired.field == EXPIRES
    assert "2025-06-01T00:00:00Z" in expired.message
    # The same annotations were valid the day before.
    assert _ids(run(objects, now=NOW - timedelta(days=2))) == ["exemption.applied"]


def test_an_ownerless_exemption_does_not_apply():
    objects = _writable(
        {
            "dorgu.io/exempt": "security.read-only-root-filesystem",
            "dorgu.io/exempt-expires": "2030-01-01",
        }
    )
    findings = run(objects)
    assert _ids(findings) == ["exemption.no-owner", "security.read-only-root-filesystem"]
    owner = next(f for f in findings if f.rule_id == "exemption.no-owner")
    assert owner.field == 'metadata.annotations["dorgu.io/exempt-owner"]'


@pytest.mark.parametrize("expiry", [None, "next week", "2030-01-01T00:00:00"])
def test_an_exemption_without_a_valid_expiry_does_not_apply(expiry):
    annotations = {
        "dorgu.io/exempt": "security.read-only-root-filesystem",
        "dorgu.io/exempt-owner": "sre",
    }
    if expiry is not None:
        annotations["dorgu.io/exempt-expires"] = expiry
    assert _ids(run(_writable(annotations))) == [
        "exemption.no-expiry",
        "security.read-only-root-filesystem",
    ]


def test_unknown_rule_ids_are_reported_and_ignored():
    objects = _writable(
        {
            "dorgu.io/exempt": "security.read-only-rootfs, security.read-only-root-filesystem",
            "dorgu.io/exempt-owner": "sre",
            "dorgu.io/exempt-expires": "2030-01-01",
        }
    )
    assert _ids(run(objects)) == ["exemption.applied", "exemption.unknown-rule"]


def test_exemption_findings_cannot_be_exempted():
    objects = _writable({"dorgu.io/exempt": "*", "dorgu.io/exempt-expires": "2030-01-01"})
    assert "exemption.no-owner" in _ids(run(objects))


def test_parse_expiry():
    assert parse_expiry("2025-06-30") == datetime(2025, 7, 1, tzinfo=UTC)
    assert parse_expiry("2025-06-30T10:00:00+02:00") == datetime(2025, 6, 30, 8, tzinfo=UTC)
    assert parse_expiry("2025-06-30T10:00:00Z") == datetime(2025, 6, 30, 10, tzinfo=UTC)
    assert parse_expiry("2025-02-30") is None
    assert parse_expiry("soon") is None


def test_parse_entries():
    assert parse_entries(" a.b,api/c.d  e ") == (
        Exemption("a.b"),
        Exemption("c.d", "api"),
        Exemption("e"),
    )


@pytest.mark.parametrize(
    "entry", ["schema", "schema.invalid", "api/schema.unknown-field", "exemption.no-owner"]
)
def test_entries_naming_unexemptable_rules_are_reported_and_ignored(entry):
    objects = _writable(
        {
            "dorgu.io/exempt": f"{entry} security.read-only-root-filesystem",
            "dorgu.io/exempt-owner": "sre",
            "dorgu.io/exempt-expires": "2030-01-01",
        }
    )
    findings = run(objects)
    assert _ids(findings) == ["exemption.applied", "exemption.unknown-rule"]
    flagged = next(f for f in findings if f.rule_id == "exemption.unknown-rule")
    assert "cannot be exempted" in flagged.message
    applied = next(f for f in findings if f.rule_id == "exemption.applied")
    assert "exempt from security.read-only-root-filesystem until" in applied.message
