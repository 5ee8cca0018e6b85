"""Summarising an incident and proposing root-cause hypotheses: by a model or by rules.

``fallback_summary`` needs no provider and is always available (a catalogue of likely causes
per primary signal).  The prompt carries only the incident's structured facts (category,
signals, workload, affected resources, evidence), every string through the redactor; the
reply is validated against ``IncidentSummary`` and cleaned like every other reply.  A summary
never feeds the fingerprint: it is text for a person.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dorgu.errors import ProviderError
from dorgu.formats.redacting import Redactor
from dorgu.llm.base import JsonObject, Prompt
from dorgu.llm.coercing import ReplyReader
from dorgu.llm.prompts import build_prompt
from dorgu.llm.schemas import portable_schema
from dorgu.models.incidents import IncidentMemory

SCHEMA_NAME = "dorgu_incident_summary"
SCHEMA_VERSION = 1
MAX_HYPOTHESES = 5
ROLE = (
    "You are the assistant of dorgu, a Kubernetes tool. Given the facts dorgu recorded about "
    "one incident (signals, affected objects, Kubernetes messages), summarise what happened for "
    "the on-call engineer and list the most likely root causes, each with how to check it. "
    "Do not invent facts that are not in the data."
)
TASK = "Summarise this incident and give root-cause hypotheses."


class Hypothesis(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cause: str = Field(min_length=1, max_length=500, description="A likely root cause.")
    confidence: float = Field(ge=0, le=1, description="How likely, 0..1.")
    check: str = Field(max_length=500, description="How to confirm or rule it out.")


class IncidentSummary(BaseModel):
    """What happened and what probably caused it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: str = Field(min_length=1, max_length=2000, description="What happened.")
    hypotheses: list[Hypothesis] = Field(
        default_factory=list, max_length=MAX_HYPOTHESES, description="Likely causes, best first."
    )


# primary signal -> (cause, confidence, check), most likely first
_CAUSES: dict[str, tuple[tuple[str, float, str], ...]] = {
    "OOMKilled": (
        (
            "The memory limit is below what the container needs at peak.",
            0.6,
            "Compare the limit with the memory usage before the kill (dorgu recommend).",
        ),
        (
            "A memory leak or an unusually large request or batch.",
            0.3,
            "Look for memory growing steadily between restarts.",
        ),
    ),
    "CrashLoopBackOff": (
        (
            "The process exits at start-up: bad configuration, a missing dependency or a bug.",
            0.6,
            "Read the previous container's logs (kubectl logs --previous).",
        ),
        (
            "A liveness probe kills a slow-starting container.",
            0.2,
            "Check the probe's initialDelaySeconds or add a startupProbe.",
        ),
    ),
    "ImagePullBackOff": (
        ("The image name or tag does not exist.", 0.5, "Pull the exact image reference by hand."),
        (
            "The registry needs credentials the pod does not have.",
            0.4,
            "Check imagePullSecrets and the registry's response in the Event message.",
        ),
    ),
    "CreateContainerConfigError": (
        (
            "A ConfigMap or Secret (or a key in it) the pod references is missing.",
            0.8,
            "Compare the pod's env/envFrom/volumes with the objects in the namespace.",
        ),
    ),
    "Unschedulable": (
        (
            "No node has enough free CPU or memory for the pod's requests.",
            0.5,
            "Compare requests with allocatable resources; consider smaller requests or more nodes.",
        ),
        (
            "Node selectors, affinities or taints exclude every node.",
            0.4,
            "Read the scheduler's message in the evidence.",
        ),
    ),
    "Evicted": (
        (
            "The node ran short of memory or disk and evicted pods.",
            0.7,
            "Check the node's conditions and the pod's usage against its requests.",
        ),
    ),
    "ProgressDeadlineExceeded": (
        (
            "The new rollout's pods never became ready.",
            0.7,
            "Look at the new ReplicaSet's pods; roll back if the change is at fault.",
        ),
    ),
    "JobFailed": (
        ("The job's command fails on every retry.", 0.6, "Read the logs of the last failed pod."),
    ),
    "LivenessProbeFailed": (
        (
            "The application hangs or answers the probe too slowly.",
            0.5,
            "Check the probe's endpoint and timeout against the app's latency.",
        ),
    ),
    "ReadinessProbeFailed": (
        (
            "The application is up but not ready: a dependency is down or start-up is slow.",
            0.5,
            "Check the readiness endpoint and the app's dependencies.",
        ),
    ),
    "NodeNotReady": (
        (
            "The kubelet stopped reporting: node down, network split or kubelet failure.",
            0.6,
            "Check the node's conditions, kubelet logs and network.",
        ),
    ),
}
_GENERIC = (("Not enough evidence for a specific cause.", 0.2, "Read the evidence messages."),)


