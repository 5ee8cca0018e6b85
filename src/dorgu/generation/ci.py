"""CI files for the app: what to build (one ``BuildTarget`` per component built from source),
which registry each image goes to, which branches trigger, and the table of CI providers.

The providers render text in ``ci_github.py`` (``.github/workflows/dorgu-<app>.yaml``) and
``ci_gitlab.py`` (``.gitlab/ci/dorgu-<app>.gitlab-ci.yml``); both paths are relative to the
repository root, where GitHub and GitLab look for them, so the service writes them there (not
in the output directory), with the same never-overwrite and atomic guarantees.

Must not read files, git or the environment, and must never put a secret value in the text:
credentials are only ever references (``${{ secrets.X }}``, ``$X`` CI variables).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from dorgu.generation.diagnosing import warning
from dorgu.generation.images import ImageRef, parse_image
from dorgu.generation.inputs import CiProvider, OutputFormat
from dorgu.generation.manifests import FileRoot, GeneratedDocument
from dorgu.generation.planning import AppPlan
from dorgu.models.app import ComponentKind
from dorgu.models.evidence import Diagnostic
from dorgu.models.patterns import LazyPattern

DOCKER_HUB = "docker.io"
FALLBACK_BRANCH = "main"
_ECR = LazyPattern(r"^\d+\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
_GCP = LazyPattern(r"^(?:[a-z0-9-]+\.)?gcr\.io$|^[a-z0-9-]+-docker\.pkg\.dev$")


class RegistryKind(StrEnum):
    GHCR = "ghcr"
    DOCKER_HUB = "dockerhub"
    ECR = "ecr"
    GCP = "gcp"  # Container Registry and Artifact Registry
    GITLAB = "gitlab"
    OTHER = "other"


@dataclass(frozen=True)
class Registry:
    host: str
    kind: RegistryKind
    region: str | None = None  # ECR only


@dataclass(frozen=True)
class BuildTarget:
    """One image to build: paths are POSIX, relative to the repository root."""

    component: str
    image: str  # without tag: ghcr.io/acme/shop/api
    registry: Registry
    context: str
    dockerfile: str
    target: str | None = None


@dataclass(frozen=True)
class CiPlan:
    """Everything a provider renders from."""

    app: str  # sanitised app name, part of the file and job names
    targets: tuple[BuildTarget, ...]
    branches: tuple[str, ...]  # push triggers: the current branch (and the default branch)
    app_dir: str
    output_dir: str
    kustomize: bool  # the bump uses `kustomize edit set image` (else sed on the YAML files)

    @property
    def registries(self) -> tuple[Registry, ...]:
        return tuple(dict.fromkeys(t.registry for t in self.targets))


def registry_of(host: str | None) -> Registry:
    """The registry an image host belongs to (None: Docker Hub)."""
    host = (host or DOCKER_HUB).lower()
    if host in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        return Registry(DOCKER_HUB, RegistryKind.DOCKER_HUB)
    if host == "ghcr.io":
        return Registry(host, RegistryKind.GHCR)
    if host == "registry.gitlab.com":
        return Registry(host, RegistryKind.GITLAB)
    ecr = _ECR.match(host)
    if ecr:
        return Registry(host, RegistryKind.ECR, region=ecr.group(1))
    if _GCP.match(host):
        return Registry(host, RegistryKind.GCP)
    return Registry(host, RegistryKind.OTHER)


def _repo_path(app_dir: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(app_dir, path))
    return "." if joined in ("", ".") else joined


def plan_ci(app: AppPlan) -> tuple[CiPlan, list[Diagnostic]]:
    request = app.request
    options = request.options
    layout = options.layout
    diagnostics: list[Diagnostic] = []
    targets: list[BuildTarget] = []
    for plan in app.components:
        component = plan.component
        if component.kind is not ComponentKind.APP:
            continue
        ref = parse_image(plan.image.image)
        image = str(ImageRef(ref.repository, registry=ref.registry))
        if any(t.image == image for t in targets):
            continue  # one image run by several components (Procfile processes) is built once
        build = component.build
        if build is None:
            context = component.path
            dockerfile = posixpath.join(component.path, "Dockerfile")
            diagnostics.append(
                warning(
                    "ci-no-dockerfile",
                    f"{component.name}: no Dockerfile was found; the CI build assumes "
                    f"{_repo_path(layout.app_dir, dockerfile)} (add one, or edit the workflow)",
                )
            )
        else:
            context = build.context
            dockerfile = build.dockerfile or posixpath.join(build.context, "Dockerfile")
        targets.append(
            BuildTarget(
                component=component.name,
                image=image,
                registry=registry_of(ref.registry),
                context=_repo_path(layout.app_dir, context),
                dockerfile=_repo_path(layout.app_dir, dockerfile),
                target=build.target if build else None,
            )
        )
    git = options.git
    branches = [b for b in (git.branch, git.default_branch) if b]
    if not branches:
        branches = [FALLBACK_BRANCH]
        diagnostics.append(
            warning(
                "ci-no-branch",
                f"no current git branch, so the CI files trigger on pushes to "
                f"{FALLBACK_BRANCH}; edit them if your branch has another name",
            )
        )
    name = request.sanitize_name(request.app_name) or "app"
    ci = CiPlan(
        app=name,
        targets=tuple(targets),
        branches=tuple(dict.fromkeys(branches)),
        app_dir=layout.app_dir,
        output_dir=layout.output_dir,
        kustomize=options.output_format is OutputFormat.KUSTOMIZE,
    )
    return ci, diagnostics


def sed_image_pattern(image: str) -> str:
    """An ERE matching ``image: <image>`` with any tag, for the bump without kustomize."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", image)


def bump_commands(ci: CiPlan, *, tag: str) -> list[str]:
    """Shell lines, run in the repository root, that set every built image to ``tag``."""
    if ci.kustomize:
        lines = [f'cd "{ci.output_dir}"']
        lines += [f'kustomize edit set image "{t.image}={t.image}:{tag}"' for t in ci.targets]
        return lines
    return [
        f"find \"{ci.output_dir}\" -name '*.yaml' ! -name '*.template.yaml' -exec sed -i -E "
        f'"s#(image: ){sed_image_pattern(t.image)}(:[^[:space:]@]+)?\\$#\\1{t.image}:{tag}#" {{}} +'
        for t in ci.targets
    ]


@dataclass(frozen=True)
class CiRenderer:
    """One CI provider: ``render`` gives (path from the repository root, text); ``note`` is
    shown next to the file in the summary."""

    render: Callable[[CiPlan], tuple[str, str]]
    note: str


def build_ci_files(
    app: AppPlan, *, providers: Mapping[CiProvider, CiRenderer]
) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    """The CI files of the providers in ``options.ci`` (none for an app with nothing to build)."""
    options = app.request.options
    if not options.ci:
        return [], []
    ci, diagnostics = plan_ci(app)
    if not ci.targets:
        diagnostics.append(
            warning(
                "ci-nothing-to-build",
                "no component is built from source, so no CI file was generated",
            )
        )
        return [], diagnostics
    documents = []
    for provider in sorted(options.ci):
        renderer = providers[provider]
        path, text = renderer.render(ci)
        documents.append(
            GeneratedDocument(path, text, root=FileRoot.REPOSITORY, note=renderer.note)
        )
    return documents, diagnostics
