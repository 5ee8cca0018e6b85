"""The two admission engines judge alike: a corpus of Deployments (allowed and denied for
each compiled rule, every mode, persona-less namespaces, other apps, exemptions) is sent as
dry-run creates through the operator's webhook (namespace A) and through the generated
ValidatingAdmissionPolicies (namespace B, each persona with its PersonaPolicy as the parameter)
of the same testbed, and every decision, denial
message and warning is compared.  The webhook runs every rule, so its warnings are compared
on the compiled rules (the corpus has no error outside them).  Also: the API server accepts
the CEL and its type checking reports nothing.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from lightkube import Client, codecs
from lightkube.resources.admissionregistration_v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
)
from lightkube.resources.core_v1 import Namespace

from dorgu.models.persona_params import persona_param
from dorgu.operator.connecting import connect
from dorgu.rules.cel import AUTOSCALED_ANNOTATION, COMPILED_RULES, policy_manifests
from tests.operator.cluster_support import (
    OPT_IN,
    OperatorProcess,
    delete_quietly,
    deployment,
    persona,
    running_operator,
)

POLICY_LABEL = "dorgu.dev/policy-test"
Body = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    persona: Body | None = None
    """Persona spec overrides (with ``mode``); None: no persona for this app."""
    change: Callable[[Body], None] = lambda body: None
    app: str | None = None
    """The Deployment's app label when it is not the case's persona."""
    namespaced_mode: bool = False
    annotations: dict[str, str] = field(default_factory=dict)


def _container(body: Body, index: int = 0) -> Body:
    return body["spec"]["template"]["spec"]["containers"][index]


def _set(path: str, value: object) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        target: Any = body
        parts = path.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        target[parts[-1]] = value

    return change


def _many(*changes: Callable[[Body], None]) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        for one in changes:
            one(body)

    return change


POD = "spec.template.spec"
C0 = f"{POD}.containers.0"
PROBE = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}
LIVE = {"httpGet": {"path": "/live", "port": 8080}, "periodSeconds": 10}
SPREAD = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
           "whenUnsatisfiable": "ScheduleAnyway",
           "labelSelector": {"matchLabels": {"tier": "x"}}}]  # fmt: skip
TIDY = _many(
    _set(f"{C0}.readinessProbe", PROBE), _set(f"{C0}.livenessProbe", LIVE),
    _set(f"{C0}.imagePullPolicy", "Always"), _set(f"{POD}.topologySpreadConstraints", SPREAD),
)  # fmt: skip
"""A Deployment with no compiled finding at all."""
FUTURE, PAST = "2999-01-01", "2020-01-01"


def _exempt(
    entries: str, *, owner: str | None = "team-a", expires: str | None = FUTURE
) -> dict[str, str]:
    found = {"dorgu.io/exempt": entries}
    if owner is not None:
        found["dorgu.io/exempt-owner"] = owner
    if expires is not None:
        found["dorgu.io/exempt-expires"] = expires
    return found


def _init_latest(body: Body) -> None:
    body["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "setup", "image": "busybox", "command": ["true"],
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "capabilities": {"drop": ["ALL"]}}}
    ]  # fmt: skip


def _second_container(body: Body) -> None:
    extra = copy.deepcopy(_container(body))
    extra["name"] = "sidecar"
    extra["image"] = "registry.example.com/side:latest"
    extra["securityContext"]["privileged"] = True  # which needs privilege escalation
    extra["securityContext"]["allowPrivilegeEscalation"] = True
    body["spec"]["template"]["spec"]["containers"].append(extra)


ENFORCE = {"mode": "enforce"}
BOUNDS = {"mode": "enforce", "resources": {"bounds": {"cpu": {"min": "150m", "max": "1"},
                                                       "memory": {"max": "512Mi"}}}}  # fmt: skip
SECURE = {"mode": "enforce", "policies": {"security": {"runAsUser": 10001}}}
CASES = (
    Case("clean", ENFORCE, TIDY),
    Case("warned", ENFORCE),
    Case("over-cpu", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2")),
    Case("bounds-over", BOUNDS, _many(TIDY, _set(f"{C0}.resources.limits.cpu", "1500m"))),
    Case("bounds-under", BOUNDS, _many(TIDY, _set(f"{C0}.resources.requests.cpu", "100m"))),
    Case("bounds-mem", BOUNDS, _many(TIDY, _set(f"{C0}.resources.limits.memory", "1Gi"))),
    Case("too-many", ENFORCE, _many(TIDY, _set("spec.replicas", 6))),
    Case("too-few", {"mode": "enforce", "scaling": {"minReplicas": 3, "maxReplicas": 5}}, TIDY),
    Case("single-critical", {"mode": "enforce", "tier": "critical"},
         _many(TIDY, _set("spec.replicas", 1))),
    Case("latest", ENFORCE, _set(f"{C0}.image", "registry.example.com/app:latest")),
    Case("untagged", ENFORCE, _set(f"{C0}.image", "registry.example.com:5000/app")),
    Case("digest", ENFORCE, _many(TIDY, _set(f"{C0}.image", "app@sha256:" + "a" * 64))),
    Case("pull-never", ENFORCE, _set(f"{C0}.imagePullPolicy", "Never")),
    Case("privileged", ENFORCE, _many(_set(f"{C0}.securityContext.privileged", True),
                                      _set(f"{C0}.securityContext.allowPrivilegeEscalation", True))),
    Case("escalation", ENFORCE, _set(f"{C0}.securityContext.allowPrivilegeEscalation", True)),
    Case("writable", ENFORCE, _set(f"{C0}.securityContext.readOnlyRootFilesystem", False)),
    Case("keeps-caps", ENFORCE, _set(f"{C0}.securityContext.capabilities", {"drop": ["NET_RAW"]})),
    Case("adds-admin", ENFORCE, _set(f"{C0}.securityContext.capabilities",
                                     {"drop": ["ALL"], "add": ["SYS_ADMIN", "NET_BIND_SERVICE"]})),
    Case("adds-chown", ENFORCE, _set(f"{C0}.securityContext.capabilities",
                                     {"drop": ["all"], "add": ["CHOWN"]})),
    Case("host-net", ENFORCE, _many(_set(f"{POD}.hostNetwork", True), _set(f"{POD}.hostIPC", True))),
    Case("host-path", ENFORCE, _set(f"{POD}.volumes", [{"name": "root", "hostPath": {"path": "/"}},
                                                         {"name": "tmp", "emptyDir": {}}])),
    Case("no-requests", ENFORCE, _set(f"{C0}.resources", {"limits": {"cpu": "200m"}})),
    Case("same-probes", ENFORCE, _many(TIDY, _set(f"{C0}.livenessProbe", PROBE))),
    Case("init-latest", ENFORCE, _many(TIDY, _init_latest)),
    Case("two-containers", ENFORCE, _many(TIDY, _second_container)),
    Case("uid", SECURE, TIDY),
    Case("uid-right", SECURE, _many(TIDY, _set(f"{POD}.securityContext.runAsUser", 10001))),
    Case("warn-mode", {"mode": "warn"}, _set(f"{C0}.resources.limits.cpu", "2")),
    Case("audit-mode", {"mode": "audit"}, _set(f"{C0}.resources.limits.cpu", "2")),
    Case("off-mode", {"mode": "off"}, _set(f"{C0}.resources.limits.cpu", "2")),
    Case("ns-mode", {}, _set(f"{C0}.resources.limits.cpu", "2"), namespaced_mode=True),
    Case("other-app", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"), app="someone-else"),
    Case("no-persona", None, _set(f"{C0}.resources.limits.cpu", "64")),
    Case("selector", {"mode": "enforce", "selector": {"matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["front", "back"]}]}},
         _many(_set("metadata.labels.tier", "front"), _set(f"{C0}.resources.limits.cpu", "2"))),
    Case("selector-miss", {"mode": "enforce", "selector": {"matchLabels": {"tier": "db"}}},
         _set(f"{C0}.resources.limits.cpu", "2")),
    Case("exempt", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds")),
    Case("exempt-category", ENFORCE, _many(_set(f"{C0}.securityContext.privileged", True),
                                           _set(f"{C0}.securityContext.allowPrivilegeEscalation", True)),
         annotations=_exempt("security, reliability")),
    Case("exempt-container", ENFORCE, _many(TIDY, _second_container),
         annotations=_exempt("sidecar/security.privileged sidecar/reliability.image-tag")),
    Case("exempt-other-container", ENFORCE, _many(TIDY, _second_container),
         annotations=_exempt("main/security.privileged")),
    Case("exempt-no-owner", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds", owner=" ")),
    Case("exempt-no-expiry", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds", expires="soon")),
    Case("exempt-missing-expiry", ENFORCE, TIDY,
         annotations=_exempt("*", expires=None)),
    Case("exempt-expired", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds", expires=PAST)),
    Case("exempt-timestamp", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds", expires="2020-05-01T10:00:00+02:00")),
    Case("exempt-junk", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"),
         annotations=_exempt("persona.resource-bounds,nonsense schema.invalid")),
    Case("no-labels", ENFORCE, lambda body: body["metadata"].pop("labels")),
)  # fmt: skip


def _deployment(case: Case) -> Body:
    body = deployment(case.name, app=case.app or case.name, annotations=dict(case.annotations))
    case.change(body)
    if "labels" in body["metadata"]:
        body["spec"]["template"]["metadata"]["labels"] = dict(body["metadata"]["labels"])
        body["spec"]["selector"]["matchLabels"] = dict(body["metadata"]["labels"])
    else:
        body["spec"]["selector"]["matchLabels"] = {"pod": case.name}
        body["spec"]["template"]["metadata"]["labels"] = {"pod": case.name}
    return body


def _persona(case: Case) -> Body | None:
    if case.persona is None:
        return None
    spec = dict(case.persona)
    mode = spec.pop("mode", None)
    return persona(case.name, mode=mode, **spec)


@dataclass(frozen=True)
class Answer:
    code: int
    message: str
    warnings: tuple[str, ...]


_DENIED = re.compile(r"denied (?:the )?request: (.*)$", re.S)
_WARNING = re.compile(r'^299 - "(.*)"$', re.S)
_POLICY_PREFIX = re.compile(
    r"^Validation failed for ValidatingAdmissionPolicy '[^']*' with binding '[^']*': "
)


def _warning_text(header: str) -> str:
    found = _WARNING.match(header)
    text = found.group(1) if found else header
    return text.replace('\\"', '"').replace("\\\\", "\\")


def _answer(response: Any, ns: str) -> Answer:
    message = ""
    if response.status_code >= 400:
        raw = response.json().get("message", "")
        found = _DENIED.search(raw)
        message = found.group(1) if found else raw
    warnings = tuple(
        _POLICY_PREFIX.sub("", _warning_text(h)) for h in response.headers.get_list("warning")
    )
    norm = lambda text: text.replace(f"Deployment/{ns}/", "Deployment/NS/")  # noqa: E731
    return Answer(response.status_code, norm(message), tuple(norm(w) for w in warnings))


def _ask(testbed: Any, requests: list[tuple[str, Body]]) -> list[Answer]:
    async def send() -> list[Answer]:
        async with connect(kubeconfig=testbed.kubeconfig).http_client() as http:
            answers = []
            for ns, body in requests:
                response = await http.post(
                    f"/apis/apps/v1/namespaces/{ns}/deployments",
                    params={"dryRun": "All"},
                    json=body,
                )
                answers.append(_answer(response, ns))
            return answers

    return asyncio.run(send())


def _compiled_only(answer: Answer) -> Answer:
    """The webhook's answer limited to warnings of compiled (and exemption) rules."""

    def rule_of(line: str) -> str:
        parts = line.split(": ")
        return parts[1] if len(parts) > 2 else ""

    kept = tuple(w for w in answer.warnings
                 if rule_of(w) in COMPILED_RULES or rule_of(w).startswith("exemption."))  # fmt: skip
    return Answer(answer.code, answer.message, kept)


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with running_operator(testbed, tmp_path_factory.mktemp("operator")) as process:
        yield process


