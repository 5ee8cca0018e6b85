"""``dorgu incidents ...``: list, show, resolve and find similar ``IncidentMemory`` objects.

Lists are read page by page (the API server's ``limit``/``continue``), so 10,000 incidents
never arrive as one response; objects that do not match the model (written by something else)
are skipped and counted, never fatal.  ``resolve`` writes ``spec.resolution`` and then the
status subresource (phase ``Resolved``, ``resolvedAt``) with the ``resourceVersion`` it read:
a concurrent change is re-read and re-checked (at most ``RESOLVE_ATTEMPTS`` times), an
incident resolved meanwhile is refused, never overwritten.  ``similar`` searches every
namespace the caller may list, else the incident's own namespace (and says so).

Collaborators are explicit (``client``, ``now``).  Must not print or import click.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError

from dorgu.clients import INCIDENT_MEMORIES, JsonObject, KubeClient
from dorgu.errors import ClusterError, UsageError
from dorgu.formats.redacting import Redactor
from dorgu.learning.incidents.retention import format_duration
from dorgu.learning.incidents.similarity import DEFAULT_LIMIT, Match, similar
from dorgu.models.incidents import (
    MAX_TEXT,
    IncidentMemory,
    IncidentPhase,
    Resolution,
    ResolutionOutcome,
)
from dorgu.models.personas_base import dump_wire

_LOG = logging.getLogger(__name__)
PAGE_SIZE = 500
ROW_PAGE_SIZE = 1000
"""Table rows are ~130 bytes without metadata: fewer, larger pages save round trips."""
RESOLVE_ATTEMPTS = 3
MAX_SIMILAR = 100
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LIST_HINT = "list them with dorgu incidents list -A"


@dataclass(frozen=True)
class IncidentListing:
    """The incidents found (open first, then namespace and name) and the names of objects
    skipped because they do not match the IncidentMemory model."""

    incidents: list[IncidentMemory]
    skipped: list[str] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class IncidentRow:
    """One line of ``dorgu incidents list``: the CRD's printer columns as the API server
    printed them (``age`` is the server's text, e.g. ``5m``, or a timestamp)."""

    namespace: str
    name: str
    phase: str
    severity: str
    category: str
    signal: str
    workload: str
    occurrences: str
    age: str

    @property
    def open(self) -> bool:
        return self.phase != IncidentPhase.RESOLVED.value


@dataclass(frozen=True)
class RowListing:
    rows: list[IncidentRow]
    pages: int


@dataclass(frozen=True)
class SimilarOutcome:
    """The incident, its matches (best first), and whether only its namespace was searched."""

    incident: IncidentMemory
    matches: list[Match]
    searched: str
    """``all namespaces`` or ``namespace <ns>``."""
    note: str | None = None


@dataclass(frozen=True)
class ResolveOutcome:
    incident: IncidentMemory
    resolved_by: str
    redacted: int
    """How many secret-looking parts of the note were replaced."""


def check_name(name: str) -> str:
    """``name`` if it can be an object name; ``UsageError`` (one line) otherwise."""
    if not name or len(name) > 253 or not _NAME.match(name):
        raise UsageError(
            f"{name[:80]!r} is not a valid incident name",
            hint="names are lowercase letters, digits, '-' and '.'; " + _LIST_HINT,
        )
    return name


def check_namespace(namespace: str | None) -> str | None:
    if namespace is not None and (len(namespace) > 63 or not _NAMESPACE.match(namespace)):
        raise UsageError(
            f"{namespace[:80]!r} is not a valid namespace name",
            hint="namespaces are lowercase letters, digits and '-', at most 63 characters",
        )
    return namespace


def is_open(incident: IncidentMemory) -> bool:
    return incident.status is None or incident.status.phase is not IncidentPhase.RESOLVED


def _order(incident: IncidentMemory) -> tuple[bool, str, str]:
    return (not is_open(incident), incident.metadata.namespace or "", incident.metadata.name or "")


def _parse(obj: JsonObject) -> IncidentMemory | None:
    try:
        return IncidentMemory.model_validate(obj)
    except ValidationError as error:
        _LOG.debug("skipping an IncidentMemory that does not match the model: %s", error)
        return None


def _pages(
    client: KubeClient, *, namespace: str | None, all_namespaces: bool, page_size: int
) -> Iterator[list[JsonObject]]:
    token: str | None = None
    while True:
        page = client.list_page(
            INCIDENT_MEMORIES,
            namespace=namespace,
            all_namespaces=all_namespaces,
            limit=page_size,
            continue_token=token,
        )
        yield page.items
        token = page.continue_token
        if not token:
            return


def list_incidents(
    *,
    client: KubeClient,
    namespace: str | None = None,
    all_namespaces: bool = False,
    open_only: bool = False,
    page_size: int = PAGE_SIZE,
) -> IncidentListing:
    """Incidents in ``namespace`` (default: the context's) or all namespaces."""
    check_namespace(namespace)
    found: list[IncidentMemory] = []
    skipped: list[str] = []
    pages = 0
    for items in _pages(
        client, namespace=namespace, all_namespaces=all_namespaces, page_size=page_size
    ):
        pages += 1
        for obj in items:
            incident = _parse(obj)
            if incident is None:
                skipped.append(_where(obj))
            elif not open_only or is_open(incident):
                found.append(incident)
    return IncidentListing(sorted(found, key=_order), sorted(skipped), pages)


def _cell(cells: dict[str, object], name: str) -> str:
    value = cells.get(name)
    return "-" if value is None or value == "" else str(value)


def list_incident_rows(
    *,
    client: KubeClient,
    namespace: str | None = None,
    all_namespaces: bool = False,
    open_only: bool = False,
    page_size: int = ROW_PAGE_SIZE,
) -> RowListing:
    """The table of ``dorgu incidents list``: the API server prints each incident's columns
    (``Table`` responses, paged), so 10,000 incidents cost about a hundred bytes each instead
    of whole objects.  Rows come without object metadata when the CRD prints the namespace
    (its ``Namespace`` column) or one namespace is listed; an older CRD without that column
    is listed with metadata.  Sorted like ``list_incidents``: open first, then namespace and
    name."""
    check_namespace(namespace)
    own = None if all_namespaces else (namespace or client.namespace)
    include_object = False
    while True:
        rows, pages, complete = _table_rows(
            client, namespace=own, include_object=include_object, page_size=page_size
        )
        if complete:
            break
        include_object = True  # no Namespace column: ask for the rows' metadata
    if open_only:
        rows = [r for r in rows if r.open]
    rows.sort(key=lambda r: (not r.open, r.namespace, r.name))
    return RowListing(rows, pages)


def _table_rows(
    client: KubeClient, *, namespace: str | None, include_object: bool, page_size: int
) -> tuple[list[IncidentRow], int, bool]:
    """The rows of every page; ``complete`` is False (and nothing read past the first page)
    when rows would have no namespace."""
    rows: list[IncidentRow] = []
    token: str | None = None
    pages = 0
    while True:
        page = client.list_table_page(
            INCIDENT_MEMORIES,
            namespace=namespace,
            all_namespaces=namespace is None,
            limit=page_size,
            continue_token=token,
            include_object=include_object,
        )
        pages += 1
        if not include_object and namespace is None and "Namespace" not in page.columns:
            return [], pages, False
        for metadata, values in page.rows:
            cells = dict(zip(page.columns, values, strict=False))
            where = metadata.get("namespace") or cells.get("Namespace") or namespace
            rows.append(
                IncidentRow(
                    namespace=str(where or "-"),
                    name=str(metadata.get("name") or cells.get("Name") or "-"),
                    phase=_cell(cells, "Phase") if cells.get("Phase") else "Detected",
                    severity=_cell(cells, "Severity"),
                    category=_cell(cells, "Category"),
                    signal=_cell(cells, "Signal"),
                    workload=_cell(cells, "Workload"),
                    occurrences=_cell(cells, "Occurrences"),
                    age=_cell(cells, "Age"),
                )
            )
        token = page.continue_token
        if not token:
            return rows, pages, True


def _where(obj: JsonObject) -> str:
    metadata = obj.get("metadata")
    meta = metadata if isinstance(metadata, dict) else {}
    return f"{meta.get('namespace') or '-'}/{meta.get('name') or '?'}"


def get_incident_object(name: str, *, client: KubeClient, namespace: str | None) -> JsonObject:
    """The incident as the API server has it (``managedFields`` left out)."""
    check_name(name)
    check_namespace(namespace)
    found = client.get(INCIDENT_MEMORIES, name, namespace=namespace)
    if found is None:
        raise ClusterError(
            f"no IncidentMemory {name!r} in namespace {namespace or client.namespace}",
            hint=_LIST_HINT,
        )
    metadata = found.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return found


def get_incident(name: str, *, client: KubeClient, namespace: str | None) -> IncidentMemory:
    return _model(get_incident_object(name, client=client, namespace=namespace))


def _model(obj: JsonObject) -> IncidentMemory:
    try:
        return IncidentMemory.model_validate(obj)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "object"
        raise ClusterError(
            f"IncidentMemory {_where(obj)} does not match the model: {where}: {first['msg']}",
            hint="it was not written by dorgu; inspect it with kubectl get im -o yaml",
        ) from error


def _already_resolved(incident: IncidentMemory) -> UsageError:
    status = incident.status
    resolution = incident.spec.resolution
    when = (
        status.resolved_at.strftime("%Y-%m-%dT%H:%M:%SZ") if status and status.resolved_at else ""
    )
    who = resolution.resolved_by if resolution and resolution.resolved_by else ""
    detail = " ".join(x for x in (f"at {when}" if when else "", f"by {who}" if who else "") if x)
    return UsageError(
        f"incident {incident.metadata.namespace}/{incident.metadata.name} is already resolved"
        + (f" ({detail})" if detail else ""),
        hint="a recurrence opens a new episode; see dorgu incidents list",
    )


def resolve_incident(
    name: str,
    *,
    client: KubeClient,
    namespace: str | None,
    note: str,
    now: datetime,
    outcome: ResolutionOutcome = ResolutionOutcome.RESOLVED,
    action: str | None = None,
) -> ResolveOutcome:
    """Record who resolved the incident and why, then mark it Resolved (see module doc)."""
    check_name(name)
    check_namespace(namespace)
    if not note.strip():
        raise UsageError("--note is empty", hint="say what fixed it or why it is resolved")
    if len(note) > MAX_TEXT:
        raise UsageError(f"--note is longer than {MAX_TEXT} characters")
    redactor = Redactor()
    clean_note = redactor(note.strip())
    clean_action = redactor(action.strip()) if action and action.strip() else None
    if clean_action is not None and len(clean_action) > 512:
        raise UsageError("--action is longer than 512 characters")
    who = client.whoami() or "unknown"
    for attempt in range(1, RESOLVE_ATTEMPTS + 1):
        obj = get_incident_object(name, client=client, namespace=namespace)
        incident = _model(obj)
        if not is_open(incident):
            raise _already_resolved(incident)
        started = incident.spec.detection.first_seen
        resolution = Resolution(
            action=clean_action,
            applied_at=now,
            duration=format_duration(max(now - started, timedelta(0))),
            outcome=outcome,
            resolved_by=who[:253],
            note=clean_note[:MAX_TEXT],
        )
        spec = obj.get("spec")
        if not isinstance(spec, dict):  # pragma: no cover - the model check above needs one
            raise ClusterError(f"IncidentMemory {_where(obj)} has no spec")
        spec["resolution"] = dump_wire(resolution)
        try:
            written = client.replace(obj)
        except ClusterError as error:
            if _conflict(error) and attempt < RESOLVE_ATTEMPTS:
                _LOG.debug("incident %s changed while resolving; reading it again", name)
                continue
            raise
        status = written.get("status")
        status = dict(status) if isinstance(status, dict) else {}
        status.update(
            {
                "phase": IncidentPhase.RESOLVED.value,
                "resolvedAt": dump_wire(resolution)["appliedAt"],
            }
        )
        written["status"] = status
        final = _write_status(written, client=client, name=name, namespace=namespace)
        return ResolveOutcome(IncidentMemory.model_validate(final), who, redactor.total)
    raise ClusterError(  # pragma: no cover - the loop returns or raises
        f"incident {name} kept changing while resolving it", hint="run the command again"
    )


def _conflict(error: ClusterError) -> bool:
    return str(error).startswith("conflict (409)")


def _write_status(
    obj: JsonObject, *, client: KubeClient, name: str, namespace: str | None
) -> JsonObject:
    """Write the Resolved status; on a conflict (the operator updated the status since the
    spec write) re-read, keep its status fields and set the phase again."""
    for attempt in range(1, RESOLVE_ATTEMPTS + 1):
        try:
            return client.replace(obj, status=True)
        except ClusterError as error:
            if not _conflict(error) or attempt == RESOLVE_ATTEMPTS:
                raise
        wanted = obj["status"]
        assert isinstance(wanted, dict)
        obj = get_incident_object(name, client=client, namespace=namespace)
        current = obj.get("status")
        merged = dict(current) if isinstance(current, dict) else {}
        if merged.get("phase") == IncidentPhase.RESOLVED.value:
            return obj
        merged.update({"phase": wanted["phase"], "resolvedAt": wanted["resolvedAt"]})
        obj["status"] = merged
    raise ClusterError(f"incident {name}: the status kept changing", hint="run the command again")


def similar_incidents(
    name: str,
    *,
    client: KubeClient,
    namespace: str | None,
    limit: int = DEFAULT_LIMIT,
    page_size: int = PAGE_SIZE,
) -> SimilarOutcome:
    """Incidents like ``name``: every namespace the caller may list, else its own namespace."""
    if limit < 1 or limit > MAX_SIMILAR:
        raise UsageError(f"--limit must be between 1 and {MAX_SIMILAR}, not {limit}")
    incident = get_incident(name, client=client, namespace=namespace)
    own = incident.metadata.namespace or namespace or client.namespace
    note = None
    try:
        listing = list_incidents(client=client, all_namespaces=True, page_size=page_size)
        searched = "all namespaces"
    except ClusterError as error:
        if not str(error).startswith("forbidden (403)"):
            raise
        listing = list_incidents(client=client, namespace=own, page_size=page_size)
        searched = f"namespace {own}"
        note = f"searched namespace {own} only: not allowed to list incidents in all namespaces"
    return SimilarOutcome(
        incident, similar(incident, listing.incidents, limit=limit), searched, note
    )
