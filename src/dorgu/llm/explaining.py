"""Explaining a validation finding in plain words, with a fix: by a model or by rules.

``fallback_explanation`` needs no provider and is always available; the model's answer, when
there is one, is read tolerantly and cleaned like every other reply (no links, no markup, no
secrets).  Must not do I/O or apply any fix: an explanation is text for a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, Prompt
from dorgu.llm.coercing import ReplyReader
from dorgu.llm.prompts import build_prompt
from dorgu.llm.redacting import Redactor
from dorgu.llm.schemas import portable_schema
from dorgu.models.findings import Finding

SCHEMA_NAME = "dorgu_finding_explanation"
SCHEMA_VERSION = 1
ROLE = (
    "You are the assistant of dorgu, a Kubernetes tool. Explain one validation finding about a "
    "Kubernetes manifest to a developer who is not a Kubernetes expert: what it means, why it "
    "matters, and exactly how to fix it (a short YAML snippet is welcome)."
)
TASK = "Explain this validation finding and how to fix it."


class Explanation(BaseModel):
    """A plain explanation of a finding and how to fix it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: str = Field(min_length=1, max_length=2000, description="What the finding means.")
    why: str = Field(max_length=2000, description="Why it matters.")
    fix: str = Field(min_length=1, max_length=4000, description="How to fix it.")


# (keywords in rule id / field / message, summary, why, fix)
_CATALOG: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (
        ("runasnonroot", "run-as-non-root", "runs as root", "root user"),
        "The container may run as the root user.",
        "A process running as root that is compromised can do far more damage, and many "
        "clusters refuse such pods.",
        "Run as a non-root user: add a USER with a numeric uid to the Dockerfile and set "
        "securityContext.runAsNonRoot: true (and runAsUser: 10001) on the container.",
    ),
    (
        ("readonlyrootfilesystem", "read-only-root", "read only root"),
        "The container can write to its root filesystem.",
        "A writable root filesystem lets an attacker change binaries or drop tools.",
        "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir volume for "
        "the paths the app writes to (for example /tmp).",
    ),
    (
        ("privileged", "allowprivilegeescalation", "capabilities", "cap_add"),
        "The container has more privileges than it needs.",
        "Privileged containers and extra capabilities can escape to the node.",
        "Set privileged: false and allowPrivilegeEscalation: false, and drop all "
        "capabilities (capabilities.drop: [ALL]), adding back only what the app needs.",
    ),
    (
        ("resources", "limits", "requests", "memory", "cpu"),
        "The container's CPU or memory requests or limits are missing or inconsistent.",
        "Without requests the scheduler cannot place the pod well; without a memory limit one "
        "pod can starve its neighbours.",
        "Set resources.requests (cpu, memory) to typical usage and resources.limits.memory to "
        "the peak, for example requests {cpu: 100m, memory: 128Mi}, limits {memory: 256Mi}.",
    ),
    (
        ("probe", "liveness", "readiness", "startup"),
        "The container has no (or an unusable) health probe.",
        "Without probes Kubernetes sends traffic to pods that are not ready and never restarts "
        "a hung process.",
        "Add readinessProbe and livenessProbe with httpGet on a health endpoint the app "
        "serves (for example /healthz on the container port).",
    ),
    (
        ("latest", "image-tag", "imagetag", "image tag", "digest"),
        "The image is referenced by a moving tag.",
        "A moving tag such as latest makes rollouts unreproducible and rollbacks unreliable.",
        "Pin the image to a version tag or, better, a digest (image: repo@sha256:...).",
    ),
    (
        ("hostnetwork", "hostpath", "hostpid", "hostipc", "hostport"),
        "The pod uses the node's network, processes or filesystem.",
        "Host namespaces and hostPath volumes break isolation between pods and nodes.",
        "Remove hostNetwork/hostPID/hostIPC/hostPath unless the workload is a node agent; use "
        "a Service and regular volumes instead.",
    ),
    (
        ("seccomp",),
        "The pod has no seccomp profile.",
        "A seccomp profile blocks system calls the app never needs.",
        "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
    ),
    (
        ("label", "annotation"),
        "Required labels or annotations are missing.",
        "Tools, policies and people find workloads through their labels.",
        "Add the required labels (for example app.kubernetes.io/name and "
        "app.kubernetes.io/part-of) to the metadata and the pod template.",
    ),
)


def _place(finding: Finding) -> str:
    parts = [str(finding.resource)] if finding.resource else []
    if finding.field:
        parts.append(finding.field)
    return f" ({', '.join(parts)})" if parts else ""


def fallback_explanation(finding: Finding) -> Explanation:
    """A rule-based explanation: a catalogue entry when one matches, else the finding itself."""
    text = " ".join(x for x in (finding.rule_id, finding.field, finding.message) if x).lower()
    for keywords, summary, why, fix in _CATALOG:
        if any(word in text for word in keywords):
            return Explanation(
                summary=f"{summary}{_place(finding)}",
                why=why,
                fix=finding.suggestion or fix,
            )
    return Explanation(
        summary=f"{finding.message}{_place(finding)}",
        why=f"The rule {finding.rule_id or '(unnamed)'} reported this as {finding.severity.value}.",
        fix=finding.suggestion
        or "Change the field named above so that the rule passes, then run the validation again.",
    )


@cache
def explanation_schema() -> JsonObject:
    return portable_schema(Explanation)


def build_explain_prompt(finding: Finding, *, redactor: Redactor | None = None) -> Prompt:
    redact = redactor or Redactor()
    data = {
        k: redact(str(v)) for k, v in finding.model_dump(mode="json", exclude_none=True).items()
    }
    return build_prompt(role=ROLE, task=TASK, data={"finding": data}, schema_name=SCHEMA_NAME)


def read_explanation(raw: Mapping[str, object]) -> Explanation:
    """The model's explanation, cleaned; ``ProviderError`` if it is unusable."""
    reader = ReplyReader()
    cleaned = {
        key: reader.clean_multiline(value) if isinstance(value, str) else value
        for key, value in raw.items()
        if key in Explanation.model_fields
    }
    try:
        return Explanation.model_validate(cleaned)
    except ValidationError as e:
        raise ProviderError("the model's explanation does not match the schema") from e
