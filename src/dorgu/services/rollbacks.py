"""``dorgu rollback``: find how an app is deployed and roll it back the way that deployer does.

- An Argo CD Application (the persona's ``status.argoCD`` link, an Application named like the
  app in ``--app-namespace``, or one whose ``status.resources`` lists the app's Deployment):
  the rollback Argo CD's server performs (``dorgu.gitops.rollbacks``), written to the
  Application directly or sent through Argo CD's REST API (``--via api``), then followed until
  the application controller reports the operation's end.
- Otherwise the Deployment's previous ReplicaSet template (``kubectl rollout undo``).

Every rollback is recorded where the next person looks: an annotation on the object, an Event,
and the persona's ``status.rollback`` (and ``status.argoCD.autoSyncDisabled`` when automated sync
was turned off).  A record that cannot be written (RBAC) is a warning, never a failure.

Must not print or read settings files.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dorgu.clients import APPLICATION_PERSONAS, DEPLOYMENTS, JsonObject, KubeClient, ResourceKind
from dorgu.clients.argocd import ArgoApi
from dorgu.errors import ClusterError, ConflictError, UsageError
from dorgu.gitops import Application, plan_rollback, plan_undo, read_application
from dorgu.gitops.rollbacks import ROLLBACK_ANNOTATION, RollbackPlan
from dorgu.gitops.undoing import UndoPlan

APPLICATIONS = ResourceKind("argoproj.io/v1alpha1", "Application", "applications", True)
REPLICASETS = ResourceKind("apps/v1", "ReplicaSet", "replicasets", namespaced=True)
EVENTS = ResourceKind("v1", "Event", "events", namespaced=True)
TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
FINISHED = frozenset({"Succeeded", "Failed", "Error"})
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RollbackRequest:
    name: str
    namespace: str
    to_revision: int | None = None
    dry_run: bool = False
    disable_auto_sync: bool = False
    prune: bool = False
    app_name: str | None = None
    app_namespace: str = "argocd"
    wait: bool = True
    timeout_seconds: float = 300.0
    poll_seconds: float = 1.0


@dataclass
class RollbackOutcome:
    via: str
    """``argocd``, ``argocd-api`` or ``replicaset``."""
    target: str
    lines: list[str]
    phase: str | None = None
    """The operation's end (Argo CD), ``Applied`` (ReplicaSet undo), None when not followed."""
    message: str | None = None
    noop: bool = False
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"via": self.via, "target": self.target, "changes": self.lines,
                "phase": self.phase, "message": self.message, "noop": self.noop,
                "dryRun": self.dry_run, "warnings": self.warnings}  # fmt: skip


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _serves_applications(client: KubeClient) -> bool:
    try:
        return "argoproj.io/v1alpha1" in client.api_groups()
    except ClusterError:
        return False


def find_application(client: KubeClient, request: RollbackRequest) -> JsonObject | None:
    """The Application deploying the app, or None (no Argo CD API, none found, none visible)."""
    if not _serves_applications(client):
        return None
    persona = client.get(APPLICATION_PERSONAS, request.name, namespace=request.namespace) \
        if "dorgu.io/v1" in client.api_groups() else None  # fmt: skip
    link = _map(_map(_map(persona).get("status")).get("argoCD")) if persona else {}
    candidates = []
    if request.app_name:
        candidates.append((request.app_name, request.app_namespace))
    elif link.get("applicationName"):
        candidates.append((str(link["applicationName"]),
                           str(link.get("applicationNamespace") or request.app_namespace)))  # fmt: skip
    else:
        candidates.append((request.name, request.app_namespace))
    for name, namespace in candidates:
        found = client.get(APPLICATIONS, name, namespace=namespace)
        if found is not None:
            return found
    if request.app_name:
        raise UsageError(f"no Argo CD Application {request.app_name!r} in namespace "
                         f"{request.app_namespace}", hint="check --app and --app-namespace")  # fmt: skip
    try:
        every = client.list(APPLICATIONS, all_namespaces=True)
    except ClusterError:
        return None  # may not list Applications everywhere: fall back to what we can see
    for obj in every:
        if read_application(obj).manages("Deployment", request.namespace, request.name):
            return obj
    return None