@pytest.fixture(scope="module")
def engines(testbed, operator: OperatorProcess) -> Iterator[dict[str, Any]]:
    """Namespaces judged by the webhook (A, opted in) and by the policies (B), each also with
    a ``dorgu.io/validation-mode=enforce`` twin, and the policies bound to B only."""
    run = uuid.uuid4().hex[:8]
    name = f"dorgu-eq-{run}"
    names = {key: f"eq-{key}-{run}" for key in ("a", "b", "a-mode", "b-mode")}
    manifests = policy_manifests(name=name, now=datetime.now(UTC), operator_namespace="dorgu-none")
    for manifest in manifests:
        if manifest["kind"] == "ValidatingAdmissionPolicyBinding":
            manifest["spec"]["matchResources"]["namespaceSelector"] = {
                "matchLabels": {POLICY_LABEL: run}
            }
    with testbed.client() as kube:
        for key, ns in names.items():
            labels = {**OPT_IN} if key.startswith("a") else {POLICY_LABEL: run}
            if key.endswith("mode"):
                labels["dorgu.io/validation-mode"] = "enforce"
            kube.create(Namespace(metadata={"name": ns, "labels": labels}))  # type: ignore[arg-type]
        for manifest in manifests:
            kube.apply(codecs.from_dict(manifest), force=True)
        try:
            yield {"kube": kube, "names": names, "policy": name, "manifests": manifests}
        finally:
            for manifest in reversed(manifests):
                kind = (ValidatingAdmissionPolicyBinding if manifest["kind"].endswith("Binding")
                        else ValidatingAdmissionPolicy)  # fmt: skip
                delete_quietly(kube, kind, manifest["metadata"]["name"])
            for ns in names.values():
                delete_quietly(kube, Namespace, ns)


