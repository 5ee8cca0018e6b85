"""``dorgu.services.incidents`` against the in-memory FakeKube: paging, ordering, resolve
with optimistic concurrency, similar with an RBAC fallback; and the incident summary with
the in-repo fake LLM (redacted prompt, schema-checked reply, fallback, save)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from dorgu.clients import INCIDENT_MEMORIES
from dorgu.clients.kubefakes import FakeKube
from dorgu.errors import ClusterError, ProviderError, UsageError
from dorgu.llm.base import FakeLlmClient
from dorgu.models.incidents import IncidentPhase, ResolutionOutcome
from dorgu.services.incident_summaries import save_summary, summarize_incident
from dorgu.services.incidents import (
    get_incident,
    list_incident_rows,
    list_incidents,
    resolve_incident,
    similar_incidents,
)
from tests.learning.incidents.builders import incident_body

NOW = datetime(2026, 1, 5, 10, 42, 30, tzinfo=UTC)
TOKEN = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8"


@pytest.fixture
def kube() -> FakeKube:
    fake = FakeKube(namespace="shop", user="alice@example.com")
    fake.add(incident_body("orders-1", phase="Resolved", episode=1, fingerprint="a" * 32,
                           resolution={"outcome": "resolved", "action": "limit 512Mi"}))  # fmt: skip
    fake.add(incident_body("orders-2", episode=2, fingerprint="a" * 32))
    fake.add(incident_body("cart-1", namespace="cart", workload="cart"))
    fake.add(incident_body("web-1", signal="ImagePullBackOff", category="deployment",
                           workload="web"))  # fmt: skip
    return fake


def test_list_pages_through_everything_open_first(kube):
    for n in range(7):
        kube.add(incident_body(f"bulk-{n}", namespace="bulk", workload=f"w{n}"))
    listing = list_incidents(client=kube, all_namespaces=True, page_size=3)
    assert listing.pages == 4  # 11 objects, 3 per page
    names = [(i.metadata.namespace, i.metadata.name) for i in listing.incidents]
    assert names[-1] == ("shop", "orders-1")  # the only resolved one, last
    assert names[:3] == [("bulk", "bulk-0"), ("bulk", "bulk-1"), ("bulk", "bulk-2")]
    opened = list_incidents(client=kube, namespace="shop", open_only=True)
    assert [i.metadata.name for i in opened.incidents] == ["orders-2", "web-1"]


def test_table_rows_page_through_the_printer_columns_open_first(kube):
    for n in range(5):
        kube.add(incident_body(f"bulk-{n}", namespace="bulk", workload=f"w{n}"))
    listing = list_incident_rows(client=kube, all_namespaces=True, page_size=2)
    assert listing.pages == 5  # 9 objects, 2 per page
    first, last = listing.rows[0], listing.rows[-1]
    assert (first.namespace, first.name, first.phase, first.signal, first.workload) == (
        "bulk", "bulk-0", "Detected", "OOMKilled", "w0")  # fmt: skip
    assert (last.name, last.phase, last.open) == ("orders-1", "Resolved", False)
    opened = list_incident_rows(client=kube, namespace="shop", open_only=True)
    assert [r.name for r in opened.rows] == ["orders-2", "web-1"]


def test_objects_that_do_not_match_the_model_are_skipped_and_named(kube):
    broken = incident_body("broken")
    broken["spec"]["category"] = "not-a-category"
    kube.add(broken)
    listing = list_incidents(client=kube, namespace="shop")
    assert listing.skipped == ["shop/broken"]
    assert "broken" not in [i.metadata.name for i in listing.incidents]


@pytest.mark.parametrize("name", ["", "Orders", "../etc", "a" * 254, "x/y", "-a"])
def test_bad_names_are_usage_errors(kube, name):
    with pytest.raises(UsageError, match="not a valid incident name"):
        get_incident(name, client=kube, namespace="shop")


def test_a_missing_incident_says_how_to_list_them(kube):
    with pytest.raises(ClusterError, match="no IncidentMemory 'nope' in namespace shop"):
        get_incident("nope", client=kube, namespace=None)


def test_resolve_records_who_why_when_and_how_long(kube):
    outcome = resolve_incident("orders-2", client=kube, namespace="shop",
                               note="raised the limit", now=NOW, action="kubectl set resources",
                               outcome=ResolutionOutcome.RESOLVED)  # fmt: skip
    stored = kube.get(INCIDENT_MEMORIES, "orders-2", namespace="shop")
    assert stored["spec"]["resolution"] == {
        "action": "kubectl set resources",
        "appliedAt": "2026-01-05T10:42:30Z",
        "duration": "42m30s",
        "note": "raised the limit",
        "outcome": "resolved",
        "resolvedBy": "alice@example.com",
    }
    assert stored["status"]["phase"] == "Resolved"
    assert stored["status"]["resolvedAt"] == "2026-01-05T10:42:30Z"
    assert stored["status"]["occurrenceCount"] == 3  # the rest of the status is kept
    assert outcome.incident.status.phase is IncidentPhase.RESOLVED
    assert outcome.resolved_by == "alice@example.com"


def test_resolve_refuses_an_already_resolved_incident_and_writes_nothing(kube):
    before = kube.get(INCIDENT_MEMORIES, "orders-1", namespace="shop")
    with pytest.raises(UsageError, match="already resolved"):
        resolve_incident("orders-1", client=kube, namespace="shop", note="x", now=NOW)
    assert kube.get(INCIDENT_MEMORIES, "orders-1", namespace="shop") == before


def test_resolve_redacts_a_secret_pasted_into_the_note(kube):
    outcome = resolve_incident("orders-2", client=kube, namespace="shop",
                               note=f"rotated token {TOKEN}", now=NOW)  # fmt: skip
    assert outcome.redacted == 1
    assert TOKEN not in str(kube.get(INCIDENT_MEMORIES, "orders-2", namespace="shop"))


@pytest.mark.parametrize("note", ["", "   ", "x" * 5000])
def test_resolve_rejects_empty_and_oversized_notes(kube, note):
    with pytest.raises(UsageError):
        resolve_incident("orders-2", client=kube, namespace="shop", note=note, now=NOW)


@dataclass
class RacingKube(FakeKube):
    """Before the first update, someone else changes the object (the operator counting an
    occurrence, or another person resolving it)."""

    race: str = "count"
    raced: list[str] = field(default_factory=list)
    conflicts: int = 0

    def replace(self, manifest, *, status=False):  # type: ignore[no-untyped-def]
        if not self.raced:
            self.raced.append(self.race)
            current = self.get(INCIDENT_MEMORIES, "orders-2", namespace="shop")
            if self.race == "count":
                current["status"]["occurrenceCount"] = 4
            else:
                current["status"]["phase"] = "Resolved"
            super().replace(current, status=True)
        try:
            return super().replace(manifest, status=status)
        except ClusterError:
            self.conflicts += 1
            raise


def test_resolve_rereads_after_a_conflict_and_keeps_the_other_writers_change():
    kube = RacingKube(namespace="shop")
    kube.add(incident_body("orders-2"))
    kube.objects[next(iter(kube.objects))]["metadata"]["resourceVersion"] = "100"
    resolve_incident("orders-2", client=kube, namespace="shop", note="fixed", now=NOW)
    assert kube.conflicts == 1
    stored = kube.get(INCIDENT_MEMORIES, "orders-2", namespace="shop")
    assert stored["status"]["occurrenceCount"] == 4
    assert stored["status"]["phase"] == "Resolved"


def test_resolve_refuses_when_someone_else_resolved_it_meanwhile():
    kube = RacingKube(namespace="shop", race="resolve")
    kube.add(incident_body("orders-2"))
    kube.objects[next(iter(kube.objects))]["metadata"]["resourceVersion"] = "100"
    with pytest.raises(UsageError, match="already resolved"):
        resolve_incident("orders-2", client=kube, namespace="shop", note="fixed", now=NOW)
    assert "resolution" not in kube.get(INCIDENT_MEMORIES, "orders-2", namespace="shop")["spec"]


def test_similar_searches_all_namespaces_with_the_resolution(kube):
    outcome = similar_incidents("orders-2", client=kube, namespace="shop")
    assert outcome.searched == "all namespaces" and outcome.note is None
    names = [m.incident.metadata.name for m in outcome.matches]
    assert names == ["orders-1", "cart-1"]
    assert outcome.matches[0].incident.spec.resolution.action == "limit 512Mi"


def test_similar_falls_back_to_the_namespace_when_listing_all_is_forbidden(kube):
    kube.forbidden_all_namespaces = True
    outcome = similar_incidents("orders-2", client=kube, namespace="shop")
    assert outcome.searched == "namespace shop"
    assert "not allowed to list incidents in all namespaces" in outcome.note
    assert [m.incident.metadata.name for m in outcome.matches] == ["orders-1"]


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_similar_limit_is_checked(kube, limit):
    with pytest.raises(UsageError, match="--limit"):
        similar_incidents("orders-2", client=kube, namespace="shop", limit=limit)


def test_missing_crds_and_an_unreachable_cluster_are_cluster_errors():
    with pytest.raises(ClusterError, match="dorgu CRDs are not installed"):
        list_incidents(client=FakeKube(crds_installed=False))
    with pytest.raises(ClusterError, match="cannot reach"):
        list_incidents(client=FakeKube(unreachable=True), all_namespaces=True)


# -- summaries --------------------------------------------------------------------------


def _with_secret(kube: FakeKube) -> None:
    kube.add(incident_body("leaky", workload="leaky",
                           message=f"probe failed: GET /x?access_token={TOKEN}"))  # fmt: skip


def test_summary_prompt_is_redacted_and_the_reply_is_schema_checked(kube):
    _with_secret(kube)
    incident = get_incident("leaky", client=kube, namespace="shop")
    llm = FakeLlmClient([{"summary": "Memory ran out.", "hypotheses": [
        {"cause": "limit too low", "confidence": 0.7, "check": "compare usage"}]}])  # fmt: skip
    outcome = summarize_incident(incident, settings=None, llm=llm)
    assert outcome.source == "fake (fake-model)" and outcome.provider == "fake"
    assert outcome.summary.hypotheses[0].cause == "limit too low"
    prompt = llm.prompts[0].user + llm.prompts[0].system
    assert TOKEN not in prompt and "[redacted:" in prompt
    assert incident.spec.fingerprint not in prompt  # the fingerprint is no input to the model
    assert outcome.redactions >= 1


@pytest.mark.parametrize(
    "reply",
    [{"summary": ""}, {"hypotheses": []}, {"summary": "x", "hypotheses": [{"cause": "c",
     "confidence": 7, "check": ""}]}, ProviderError("provider down (503)")],
)  # fmt: skip
def test_an_unusable_reply_or_a_failing_provider_falls_back_to_rules(kube, reply):
    incident = get_incident("orders-2", client=kube, namespace="shop")
    outcome = summarize_incident(incident, settings=None, llm=FakeLlmClient([reply]))
    assert outcome.source == "rules" and outcome.warning.startswith("LLM summary skipped")
    assert "OOMKilled on Deployment/orders" in outcome.summary.summary
    assert "memory limit" in outcome.summary.hypotheses[0].cause


def test_no_provider_gives_the_rule_based_summary_without_a_call(kube):
    incident = get_incident("web-1", client=kube, namespace="shop")
    outcome = summarize_incident(incident, settings=None)
    assert outcome.source == "rules" and outcome.warning is None
    assert "ImagePullBackOff" in outcome.summary.summary


def test_save_writes_root_cause_and_never_the_identity(kube):
    incident = get_incident("orders-2", client=kube, namespace="shop")
    llm = FakeLlmClient([{"summary": "Memory ran out.", "hypotheses": []}])
    outcome = summarize_incident(incident, settings=None, llm=llm)
    saved = save_summary("orders-2", outcome, client=kube, namespace="shop")
    assert saved.spec.root_cause.summary == "Memory ran out."
    assert saved.spec.root_cause.provider == "fake"
    assert saved.spec.fingerprint == incident.spec.fingerprint
    assert saved.metadata.labels == incident.metadata.labels


class OldCrdKube(FakeKube):
    """An IncidentMemory CRD installed before the Namespace printer column existed."""

    def list_table_page(self, kind, **options):  # type: ignore[no-untyped-def]
        page = super().list_table_page(kind, **options)
        keep = [i for i, name in enumerate(page.columns) if name != "Namespace"]
        rows = [(meta, [cells[i] for i in keep]) for meta, cells in page.rows]
        return type(page)([page.columns[i] for i in keep], rows, page.continue_token)


def test_rows_without_a_namespace_column_are_listed_with_metadata():
    kube = OldCrdKube(namespace="shop")
    kube.add(incident_body("a-1", namespace="one"))
    kube.add(incident_body("b-1", namespace="two"))
    listing = list_incident_rows(client=kube, all_namespaces=True, page_size=1)
    assert [(r.namespace, r.name) for r in listing.rows] == [("one", "a-1"), ("two", "b-1")]
    assert listing.pages == 2  # after one page without metadata, both pages with it
    fast = list_incident_rows(client=FakeKube(objects=kube.objects), all_namespaces=True)
    assert [(r.namespace, r.name) for r in fast.rows] == [("one", "a-1"), ("two", "b-1")]
    assert fast.pages == 1