def _event(client: KubeClient, obj: Mapping[str, object], reason: str, message: str,
           now: datetime, warnings: list[str]) -> None:  # fmt: skip
    meta = _map(obj.get("metadata"))
    namespace = str(meta.get("namespace") or "default")
    event = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"generateName": f"{meta.get('name')}.", "namespace": namespace},
        "involvedObject": {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
                           "name": meta.get("name"), "namespace": namespace,
                           "uid": meta.get("uid")},
        "reason": reason, "message": message[:1024], "type": "Normal",
        "source": {"component": "dorgu"}, "reportingComponent": "dorgu",
        "reportingInstance": "dorgu-cli", "firstTimestamp": _stamp(now),
        "lastTimestamp": _stamp(now), "count": 1,
    }  # fmt: skip
    try:
        client.create(event)
    except ClusterError as error:
        warnings.append(f"could not record the {reason} Event: {error}")


def _record_on_persona(client: KubeClient, request: RollbackRequest, status: Mapping[str, object],
                       warnings: list[str]) -> None:  # fmt: skip
    try:
        if client.get(APPLICATION_PERSONAS, request.name, namespace=request.namespace) is None:
            return
        client.patch(APPLICATION_PERSONAS, request.name, {"status": status},
                     namespace=request.namespace, status=True)  # fmt: skip
    except ClusterError as error:
        warnings.append(f"could not record the rollback in the persona's status: {error}")


