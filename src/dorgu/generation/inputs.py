"""What generation needs beyond the ``AppModel`` and ``EffectiveSettings``: the decisions the
service layer makes with I/O or with other layer-1 packages (resource names from the naming
pattern, git facts, which env keys are secret, the texts of bind-mounted files).

Must not compute any of those decisions itself; plain frozen data only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from dorgu.models.app import AppModel, Component
from dorgu.models.config import EffectiveSettings


@dataclass(frozen=True)
class GitInfo:
    """The repository state: the image tag, the Argo CD source and the CI triggers come from
    it (all None outside a git checkout)."""

    tag: str | None = None  # a tag pointing at HEAD
    short_sha: str | None = None
    branch: str | None = None  # None on a detached HEAD
    default_branch: str | None = None  # the remote's HEAD branch (origin/HEAD), when known
    remote: str | None = None  # the preferred remote as an https URL, credentials stripped


@dataclass(frozen=True)
class Layout:
    """Where things are, as POSIX paths relative to the repository root (the git root holding
    the app, else the app directory): the app itself and the real output directory."""

    app_dir: str = "."
    output_dir: str = "k8s"


class OutputFormat(StrEnum):
    KUSTOMIZE = "kustomize"  # one file per kind plus kustomization.yaml
    YAML = "yaml"  # the same files without kustomization.yaml


class CiProvider(StrEnum):
    GITHUB = "github"  # .github/workflows/dorgu-<app>.yaml at the repository root
    GITLAB = "gitlab"  # .gitlab/ci/dorgu-<app>.gitlab-ci.yml at the repository root


@dataclass(frozen=True)
class MountedFile:
    """A compose bind mount of a file.  ``text`` is None when it was not copied (it looks
    secret, is not a regular text file, is too big, or is outside the project); then a
    placeholder is generated instead."""

    source: str  # as in the model: relative to the app root, POSIX style
    text: str | None = None
    secret: bool = False  # the content (or name) looks like a credential


@dataclass(frozen=True)
class ComponentInput:
    """One component to generate, with the decisions taken for it by the service layer.

    ``name`` is the base name of every resource of the component (``naming.pattern`` applied);
    ``service_name`` is the Service's name: the component's own name in multi-component apps,
    because that is the host name its siblings already use (``redis://redis:6379``).
    ``backing_kind`` is the well-known service it runs (``postgres``), from the catalog.
    ``secret_names`` are env/config keys that must only ever be Secret references.
    """

    component: Component
    name: str
    service_name: str
    backing_kind: str | None = None
    secret_names: frozenset[str] = frozenset()
    files: tuple[MountedFile, ...] = ()


@dataclass(frozen=True)
class GenerationOptions:
    """Choices that are not settings keys (flags of ``dorgu generate``)."""

    git: GitInfo = GitInfo()
    host: str | None = None  # overrides ingress.host; sanitised to DNS rules
    gateway_api: bool = False  # an HTTPRoute instead of an Ingress
    gateway: str = "gateway"  # parent Gateway, NAME or NAMESPACE/NAME
    network_policy: bool = False
    external_secrets: bool = False
    secret_store: str | None = None  # ClusterSecretStore for ExternalSecrets
    storage_size: str = "1Gi"  # size of each generated PersistentVolumeClaim
    persona: bool = True  # applicationpersona.yaml + PERSONA.md per app component
    exports: frozenset[str] = frozenset()  # opt-in: "backstage", "score"
    output_format: OutputFormat = OutputFormat.KUSTOMIZE
    layout: Layout = Layout()
    argocd: bool = True  # argocd-application.yaml in the output directory
    argocd_project: str = "default"
    argocd_namespace: str = "argocd"  # where Argo CD watches Applications
    argocd_auto_sync: bool = False  # syncPolicy.automated (prune, selfHeal)
    ci: frozenset[CiProvider] = frozenset({CiProvider.GITHUB})  # empty: no CI files
    anomaly_rules: bool = True  # monitoring/anomaly-rules*.yaml per long-running app component
    observability: bool = (
        True  # monitors, SLO and health rules under monitoring/ (observability.py)
    )


NameSanitizer = Callable[[str], str]
"""Turns any text into a DNS-1123 label of at most 63 characters ('' when nothing is left).
The service layer passes ``dorgu.settings.sanitize_name`` so every name follows one rule."""


@dataclass(frozen=True)
class GenerationRequest:
    """Everything ``generate_manifests`` reads.  ``components`` excludes external ones."""

    model: AppModel
    settings: EffectiveSettings
    components: tuple[ComponentInput, ...]
    app_name: str
    sanitize_name: NameSanitizer
    options: GenerationOptions = field(default_factory=GenerationOptions)
    external: frozenset[str] = frozenset()  # dependency names provided outside the cluster
