"""What a watcher sees of a persona: a compact summary per section, and the events that a change
between two summaries makes.  Incidents come from IncidentMemory objects.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

Summary = dict[str, object]
SECTIONS = ("phase", "validation", "argocd", "flux", "anomalies", "recommendations", "rollback")


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _pick(section: Mapping[str, object], keys: tuple[str, ...]) -> dict[str, object] | None:
    return {k: section.get(k) for k in keys} if section else None


def persona_summary(obj: Mapping[str, object]) -> Summary:
    """Per section, the fields a watcher is told about (absent sections are None)."""
    status = _map(obj.get("status"))
    validation = _map(status.get("validation"))
    issues = [_map(i) for i in _list(validation.get("issues"))][:20]
    anomalies = _map(status.get("anomalies"))
    current = [_map(a).get("series") for a in _list(anomalies.get("current"))][:20]
    messages = [
        str(_map(r).get("message") or "")[:300] for r in _list(status.get("recommendations"))
    ][:20]
    checked = {
        "passed": validation.get("passed"),
        "issues": [
            {"severity": i.get("severity"), "field": i.get("field"),
             "message": str(i.get("message") or "")[:300]}
            for i in issues
        ],
    }  # fmt: skip
    argo_keys = ("applicationName", "syncStatus", "healthStatus", "revision", "operationPhase")
    return {
        "phase": {"phase": status.get("phase")} if status.get("phase") else None,
        "validation": checked if validation else None,
        "argocd": _pick(_map(status.get("argoCD")), argo_keys),
        "flux": _pick(
            _map(status.get("flux")), ("kind", "name", "ready", "reason", "lastAppliedRevision")
        ),
        "anomalies": {"current": current} if anomalies else None,
        "recommendations": {"messages": messages} if messages else None,
        "rollback": _pick(_map(status.get("rollback")), ("via", "target", "by", "phase")),
    }


def changes(old: Summary | None, new: Summary) -> list[tuple[str, object]]:
    """``(section, value)`` for each section that differs (all present ones when ``old`` is
    None: a new persona)."""
    if old is None:
        return [(s, new.get(s)) for s in SECTIONS if new.get(s) is not None]
    return [(s, new.get(s)) for s in SECTIONS if old.get(s) != new.get(s)]


def incident_summary(obj: Mapping[str, object]) -> tuple[str, str, dict[str, object]] | None:
    """``(namespace, persona, data)`` of an IncidentMemory (the persona it belongs to, or its
    workload's name when unattributed)."""
    meta, spec, status = _map(obj.get("metadata")), _map(obj.get("spec")), _map(obj.get("status"))
    ref, workload = _map(spec.get("personaRef")), _map(spec.get("workload"))
    namespace = str(meta.get("namespace") or "")
    persona = str(ref.get("name") or workload.get("name") or "")
    if not namespace or not persona:
        return None
    detection = _map(spec.get("detection"))
    return namespace, persona, {
        "name": meta.get("name"), "phase": status.get("phase") or "Detected",
        "severity": spec.get("severity"), "category": spec.get("category"),
        "signal": detection.get("signal"), "occurrences": status.get("occurrenceCount"),
    }  # fmt: skip
