"""The Argo CD link: an informer on ``applications.argoproj.io`` and, on the leader, each
persona's ``status.argoCD`` kept in step with the Application that deploys it (sync, health,
revision, last operation, bounded history, and whether ``dorgu rollback`` turned automated sync
off).  Without Argo CD the informer marks its store missing and retries slowly; nothing else
changes.  Writes are JSON merge patches of ``status.argoCD`` only, and only when it changed.

Must not decide what to roll back (``dorgu.services.rollbacks``) or touch Applications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from dorgu.gitops import Application, read_application
from dorgu.gitops.linking import argo_status, find_link
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject, Kind
from dorgu.operator.caching import Key, Store, run_informer
from dorgu.operator.watching import ClusterView

APPLICATIONS = Kind("argoproj.io", "v1alpha1", "applications")
logger = logging.getLogger(__name__)


def application_entry(obj: JsonObject) -> Application:
    return read_application(obj)


class ArgoLinker:
    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        interval: float = 2.0,
        is_active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.api, self.view, self.interval, self.is_active = api, view, interval, is_active
        self.applications: Store[Application] = Store("applications.argoproj.io",
                                                      application_entry)  # fmt: skip
        self._written: dict[Key, dict[str, object] | None] = {}
        self._dirty = asyncio.Event()
        self.applications.listeners.append(lambda *_: self._dirty.set())
        view.personas.listeners.append(lambda *_: self._dirty.set())

    def start(self) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(
                run_informer(self.api, APPLICATIONS, self.applications),
                name="informer:applications",
            ),
            asyncio.create_task(self.run(), name="argocd-link"),
        ]

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), timeout=self.interval * 30)
            self._dirty.clear()
            if self.is_active() and self.applications.synced.is_set():
                try:
                    await self.sync()
                except ApiFailure as error:
                    logger.info("Argo CD link: %s; retrying", error)
                except Exception:
                    logger.exception("Argo CD link failed; retrying")
            await asyncio.sleep(self.interval)  # coalesce bursts of Application updates

    def desired(self) -> dict[Key, dict[str, object] | None]:
        """``status.argoCD`` per persona (None: no Application deploys it)."""
        apps = [app for _, app in self.applications.items()]
        wanted: dict[Key, dict[str, object] | None] = {}
        for key, entry in self.view.personas.items():
            workloads = [(w.kind, w.name) for w in self.view.workloads_for(entry)]
            app = find_link(namespace=entry.namespace, name=entry.name, workloads=workloads,
                            applications=apps)  # fmt: skip
            wanted[key] = argo_status(app) if app is not None else None
        return wanted

    async def sync(self) -> int:
        """Write what changed; the number of personas written."""
        written = 0
        wanted = self.desired()
        for key in set(self._written) - set(wanted):
            self._written.pop(key, None)
        for key, status in sorted(wanted.items()):
            if key in self._written and self._written[key] == status:
                continue
            if status is None and key not in self._written:
                self._written[key] = None  # never linked: nothing to clear
                continue
            try:
                await self.api.patch(kinds.PERSONAS, key[1], {"status": {"argoCD": status}},
                                     namespace=key[0], patch="merge", subresource="status")  # fmt: skip
            except ApiFailure as error:
                if error.code == 404:
                    continue
                raise
            self._written[key] = status
            written += 1
        return written