def rollback(
    request: RollbackRequest,
    *,
    client: KubeClient,
    argocd: ArgoApi | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> RollbackOutcome:
    """Roll the app back (see the module docstring)."""
    user = client.whoami() or "unknown"
    if argocd is not None:
        name = request.app_name or request.name
        app_obj = argocd.get_application(name, app_namespace=request.app_namespace or None)
        return _argo_rollback(request, app_obj, client=client, argocd=argocd, user=user,
                              clock=clock, sleep=sleep)  # fmt: skip
    found = find_application(client, request)
    if found is not None:
        return _argo_rollback(request, found, client=client, argocd=None, user=user,
                              clock=clock, sleep=sleep)  # fmt: skip
    return _undo(request, client=client, user=user, clock=clock)


def _argo_rollback(
    request: RollbackRequest,
    app_obj: JsonObject,
    *,
    client: KubeClient,
    argocd: ArgoApi | None,
    user: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> RollbackOutcome:
    app = read_application(app_obj)
    via = "argocd-api" if argocd is not None else "argocd"
    now = clock()
    plan = plan_rollback(app, to_id=request.to_revision, user=user, now=now,
                         disable_auto_sync=request.disable_auto_sync, prune=request.prune)  # fmt: skip
    outcome = RollbackOutcome(via=via, target=str(plan.target.id), lines=plan.describe(),
                              noop=plan.noop, dry_run=request.dry_run)  # fmt: skip
    if plan.noop or request.dry_run:
        return outcome
    link: dict[str, object] = {"applicationName": app.name,
                               "applicationNamespace": app.namespace}  # fmt: skip
    if plan.disable_auto_sync is not None:
        _write(app, plan.disable_auto_sync, client=client, argocd=argocd)
        reason = f"rollback to history entry {plan.target.id}"
        _event(client, app_obj, "AutoSyncDisabled",
               f"{user} turned automated sync off for a {reason} (dorgu rollback)", now,
               outcome.warnings)  # fmt: skip
        link["autoSyncDisabled"] = {"by": user, "at": _stamp(now), "reason": reason}
    if argocd is not None:
        argocd.rollback(app.name, plan.target.id, app_namespace=app.namespace or None,
                        prune=request.prune, dry_run=False)  # fmt: skip
        _write(app, plan.record, client=client, argocd=argocd)
    else:
        change = {"operation": plan.operation, **plan.record}
        client.patch(APPLICATIONS, app.name, change, namespace=app.namespace)
    _event(client, app_obj, "RollbackInitiated",
           f"{user} started a rollback to history entry {plan.target.id} (revision "
           f"{plan.target.shown_revision}) with dorgu", now, outcome.warnings)  # fmt: skip
    record: dict[str, object] = {"via": via, "target": str(plan.target.id),
                                 "revision": plan.target.shown_revision[:512], "by": user,
                                 "at": _stamp(now), "phase": "Running"}  # fmt: skip
    status: dict[str, object] = {"argoCD": link, "rollback": record}
    _record_on_persona(client, request, status, outcome.warnings)
    if request.wait:
        outcome.phase, outcome.message = _follow(plan, client=client, argocd=argocd,
                                                 request=request, started=now, clock=clock,
                                                 sleep=sleep)  # fmt: skip
        if outcome.phase in FINISHED:
            _record_on_persona(client, request, {"rollback": {**record, "phase": outcome.phase}},
                               outcome.warnings)  # fmt: skip
    return outcome


def _write(app: Application, patch: Mapping[str, object], *, client: KubeClient,
           argocd: ArgoApi | None) -> None:  # fmt: skip
    if argocd is not None:
        argocd.patch_application(app.name, patch, app_namespace=app.namespace or None)
    else:
        client.patch(APPLICATIONS, app.name, patch, namespace=app.namespace)


def _ours(state: Mapping[str, object], plan: RollbackPlan, started: datetime) -> bool:
    """Whether ``status.operationState`` is the operation this rollback started."""
    sync = _map(_map(state.get("operation")).get("sync"))
    wanted = plan.operation.get("sync")
    same_target = isinstance(wanted, Mapping) and (
        sync.get("revision") == wanted.get("revision")
        and (sync.get("revisions") or None) == (wanted.get("revisions") or None)
    )
    began = str(state.get("startedAt") or "")
    return same_target and began >= _stamp(started)[:19]


def _follow(
    plan: RollbackPlan,
    *,
    client: KubeClient,
    argocd: ArgoApi | None,
    request: RollbackRequest,
    started: datetime,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> tuple[str | None, str | None]:
    """Poll the Application until the application controller reports the end of this
    rollback's operation (or the timeout)."""
    app = plan.app
    deadline = time.monotonic() + request.timeout_seconds
    while True:
        if argocd is not None:
            obj = argocd.get_application(app.name, app_namespace=app.namespace or None)
        else:
            obj = client.get(APPLICATIONS, app.name, namespace=app.namespace) or {}
        state = _map(_map(obj.get("status")).get("operationState"))
        phase = state.get("phase")
        if _ours(state, plan, started) and phase in FINISHED:
            return str(phase), str(state.get("message") or "") or None
        if time.monotonic() >= deadline:
            return "Running", (f"still running after {request.timeout_seconds:g}s; follow it with "
                               f"kubectl get application -n {app.namespace} {app.name}")  # fmt: skip
        sleep(request.poll_seconds)


def _undo(
    request: RollbackRequest, *, client: KubeClient, user: str, clock: Callable[[], datetime]
) -> RollbackOutcome:
    deployment = client.get(DEPLOYMENTS, request.name, namespace=request.namespace)
    if deployment is None:
        raise UsageError(
            f"no Argo CD Application and no Deployment named {request.name!r} in namespace "
            f"{request.namespace}",
            hint="check the name and -n; for an Application elsewhere pass --app/--app-namespace",
        )
    annotations = _map(_map(deployment.get("metadata")).get("annotations"))
    tracking = annotations.get(TRACKING_ANNOTATION)
    if isinstance(tracking, str) and tracking:
        raise ConflictError(
            f"Deployment {request.namespace}/{request.name} is managed by Argo CD (tracking id "
            f"{tracking}) but its Application is not visible to you",
            hint="pass --app NAME --app-namespace NS, or --via api --server URL; undoing the "
            "ReplicaSet would be reverted by the next sync",
        )
    replicasets = client.list(REPLICASETS, namespace=request.namespace)
    now = clock()
    plan: UndoPlan = plan_undo(deployment, replicasets, to_revision=request.to_revision,
                               user=user, now=now)  # fmt: skip
    outcome = RollbackOutcome(via="replicaset", target=str(plan.target), lines=plan.describe(),
                              noop=plan.noop, dry_run=request.dry_run)  # fmt: skip
    if plan.noop:
        return outcome
    if request.dry_run:
        outcome.lines.append(f"patch: {json.dumps(plan.patch[1:], sort_keys=True)[:2000]}")
        return outcome
    try:
        updated = client.patch(DEPLOYMENTS, request.name, plan.patch,
                               namespace=request.namespace, patch_type="json")  # fmt: skip
    except ClusterError as error:
        if "test failed" in str(error) or "(422)" in str(error):
            raise ConflictError(f"Deployment {request.namespace}/{request.name} changed while "
                                "planning the rollback", hint="run it again") from error  # fmt: skip
        raise
    _event(client, updated, "RollbackInitiated",
           f"{user} rolled back to revision {plan.target} (ReplicaSet {plan.replicaset}) with "
           "dorgu", now, outcome.warnings)  # fmt: skip
    record = {"via": "replicaset", "target": str(plan.target), "by": user, "at": _stamp(now),
              "phase": "Applied"}  # fmt: skip
    _record_on_persona(client, request, {"rollback": record}, outcome.warnings)
    outcome.phase = "Applied"
    return outcome


__all__ = ["ROLLBACK_ANNOTATION", "RollbackOutcome", "RollbackRequest", "rollback"]
