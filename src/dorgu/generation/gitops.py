"""The Argo CD ``Application`` that deploys the output directory from git.

- ``spec.source.repoURL``: the ``app.repository`` setting (config wins) else the git remote the
  service read (already https, no credentials); user names and passwords/tokens in http(s)
  URLs are always removed: repository credentials belong in Argo CD, never in git.
- ``targetRevision``: the current branch; ``HEAD`` with a warning on a detached checkout.
- ``path``: the real output directory relative to the repository root (``Layout``).
- ``syncPolicy.automated`` (prune, selfHeal) only on request; ``CreateNamespace=true`` when a
  namespace is set; the ``resources-finalizer.argocd.argoproj.io`` finalizer, so deleting the
  Application deletes what it deployed.
- With ``--format yaml`` (no kustomization.yaml) the directory source excludes the files that
  must not be applied: the Application itself, Secret templates, personas, exports and
  the anomaly rules.

The Application lives in the output directory (``argocd-application.yaml``) but is never in
``kustomization.yaml``: an Application deploying its own directory must not include itself.
It is not in the ``--dry-run`` stream either (see docs/generation.md).  Without a repository
URL no Application is generated (a warning says how to get one): never a made-up URL.

Must not read git, files or the environment: every fact arrives in the ``GenerationRequest``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from dorgu.generation.diagnosing import warning
from dorgu.generation.inputs import OutputFormat
from dorgu.generation.labels import MANAGED_BY, label_value
from dorgu.generation.manifests import GeneratedDocument, Manifest
from dorgu.generation.planning import AppPlan
from dorgu.generation.rendering import render_manifest
from dorgu.models.evidence import Diagnostic
from dorgu.models.patterns import LazyPattern

APPLICATION_FILE = "argocd-application.yaml"
API_VERSION = "argoproj.io/v1alpha1"
IN_CLUSTER = "https://kubernetes.default.svc"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
NOTE = "Argo CD Application: kubectl apply -f it once, Argo CD then syncs from git"
_NOT_APPLIED = (
    APPLICATION_FILE,
    "*.template.yaml",
    "*applicationpersona.yaml",
    "*catalog-info.yaml",
    "*score.yaml",
    "*anomaly-rules*.yaml",
    "*slo-rules*.yaml",
    "*health-rules*.yaml",
    "*alertmanager*.yaml",  # the route snippet is no object; the CRD may be missing
    "*-dashboard.json",  # Grafana's JSON, no object (its ConfigMap is applied)
    "*servicemonitor.yaml",
    "*podmonitor.yaml",
)
_HTTP = LazyPattern(r"^https?://", re.IGNORECASE)


def without_credentials(url: str) -> tuple[str, bool]:
    """``url`` without ``user:password@`` (http/https: the whole user info; ssh: only the
    password, the user name is part of the address), and whether anything was removed."""
    url = url.strip()
    if "://" not in url:
        return url, False  # scp-like git@host:org/repo: a user name, no secret
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, False
    userinfo, _, host = parts.netloc.rpartition("@")
    if _HTTP.match(url):
        netloc = host
    elif ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}@{host}"
    else:
        return url, False
    return urlunsplit(parts._replace(netloc=netloc)), True


def build_argocd_application(app: AppPlan) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    request = app.request
    options = request.options
    if not options.argocd:
        return [], []
    diagnostics: list[Diagnostic] = []
    configured = request.settings.app.repository
    if configured:
        repo_url, stripped = without_credentials(configured)
        if stripped:
            diagnostics.append(
                warning(
                    "argocd-repository-credentials",
                    "app.repository contains credentials; they were left out of the Argo CD "
                    "Application (give Argo CD its repository credentials, and remove them "
                    "from the setting)",
                )
            )
    elif options.git.remote:
        repo_url, _ = without_credentials(options.git.remote)
    else:
        diagnostics.append(
            warning(
                "argocd-no-repository",
                "no git remote and no app.repository, so no Argo CD Application was generated; "
                "add a remote (git remote add origin URL) or set app.repository "
                "(or pass --skip-argocd)",
            )
        )
        return [], diagnostics
    revision = options.git.branch
    if not revision:
        revision = "HEAD"
        diagnostics.append(
            warning(
                "argocd-no-branch",
                "no current git branch (detached HEAD?), so the Argo CD Application tracks "
                "HEAD; set spec.source.targetRevision to the branch Argo CD should follow",
            )
        )
    manifest = application_manifest(app, repo_url=repo_url, revision=revision)
    document = GeneratedDocument(APPLICATION_FILE, render_manifest(manifest), note=NOTE)
    return [document], diagnostics


def application_manifest(app: AppPlan, *, repo_url: str, revision: str) -> Manifest:
    request = app.request
    options = request.options
    settings = request.settings
    name = request.app_name
    if settings.environment and label_value(settings.environment):
        name = f"{name}-{settings.environment}"
    name = request.sanitize_name(name) or request.sanitize_name(request.app_name) or "app"
    labels = {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/part-of": label_value(request.app_name) or name,
    }
    if settings.app.team and label_value(settings.app.team):
        labels["dorgu.io/team"] = label_value(settings.app.team)
    source: Manifest = {
        "repoURL": repo_url,
        "targetRevision": revision,
        "path": options.layout.output_dir,
    }
    if options.output_format is OutputFormat.YAML:
        source["directory"] = {
            "recurse": len(app.components) > 1,
            "exclude": "{" + ",".join(_NOT_APPLIED) + "}",
        }
    sync: Manifest = {}
    if options.argocd_auto_sync:
        sync["automated"] = {"prune": True, "selfHeal": True}
    if settings.namespace:
        sync["syncOptions"] = ["CreateNamespace=true"]
    spec: Manifest = {
        "project": options.argocd_project,
        "source": source,
        "destination": {"server": IN_CLUSTER, "namespace": settings.namespace or "default"},
    }
    if sync:
        spec["syncPolicy"] = sync
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": options.argocd_namespace,
            "labels": dict(sorted(labels.items())),
            "finalizers": [FINALIZER],
        },
        "spec": spec,
    }