def _create_persona(kube: Client, body: Body | None, ns: str) -> None:
    """The persona and its ``PersonaPolicy`` (the policies' parameter), as the operator keeps
    it with ``--admission policy`` (this test's operator serves the webhook; the PersonaPolicy
    CRD is installed with the others by ``running_operator``)."""
    assert body is not None
    stored = kube.create(codecs.from_dict(body), namespace=ns)
    param = persona_param(namespace=ns, name=body["metadata"]["name"],
                          uid=stored.metadata.uid, spec=stored.to_dict()["spec"])  # fmt: skip
    kube.create(codecs.from_dict(param), namespace=ns)


def _namespaces(engines: dict[str, Any], case: Case) -> tuple[str, str]:
    names = engines["names"]
    suffix = "-mode" if case.namespaced_mode else ""
    return names[f"a{suffix}"], names[f"b{suffix}"]


def _wait_until_both_see_personas(testbed, engines: dict[str, Any]) -> None:
    """Both engines read personas from informers: a sentinel persona, created last in each
    namespace, denies once it (and so every persona before it) is seen."""
    kube = engines["kube"]
    sentinel = Case("sentinel", ENFORCE, _set(f"{C0}.resources.limits.cpu", "2"))
    pairs = [_namespaces(engines, sentinel), _namespaces(engines, Case("s", namespaced_mode=True))]
    for ns in {n for pair in pairs for n in pair}:
        _create_persona(kube, _persona(sentinel), ns)
    deadline = time.monotonic() + 60
    requests = [(ns, _deployment(sentinel)) for pair in pairs for ns in pair]
    while any(a.code != 403 for a in _ask(testbed, requests)):
        assert time.monotonic() < deadline, "the engines never saw the personas"
        time.sleep(0.5)


