"""Incidents from Kubernetes objects (layer 1): typed signals detected in Pod, Deployment, Job,
Node and Event dicts as the operator's informers hold them (``detecting``), the workload and
persona each signal belongs to (``workloads``), a deterministic fingerprint (``fingerprints``)
and the correlation of signals into ``IncidentMemory`` episodes (``correlating``).  Signals from
outside Kubernetes: Alertmanager webhook payloads (``alerts``) and anomaly findings
(``anomalies``).

Must not: open files, read the environment or the clock (``now`` is passed in), talk to a
cluster, or print.  Junk input never raises: an object that is not understood yields no signal.
"""

from dorgu.learning.incidents.alerts import AlertSignals, alert_signals, parse_webhook
from dorgu.learning.incidents.anomalies import anomaly_signals
from dorgu.learning.incidents.correlating import (
    DEFAULT_WINDOW,
    IncidentDraft,
    correlate,
    incident_name,
    record,
)
from dorgu.learning.incidents.detecting import detect, detect_all
from dorgu.learning.incidents.fingerprints import fingerprint
from dorgu.learning.incidents.retention import DEFAULT_RETENTION, expired
from dorgu.learning.incidents.signals import ObjectRef, Signal, SignalKind
from dorgu.learning.incidents.workloads import PersonaTarget, attribute, owner_chain, workload_of

__all__ = [
    "DEFAULT_RETENTION",
    "DEFAULT_WINDOW",
    "AlertSignals",
    "IncidentDraft",
    "ObjectRef",
    "PersonaTarget",
    "Signal",
    "SignalKind",
    "alert_signals",
    "anomaly_signals",
    "attribute",
    "correlate",
    "detect",
    "detect_all",
    "expired",
    "fingerprint",
    "incident_name",
    "owner_chain",
    "parse_webhook",
    "record",
    "workload_of",
]
