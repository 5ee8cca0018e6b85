"""The GitOps link: informers on Argo CD ``Applications`` and Flux ``Kustomizations`` and
``HelmReleases`` and, on the leader, each persona's ``status.argoCD`` (sync, health, revision,
last operation, bounded history, whether ``dorgu rollback`` turned automated sync off) and
``status.flux`` (Ready, revisions) kept in step.  Without Argo CD or Flux the informers mark
their stores missing and retry slowly; nothing else changes.  Writes are JSON merge patches of
those two fields only, and only when they changed.

Must not decide what to roll back (``dorgu.services.rollbacks``) or touch Applications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from dorgu.gitops import Application, read_application
from dorgu.gitops.flux import HELM_RELEASE, KUSTOMIZATION, FluxObject, flux_status, read_flux
from dorgu.gitops.linking import argo_status, find_link
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject, Kind
from dorgu.operator.caching import Key, Store, run_informer
from dorgu.operator.watching import ClusterView

APPLICATIONS = Kind("argoproj.io", "v1alpha1", "applications")
KUSTOMIZATIONS = Kind("kustomize.toolkit.fluxcd.io", "v1", "kustomizations")
HELM_RELEASES = Kind("helm.toolkit.fluxcd.io", "v2", "helmreleases")
logger = logging.getLogger(__name__)


def application_entry(obj: JsonObject) -> Application:
    return read_application(obj)


class GitOpsLinker:
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
        self.kustomizations: Store[FluxObject] = Store(
            "kustomizations.kustomize.toolkit.fluxcd.io", lambda o: read_flux(KUSTOMIZATION, o)
        )
        self.releases: Store[FluxObject] = Store(
            "helmreleases.helm.toolkit.fluxcd.io", lambda o: read_flux(HELM_RELEASE, o)
        )
        self._written: dict[Key, dict[str, object]] = {}
        self._dirty = asyncio.Event()
        for store in (self.applications, self.kustomizations, self.releases):
            store.listeners.append(lambda *_: self._dirty.set())
        view.personas.listeners.append(lambda *_: self._dirty.set())

    def start(self) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(run_informer(self.api, APPLICATIONS, self.applications),
                                name="informer:applications"),
            asyncio.create_task(run_informer(self.api, KUSTOMIZATIONS, self.kustomizations),
                                name="informer:kustomizations"),
            asyncio.create_task(run_informer(self.api, HELM_RELEASES, self.releases),
                                name="informer:helmreleases"),
            asyncio.create_task(self.run(), name="gitops-link"),
        ]  # fmt: skip

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), timeout=self.interval * 30)
            self._dirty.clear()
            if self.is_active() and self.synced():
                try:
                    await self.sync()
                except ApiFailure as error:
                    logger.info("Argo CD link: %s; retrying", error)
                except Exception:
                    logger.exception("Argo CD link failed; retrying")
            await asyncio.sleep(self.interval)  # coalesce bursts of Application updates

    def synced(self) -> bool:
        stores = (self.applications, self.kustomizations, self.releases)
        return all(store.synced.is_set() for store in stores)

    def desired(self) -> dict[Key, dict[str, object]]:
        """``{"argoCD": ..., "flux": ...}`` per persona (None where nothing deploys it)."""
        apps = [app for _, app in self.applications.items()]
        flux = {(o.kind, o.namespace, o.name): o
                for store in (self.kustomizations, self.releases) for _, o in store.items()}  # fmt: skip
        wanted: dict[Key, dict[str, object]] = {}
        for key, entry in self.view.personas.items():
            workloads = self.view.workloads_for(entry)
            app = find_link(namespace=entry.namespace, name=entry.name,
                            workloads=[(w.kind, w.name) for w in workloads],
                            applications=apps)  # fmt: skip
            wanted[key] = {
                "argoCD": argo_status(app) if app is not None else None,
                "flux": flux_status([w.labels for w in workloads], flux),
            }
        return wanted

    async def sync(self) -> int:
        """Write what changed; the number of personas written."""
        written = 0
        wanted = self.desired()
        for key in set(self._written) - set(wanted):
            self._written.pop(key, None)
        for key, status in sorted(wanted.items()):
            if self._written.get(key, {"argoCD": None, "flux": None}) == status:
                continue  # unchanged, or never linked: nothing to write or clear
            try:
                await self.api.patch(kinds.PERSONAS, key[1], {"status": status},
                                     namespace=key[0], patch="merge", subresource="status")  # fmt: skip
            except ApiFailure as error:
                if error.code == 404:
                    continue
                raise
            self._written[key] = status
            written += 1
        return written
