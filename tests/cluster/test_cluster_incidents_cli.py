"""`dorgu incidents list|show|resolve|similar` end to end against the testbed API server:
incidents recorded by ``dorgu.learning.incidents`` and written as the operator writes them
(object, then status through the status subresource); resolve through the status
subresource with optimistic concurrency; an RBAC-limited user; a missing CRD; an unreachable
cluster; bad names and every output format."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import Namespace, ServiceAccount
from lightkube.resources.rbac_authorization_v1 import Role, RoleBinding
from lightkube.types import PatchType

from dorgu.clients import CRDS_MISSING, INCIDENT_MEMORIES, ConnectionOptions, connect
from dorgu.crds import crd_files
from dorgu.errors import ClusterError
from dorgu.learning.incidents import correlate, detect_all, record
from dorgu.models.personas_base import dump_wire
from dorgu.services.incidents import resolve_incident
from tests.cli.running import dorgu
from tests.learning.incidents.objects import oom_crashloop, pod, waiting

IM = create_namespaced_resource("dorgu.io", "v1", "IncidentMemory", "incidentmemories")
CRD = "incidentmemories.dorgu.io"
NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
SECRET = "ghp_" + "Kk1Jj2Hh3Gg4Ff5Dd6Ss7Aa8Qq9Ww0Ee1Rr2"


def _established(kube: Client) -> bool:
    try:
        crd = kube.get(CustomResourceDefinition, CRD)
    except ApiError:
        return False
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


@pytest.fixture(scope="module")
def installed(testbed) -> str:  # type: ignore[no-untyped-def]
    """The IncidentMemory CRD removed (to prove the one-line error), then installed."""
    kubeconfig = str(testbed.kubeconfig)
    with testbed.client() as kube:
        with contextlib.suppress(ApiError):
            kube.delete(CustomResourceDefinition, CRD)
        deadline = time.monotonic() + 60
        while any(c.metadata.name == CRD for c in kube.list(CustomResourceDefinition)):
            assert time.monotonic() < deadline, "the IncidentMemory CRD was not deleted"
            time.sleep(0.2)
        missing = dorgu("incidents", "list", "-A", "--kubeconfig", kubeconfig)
        assert missing.exit_code == 6, missing.output
        assert missing.output.strip() == f"error: {CRDS_MISSING}"
        kube.apply(codecs.from_dict(yaml.safe_load(crd_files()[f"{CRD}.yaml"])), force=True)
        while not _established(kube):
            assert time.monotonic() < deadline, "the IncidentMemory CRD never became Established"
            time.sleep(0.2)
        while True:  # served after a short discovery delay
            try:
                kube.list(IM, namespace="default")
                break
            except ApiError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    return kubeconfig


def _write(kube: Client, body: dict[str, Any]) -> dict[str, Any]:
    """Create the object, then its status through the status subresource (as the operator)."""
    status = body.pop("status")
    namespace = body["metadata"]["namespace"]
    kube.create(codecs.from_dict(body), namespace=namespace)
    written = kube.patch(
        IM.Status, body["metadata"]["name"], {"status": status}, namespace=namespace,
        patch_type=PatchType.MERGE,
    )  # fmt: skip
    return written.to_dict()


def _recorded(namespace: str, containers: list[dict[str, Any]], deployment: str = "orders"):
    objects = [
        pod(f"{deployment}-7d9f8-{i}", deployment=deployment, namespace=namespace,
            containers=containers)
        for i in range(3)
    ]  # fmt: skip
    (draft,) = correlate(detect_all(objects, now=NOW), now=NOW, cluster="testbed")
    incident = record(draft, [], now=NOW, namespace=namespace)
    assert incident is not None
    return dump_wire(incident)


@pytest.fixture
def incidents(installed: str, kube: Client, namespace: str) -> dict[str, str]:
    """Three incidents in ``namespace``: an OOM crash loop (open), an earlier resolved
    episode of it, and an image-pull failure with a token in its message."""
    oom = _recorded(namespace, [oom_crashloop()])
    earlier = json.loads(json.dumps(oom))
    earlier["metadata"]["name"] = oom["metadata"]["name"].replace("-1", "-0")
    earlier["spec"]["resolution"] = {"outcome": "resolved", "action": "memory limit 512Mi",
                                     "note": "raised the limit", "resolvedBy": "bob"}  # fmt: skip
    earlier["status"].update({"phase": "Resolved", "resolvedAt": "2026-01-04T10:00:00Z"})
    pulled = _recorded(
        namespace,
        [waiting("ImagePullBackOff", f"pull shop/web:9 failed: Bearer {SECRET} rejected")],
        deployment="web",
    )
    names = {}
    for key, body in (("oom", oom), ("earlier", earlier), ("pull", pulled)):
        _write(kube, body)
        names[key] = body["metadata"]["name"]
    return names


def test_list_show_formats_and_redacted_evidence(
    installed: str, incidents: dict[str, str], namespace: str
) -> None:
    flags = ("--kubeconfig", installed, "-n", namespace)
    listed = dorgu("incidents", "list", *flags)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split()[:3] == ["NAME", "PHASE", "SEVERITY"]
    order = [line.split()[0] for line in lines[1:]]
    assert order == [*sorted([incidents["oom"], incidents["pull"]]), incidents["earlier"]]
    opened = dorgu("incidents", "list", "--open", *flags).output
    assert incidents["earlier"] not in opened
    everywhere = dorgu("incidents", "list", "-A", "--kubeconfig", installed).output
    assert everywhere.splitlines()[0].split()[0] == "NAMESPACE"
    assert f"{namespace}  {incidents['oom']}" in everywhere
    data = json.loads(dorgu("incidents", "list", "-o", "json", *flags).output)
    assert [i["metadata"]["name"] for i in data["items"]] == order
    assert yaml.safe_load(dorgu("incidents", "list", "-o", "yaml", *flags).output) == data
    shown = dorgu("incidents", "show", incidents["oom"], *flags)
    assert shown.exit_code == 0, shown.output
    assert "Signal:        OOMKilled (source kubernetes)" in shown.output
    assert "Contributing signals:" in shown.output and "CrashLoopBackOff" in shown.output
    assert shown.output.count("  pod       Pod/orders-7d9f8-") == 3
    pulled = dorgu("incidents", "show", incidents["pull"], "-o", "json", *flags).output
    assert SECRET not in pulled and "[redacted:" in pulled


def test_resolve_writes_resolution_and_status_then_refuses_again(
    installed: str, incidents: dict[str, str], namespace: str, kube: Client
) -> None:
    flags = ("--kubeconfig", installed, "-n", namespace)
    before = kube.get(IM, incidents["oom"], namespace=namespace).to_dict()["status"]
    result = dorgu("incidents", "resolve", incidents["oom"], "--note", "raised limit", *flags)
    assert result.exit_code == 0, result.output
    stored = kube.get(IM, incidents["oom"], namespace=namespace).to_dict()
    resolution = stored["spec"]["resolution"]
    assert resolution["note"] == "raised limit" and resolution["outcome"] == "resolved"
    assert resolution["resolvedBy"] and resolution["resolvedBy"] != "unknown"
    assert resolution["resolvedBy"] in result.output
    assert stored["status"]["phase"] == "Resolved"
    assert stored["status"]["resolvedAt"] == resolution["appliedAt"]
    assert stored["status"]["occurrenceCount"] == before["occurrenceCount"]  # kept
    assert stored["status"]["recentOccurrences"] == before["recentOccurrences"]
    again = dorgu("incidents", "resolve", incidents["oom"], "--note", "again", *flags)
    assert again.exit_code == 2
    assert "is already resolved" in again.output and len(again.output.splitlines()) == 1


def test_resolve_rereads_when_the_operator_writes_in_between(
    installed: str, incidents: dict[str, str], namespace: str, kube: Client
) -> None:
    real = connect(ConnectionOptions(kubeconfig=Path(installed), namespace=namespace))
    name = incidents["pull"]

    class Racing:
        """The real client; the operator bumps the occurrence count before the first update."""

        raced = False

        def __getattr__(self, attr: str) -> Any:
            return getattr(real, attr)

        def replace(self, manifest: Any, *, status: bool = False) -> Any:
            if not Racing.raced:
                Racing.raced = True
                kube.patch(IM.Status, name, {"status": {"occurrenceCount": 9}}, namespace=namespace,
                           patch_type=PatchType.MERGE)  # fmt: skip
            return real.replace(manifest, status=status)

    try:
        stale = real.get(INCIDENT_MEMORIES, name, namespace=namespace)
        assert stale is not None
        kube.patch(IM.Status, name, {"status": {"occurrenceCount": 5}}, namespace=namespace,
                   patch_type=PatchType.MERGE)  # fmt: skip
        with pytest.raises(ClusterError, match=r"conflict \(409\).*changed since it was read"):
            real.replace(stale)
        resolve_incident(name, client=Racing(), namespace=namespace, note="fixed",  # type: ignore[arg-type]
                         now=datetime.now(UTC).replace(microsecond=0))  # fmt: skip
    finally:
        real.close()
    stored = kube.get(IM, name, namespace=namespace).to_dict()
    assert stored["status"]["occurrenceCount"] == 9
    assert stored["status"]["phase"] == "Resolved"
    assert stored["spec"]["resolution"]["note"] == "fixed"


def test_similar_across_namespaces_shows_what_resolved_them(
    installed: str, incidents: dict[str, str], namespace: str, kube: Client
) -> None:
    other = f"{namespace}-b"
    kube.create(codecs.from_dict({"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": other}}))  # fmt: skip
    try:
        cart = _recorded(other, [oom_crashloop()], deployment="cart")
        _write(kube, cart)
        flags = ("--kubeconfig", installed, "-n", namespace)
        result = dorgu("incidents", "similar", incidents["oom"], *flags)
        assert result.exit_code == 0, result.output
        rows = [line.split() for line in result.output.splitlines()[1:]]
        assert rows[0][:3] == [namespace, incidents["earlier"], "fingerprint"]
        assert "memory limit 512Mi" in result.output
        # other tests' namespaces may still hold incidents (deleted without waiting)
        assert [other, cart["metadata"]["name"], "signature", "1.00"] in [r[:4] for r in rows]
        assert all(r[2] == "signature" for r in rows[1:])
        data = json.loads(dorgu("incidents", "similar", incidents["oom"], "-o", "json",
                                "--limit", "1", *flags).output)  # fmt: skip
        assert [m["name"] for m in data["matches"]] == [incidents["earlier"]]
        assert data["matches"][0]["resolution"]["action"] == "memory limit 512Mi"
    finally:
        kube.delete(Namespace, other)


def test_show_explain_without_a_provider_and_save(
    installed: str, incidents: dict[str, str], namespace: str, kube: Client, monkeypatch
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "DORGU_LLM_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    flags = ("--kubeconfig", installed, "-n", namespace)
    result = dorgu("incidents", "show", incidents["oom"], "--explain", "--save", "--no-llm", *flags)
    assert result.exit_code == 0, result.output
    assert "Summary (rules):" in result.output
    stored = kube.get(IM, incidents["oom"], namespace=namespace).to_dict()
    assert stored["spec"]["rootCause"]["provider"] == "rules"
    assert stored["spec"]["rootCause"]["contributing"]  # kept
    assert stored["spec"]["fingerprint"] == stored["metadata"]["labels"]["dorgu.io/fingerprint"]


def _token_kubeconfig(testbed: Any, kube: Client, namespace: str, tmp_path: Path) -> Path:
    """A kubeconfig for a ServiceAccount allowed to read and resolve incidents in
    ``namespace`` only."""
    kube.create(ServiceAccount(metadata=ObjectMeta(name="oncall")), namespace=namespace)
    kube.create(Role(metadata=ObjectMeta(name="incidents"), rules=[
        PolicyRule(apiGroups=["dorgu.io"], resources=["incidentmemories"],
                   verbs=["get", "list", "update"]),
        PolicyRule(apiGroups=["dorgu.io"], resources=["incidentmemories/status"],
                   verbs=["get", "update"]),
    ]), namespace=namespace)  # fmt: skip
    kube.create(RoleBinding(
        metadata=ObjectMeta(name="oncall-incidents"),
        roleRef=RoleRef(apiGroup="rbac.authorization.k8s.io", kind="Role", name="incidents"),
        subjects=[Subject(kind="ServiceAccount", name="oncall", namespace=namespace)],
    ), namespace=namespace)  # fmt: skip
    token = kube.create(
        ServiceAccount.Token(
            metadata=ObjectMeta(name="oncall", namespace=namespace),
            spec=TokenRequestSpec(audiences=[], expirationSeconds=600),
        ),
        "oncall",
        namespace=namespace,
    ).status.token
    document = yaml.safe_load(testbed.kubeconfig.read_text(encoding="utf-8"))
    document["users"][0]["user"] = {"token": token}
    document["contexts"][0]["context"]["namespace"] = namespace
    path = tmp_path / "oncall.kubeconfig"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_an_rbac_limited_user(
    testbed: Any, installed: str, incidents: dict[str, str], namespace: str, kube: Client,
    tmp_path: Path, eventually: Any,
) -> None:  # fmt: skip
    config = str(_token_kubeconfig(testbed, kube, namespace, tmp_path))
    mine = eventually(lambda: dorgu("incidents", "list", "--kubeconfig", config).exit_code == 0)
    assert mine
    everywhere = dorgu("incidents", "list", "-A", "--kubeconfig", config)
    assert everywhere.exit_code == 6
    assert everywhere.output.startswith("error: forbidden (403): not allowed to list ")
    assert len(everywhere.output.splitlines()) == 1
    similar = dorgu("incidents", "similar", incidents["oom"], "--kubeconfig", config)
    assert similar.exit_code == 0, similar.output
    assert f"note: searched namespace {namespace} only" in similar.output
    resolved = dorgu("incidents", "resolve", incidents["pull"], "--note", "new image",
                     "--kubeconfig", config)  # fmt: skip
    assert resolved.exit_code == 0, resolved.output
    stored = kube.get(IM, incidents["pull"], namespace=namespace).to_dict()
    assert stored["spec"]["resolution"]["resolvedBy"] == (
        f"system:serviceaccount:{namespace}:oncall"
    )


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("show", "Not_A_Name"), 2, "'Not_A_Name' is not a valid incident name"),
        (("show", "absent-1"), 6, "no IncidentMemory 'absent-1' in namespace"),
        (("resolve", "absent-1", "--note", "x"), 6, "no IncidentMemory 'absent-1'"),
        (("similar", "../../etc"), 2, "is not a valid incident name"),
    ],
)
def test_bad_names_are_one_line(
    installed: str, namespace: str, args: tuple[str, ...], code: int, text: str
) -> None:
    result = dorgu("incidents", *args, "--kubeconfig", installed, "-n", namespace)
    assert result.exit_code == code, result.output
    assert text in result.output and len(result.output.splitlines()) == 1


def test_an_unreachable_cluster_is_one_line_exit_6(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:1",
                                                  "insecure-skip-tls-verify": True}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
    }))  # fmt: skip
    for args in (("list", "-A"), ("show", "x-1"), ("resolve", "x-1", "--note", "n")):
        result = dorgu("incidents", *args, "--kubeconfig", str(config))
        assert result.exit_code == 6, result.output
        assert result.output.startswith("error: cannot reach the cluster at https://127.0.0.1:1")
        assert len(result.output.splitlines()) == 1