def test_the_api_server_compiles_the_cel_without_type_warnings(engines: dict[str, Any]) -> None:
    kube: Client = engines["kube"]
    for action in ("deny", "warn", "audit"):
        name = f"{engines['policy']}-{action}"
        # kube-controller-manager type-checks asynchronously: ~30 CPU-s for -warn on 2 cores
        deadline = time.monotonic() + 300
        while True:
            policy = kube.get(ValidatingAdmissionPolicy, name)
            status = policy.status
            if status is not None and status.observedGeneration == policy.metadata.generation:
                break
            assert time.monotonic() < deadline, f"{name}: type checking never ran"
            time.sleep(0.5)
        warnings = status.typeChecking.expressionWarnings if status.typeChecking else None
        assert not warnings, [(w.fieldRef, w.warning[:2000]) for w in warnings or []]
        assert not [c for c in status.conditions or [] if c.status == "False"]


def test_webhook_and_policies_decide_and_say_the_same(testbed, engines: dict[str, Any]) -> None:
    kube = engines["kube"]
    for case in CASES:
        body = _persona(case)
        if body is not None:
            for ns in _namespaces(engines, case):
                _create_persona(kube, body, ns)
    _wait_until_both_see_personas(testbed, engines)

    requests = [(ns, _deployment(case)) for case in CASES for ns in _namespaces(engines, case)]
    answers = _ask(testbed, requests)

    webhook = {case.name: _compiled_only(answers[2 * i]) for i, case in enumerate(CASES)}
    policies = {case.name: answers[2 * i + 1] for i, case in enumerate(CASES)}
    differences = {name: (webhook[name], policies[name]) for name in webhook
                   if webhook[name] != policies[name]}  # fmt: skip
    assert not differences, "\n\n".join(f"{n}:\n  webhook {w}\n  policy  {p}"
                                        for n, (w, p) in differences.items())  # fmt: skip
    # the corpus really exercises both outcomes, every compiled rule and the exemption rules
    codes = {a.code for a in policies.values()}
    assert codes == {201, 403}
    said = " ".join(a.message + " ".join(a.warnings) for a in policies.values())
    missed = [r for r in COMPILED_RULES if f"{r}:" not in said]
    assert not missed, missed
    for rule in ("exemption.no-owner", "exemption.no-expiry", "exemption.expired",
                 "exemption.unknown-rule"):  # fmt: skip
        assert f"{rule}:" in said, rule
    assert policies["clean"] == Answer(201, "", ())
    assert policies["no-persona"] == Answer(201, "", ())
    assert policies["other-app"] == Answer(201, "", ())
    assert policies["exempt"].code == 201


def test_policies_skip_hpa_sensitive_rules_on_autoscaled_deployments(
    testbed, engines: dict[str, Any]
) -> None:
    _, ns = _namespaces(engines, Case("x"))
    case = Case("scaled", ENFORCE, _many(TIDY, _set("spec.replicas", 9)),
                annotations={AUTOSCALED_ANNOTATION: "scaled"})  # fmt: skip
    _create_persona(engines["kube"], _persona(case), ns)
    unmarked = _deployment(case)
    unmarked["metadata"]["annotations"] = {}
    deadline = time.monotonic() + 30
    while not any(
        "persona.replica-range" in w for w in _ask(testbed, [(ns, unmarked)])[0].warnings
    ):
        assert time.monotonic() < deadline, "the persona never applied"
        time.sleep(0.5)

    (answer,) = _ask(testbed, [(ns, _deployment(case))])

    assert answer.code == 201
    assert not any("persona.replica-range" in w for w in answer.warnings), answer