def fallback_summary(incident: IncidentMemory) -> IncidentSummary:
    """A rule-based summary from the incident's fields and a per-signal catalogue."""
    spec = incident.spec
    detection = spec.detection
    workload = (
        f"{spec.workload.kind}/{spec.workload.name}" if spec.workload else "an unknown workload"
    )
    members = [r for r in detection.affected_resources if r.role != "workload"]
    contributing = [c.signal for c in spec.root_cause.contributing] if spec.root_cause else []
    status = incident.status
    parts = [
        f"{detection.signal} on {workload}"
        + (f" in namespace {incident.metadata.namespace}" if incident.metadata.namespace else "")
        + f" ({spec.severity.value}, {spec.category.value})",
        f"{len(members)} affected object(s)" if members else "",
        f"{status.occurrence_count} occurrence(s)" if status else "",
        f"also seen: {', '.join(contributing)}" if contributing else "",
        f"recurs after {spec.previous_incident}" if spec.previous_incident else "",
    ]
    causes = _CAUSES.get(detection.signal, _GENERIC)
    return IncidentSummary(
        summary="; ".join(p for p in parts if p) + ".",
        hypotheses=[Hypothesis(cause=c, confidence=p, check=k) for c, p, k in causes],
    )


@cache
def summary_schema() -> JsonObject:
    return portable_schema(IncidentSummary)


def incident_facts(incident: IncidentMemory, *, redactor: Redactor) -> JsonObject:
    """What the model is told: structured facts only, every string redacted (no labels,
    annotations, fingerprint or earlier summaries)."""
    spec = incident.spec
    detection = spec.detection
    facts: JsonObject = {
        "namespace": incident.metadata.namespace,
        "category": spec.category.value,
        "severity": spec.severity.value,
        "primary_signal": detection.signal,
        "first_seen": detection.first_seen.isoformat(),
        "last_seen": detection.last_seen.isoformat(),
        "workload": spec.workload.model_dump(mode="json", exclude_none=True)
        if spec.workload
        else None,
        "affected": [
            r.model_dump(mode="json", exclude_none=True) for r in detection.affected_resources
        ],
        "evidence": [
            {k: redactor(str(v)) for k, v in e.model_dump(mode="json", exclude_none=True).items()}
            for e in detection.evidence
        ],
        "contributing": [
            {k: redactor(str(v)) for k, v in c.model_dump(mode="json", exclude_none=True).items()}
            for c in (spec.root_cause.contributing if spec.root_cause else [])
        ],
        "episode": incident.status.episode if incident.status else 1,
        "occurrences": incident.status.occurrence_count if incident.status else 1,
    }
    return {k: v for k, v in facts.items() if v not in (None, [])}


def build_summary_prompt(incident: IncidentMemory, *, redactor: Redactor | None = None) -> Prompt:
    facts = incident_facts(incident, redactor=redactor or Redactor())
    return build_prompt(role=ROLE, task=TASK, data={"incident": facts}, schema_name=SCHEMA_NAME)


def read_summary(raw: Mapping[str, object]) -> IncidentSummary:
    """The model's summary, cleaned and validated; ``ProviderError`` if it is unusable."""
    reader = ReplyReader()
    hypotheses = raw.get("hypotheses")
    summary = raw.get("summary")
    cleaned = {
        "summary": reader.clean_multiline(summary, limit=2000)
        if isinstance(summary, str)
        else summary,
        "hypotheses": [
            {
                key: reader.clean_multiline(value, limit=500) if isinstance(value, str) else value
                for key, value in item.items()
                if key in Hypothesis.model_fields
            }
            for item in (hypotheses if isinstance(hypotheses, list) else [])[:MAX_HYPOTHESES]
            if isinstance(item, dict)
        ],
    }
    try:
        return IncidentSummary.model_validate(cleaned)
    except ValidationError as e:
        raise ProviderError("the model's incident summary does not match the schema") from e


def summary_text(result: IncidentSummary) -> str:
    """The summary and its hypotheses as one text (for ``spec.rootCause.summary``)."""
    lines = [result.summary]
    for index, item in enumerate(result.hypotheses, 1):
        lines.append(f"{index}. {item.cause} (confidence {item.confidence:.2f}; {item.check})")
    return "\n".join(lines)
