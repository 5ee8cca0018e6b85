"""The unprivileged-port sysctl ``dorgu generate`` sets on non-root pods listening below 1024
is accepted by every judge dorgu itself runs: the rule engine (``dorgu validate`` and the
admission webhook evaluate the same rules), the bundled Kubernetes schemas, and the webhook's
enforce mode."""

from __future__ import annotations

from typing import Any

from dorgu.models.personas_policies import ValidationMode
from dorgu.rules.admission import decide_admission
from dorgu.rules.schemas import validate_objects
from dorgu.services.schemas import load_schema_bundle
from tests.rules.builders import app, clone, first, pod, run

SYSCTL = {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}


def _on_port_80() -> list[dict[str, Any]]:
    objects = app()
    deployment = objects[0]
    first(deployment)["ports"] = [{"name": "http", "containerPort": 80, "protocol": "TCP"}]
    return objects


def _with_sysctl(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    changed = [clone(o) for o in objects]
    pod(changed[0])["securityContext"]["sysctls"] = [dict(SYSCTL)]
    return changed


def _keys(findings: list[Any]) -> list[tuple[str | None, str | None, str]]:
    return sorted((f.rule_id, f.field, f.message) for f in findings)


def test_the_rules_find_nothing_more_with_the_sysctl():
    plain = _on_port_80()
    assert _keys(run(_with_sysctl(plain))) == _keys(run(plain))
    assert not [f for f in run(_with_sysctl(plain)) if "sysctl" in (f.field or "")]


def test_the_bundled_schemas_accept_the_sysctl():
    bundle = load_schema_bundle("1.37")
    assert validate_objects(_with_sysctl(_on_port_80()), bundle=bundle) == []


def test_the_webhook_admits_it_in_enforce_mode():
    findings = run(_with_sysctl(_on_port_80()))
    decision = decide_admission(findings, ValidationMode.ENFORCE)
    assert decision.allowed, decision.message
