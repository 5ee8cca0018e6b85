"""The deterministic identity of an incident.

``fingerprint`` hashes only identity: the cluster, the persona (or ``unattributed``), the
workload (kind, namespace, name), the category and the primary signal kind.  Never free text,
timestamps, pod names, counts or LLM output: those change while the incident stays the same,
and a fingerprint that moved with them is how peers re-posted one incident over and over.
For inputs from outside Kubernetes the primary signal is the kind (``Alert``,
``MetricAnomaly``), never an alertname, annotation or series value.

Must not do I/O.
"""

from __future__ import annotations

import hashlib

from dorgu.learning.incidents.signals import ObjectRef, SignalKind
from dorgu.models.incidents import IncidentCategory, PersonaRef

VERSION = "dorgu-incident-v1"
LENGTH = 32


def fingerprint(
    *,
    cluster: str,
    persona: PersonaRef | None,
    workload: ObjectRef,
    category: IncidentCategory,
    signal: SignalKind,
) -> str:
    """32 lowercase hex characters (128 bits of SHA-256), the same for the same identity."""
    owner = (
        f"{persona.kind.value}/{persona.namespace or ''}/{persona.name}"
        if persona is not None
        else "unattributed"
    )
    parts = (
        VERSION,
        cluster,
        owner,
        workload.kind,
        workload.namespace,
        workload.name,
        category.value,
        signal.value,
    )
    # A separator that cannot occur in Kubernetes names keeps ("a-b", "c") apart from ("a", "b-c").
    canonical = "\x1f".join(parts).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()[:LENGTH]
