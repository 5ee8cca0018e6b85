"""``dorgu generate``: analyse an app, resolve settings, read git facts (tag, sha, branch,
remote) and mounted files, decide where things are relative to the repository root, run the
pure generators, and write the output atomically (``writing.py``): manifests and the Argo CD
Application into the output directory, CI files at the repository root.

Existing files are never overwritten without ``force``; ``diff`` shows what would change
instead of writing; ``dry_run`` only returns the stream.  Files an earlier run generated into
the output directory and this run no longer produces (stale, found from the record dorgu keeps
there: ``pruning.py``) are removed with ``force``, shown as deleted by ``diff``, and otherwise
kept and reported.

Must not print: the CLI shows the outcome.
"""

from __future__ import annotations

import logging
import posixpath
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dorgu.analysis.catalog import backing_for_image
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import InputError, OutputError, UsageError
from dorgu.formats.text import decode_text
from dorgu.generation import (
    ComponentInput,
    FileRoot,
    GenerationOptions,
    GenerationRequest,
    GenerationResult,
    GitInfo,
    Layout,
    MountedFile,
    OutputFormat,
    RenderedFile,
    generate_manifests,
    render_files,
    render_manifests,
    render_stream,
)
from dorgu.generation.gitops import without_credentials
from dorgu.models.app import AppModel, Component, ComponentKind, VolumeKind
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.services.analyzing import analyze_path
from dorgu.services.configuring import detect_repository, find_git_root, load_settings
from dorgu.services.mounted_dirs import read_mounted_directory
from dorgu.services.pruning import StaleFile, find_stale
from dorgu.services.secretfiles import env_file_secrets, holds_secret
from dorgu.services.validating import check_generated, monitoring_objects
from dorgu.services.writing import diff_files, target_of, write_files
from dorgu.settings import resource_name, sanitize_name

if TYPE_CHECKING:
    from dorgu.services.charts import ChartRenderer

logger = logging.getLogger(__name__)

DEFAULT_OUTPUT = "k8s"
MAX_MOUNTED_FILE_BYTES = 256 * 1024
GIT_TIMEOUT_SECONDS = 5.0
_SECRET_FILE_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx")
_SECRET_FILE_NAMES = ("id_rsa", "id_ed25519", "id_ecdsa", ".htpasswd", ".netrc", ".pgpass")


@dataclass(frozen=True)
class GenerateRequest:
    """What ``dorgu generate`` was asked to do.  ``flags`` are settings keys given as flags
    (``namespace``, ``image.tag``, ``ingress.enabled`` ...; None means not given)."""

    path: Path = Path(".")
    output: Path | None = None
    flags: Mapping[str, object] = field(default_factory=dict)
    options: GenerationOptions = field(default_factory=GenerationOptions)
    force: bool = False
    dry_run: bool = False
    diff: bool = False  # compute ``GenerateOutcome.diff`` instead of writing
    profiles: Sequence[str] = ()


@dataclass(frozen=True)
class GenerateOutcome:
    """What happened.  ``written`` is empty on a dry run or a diff; ``stream`` is the YAML
    stream (applied objects, then the persona); ``diff`` the unified diff when asked.
    ``stale``: the files an earlier run generated that this one does not (not looked for on a
    dry run), of which ``removed`` were removed (only with ``force``, only removable ones)."""

    model: AppModel
    result: GenerationResult
    files: tuple[RenderedFile, ...]
    output_dir: Path
    written: tuple[Path, ...] = ()
    stream: str = ""
    warnings: tuple[str, ...] = ()
    repository_root: Path = Path(".")
    diff: str = ""
    stale: tuple[StaleFile, ...] = ()
    removed: tuple[Path, ...] = ()

    def target(self, file: RenderedFile) -> Path:
        """Where ``file`` is (or would be) written."""
        return target_of(file, output_dir=self.output_dir, repository_root=self.repository_root)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Analysis warnings and errors, then generation diagnostics."""
        analysis = tuple(d for d in self.model.diagnostics if d.severity is not Severity.INFO)
        return analysis + self.result.diagnostics


def generate(
    request: GenerateRequest,
    *,
    environ: Mapping[str, str] | None = None,
    git: GitInfo | None = None,
    stop_at: Path | None = None,
    enhance: Callable[[AppModel, EffectiveSettings], AppModel] | None = None,
    repository_root: Path | None = None,
    charts: ChartRenderer | None = None,
) -> GenerateOutcome:
    """Generate (and unless ``dry_run`` or ``diff``, write) the output for the app at
    ``request.path``.

    ``environ`` is used for ``DORGU_*`` settings and compose interpolation (default: the
    process environment); ``git`` replaces reading the repository (tests, reproducible runs);
    ``stop_at`` bounds the workspace-file search; ``enhance`` (the optional LLM enhancer) may
    raise the analysis before generation, never lower it: user-stated values still win;
    ``repository_root`` replaces the git root as the base of the Argo CD path and CI files;
    ``charts`` renders the Helm charts of the app for analysis (``services.charts``).
    """
    root = request.path
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory", hint="pass the app directory")
    resolved = load_settings(root, flags=request.flags, environ=environ, stop_at=stop_at)
    model = analyze_path(
        root,
        name=resolved.settings.app.name,
        profiles=request.profiles,
        environment=environ,
        settings=resolved,
        charts=charts,
    )
    if enhance is not None:
        model = enhance(model, resolved.settings)
    settings = _with_app_name(resolved.settings, model.name)
    for url_field in _CREDENTIAL_NOTES:
        settings = _without_url_credentials(settings, model, url_field)
    output_dir = resolve_output(root, request.output)
    _warn_descriptions_in_output(model, root=root, output_dir=output_dir)
    repository = (repository_root or project_root(root)).resolve()
    if git is None:
        git = read_git_info(root)
    layout = Layout(
        app_dir=_relative(root.resolve(), repository),
        output_dir=_relative(output_dir, repository),
    )
    options = replace(request.options, git=git, layout=layout)
    generation = build_generation_request(model, settings, root=root, options=options)
    result = generate_manifests(generation)
    # -- rule engine self-check: the checks of `dorgu validate`, reported as warnings ---------
    applied: list[Mapping[str, object]] = [r.manifest for r in result.resources if not r.template]
    applied += monitoring_objects(result.documents)
    checks = check_generated(applied, now=datetime.now(UTC), stated_images=result.unpinned_images)
    result = replace(result, diagnostics=result.diagnostics + checks)
    # -- end of the rule engine self-check -----------------------------------------------------
    kustomize = options.output_format is OutputFormat.KUSTOMIZE
    texts = render_manifests(result)  # each object once, for the files and the stream
    files = tuple(
        render_files(result, namespace=settings.namespace, kustomize=kustomize, texts=texts)
    )
    outcome = GenerateOutcome(
        model=model,
        result=result,
        files=files,
        output_dir=output_dir,
        stream=render_stream(result, documents=True, texts=texts),
        warnings=resolved.warnings,
        repository_root=repository,
    )
    if request.dry_run:
        return outcome
    _refuse_errors(checks)
    stale = find_stale(output_dir, (f.path for f in files if f.root is FileRoot.OUTPUT))
    outcome = replace(outcome, stale=stale.files, warnings=outcome.warnings + stale.warnings)
    if request.diff:
        text = diff_files(output_dir, files, repository_root=repository, removed=stale.removable)
        return replace(outcome, diff=text)
    written = write_files(
        output_dir, files, repository_root=repository, force=request.force, stale=stale.files
    )
    removed = tuple(s.target for s in stale.removable) if request.force else ()
    return replace(outcome, written=written, removed=removed)


def _warn_descriptions_in_output(model: AppModel, *, root: Path, output_dir: Path) -> None:
    """The output directory holds the user's own manifests (read as evidence): ``--force``
    would overwrite them, so say so before anything is written."""
    try:
        folder = output_dir.relative_to(root.resolve()).as_posix()
    except ValueError:
        return
    files = sorted(
        {
            e.location.file
            for e in model.evidence
            if e.location is not None
            and e.rule.startswith(("k8s.", "helm."))
            and e.location.file.startswith(folder + "/")
        }
    )
    if files:
        model.diagnostics.append(
            Diagnostic(
                severity=Severity.WARNING,
                code="generate.output-holds-descriptions",
                message=f"{folder}/ holds your own manifests ({', '.join(files[:3])}), read as "
                "evidence; generate into another directory (-o) so they are never overwritten",
                location=Location(file=files[0]),
            )
        )


def _refuse_errors(checks: Sequence[Diagnostic]) -> None:
    """Output that fails an error rule of the engine is never written (issue 4)."""
    errors = [d for d in checks if d.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise OutputError(
            f"the generated manifests fail rule {first.code}: {first.message}{more}; "
            "nothing was written",
            hint="change the setting or flag that causes it, or see --dry-run for the output",
        )


def _relative(path: Path, root: Path) -> str:
    """``path`` as POSIX relative to ``root`` (``.`` for the root itself)."""
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        raise UsageError(
            f"{path}: not inside the repository root {root}",
            hint="run dorgu generate on an app inside the repository",
        ) from None


def _with_app_name(settings: EffectiveSettings, name: str) -> EffectiveSettings:
    if settings.app.name:
        return settings
    return settings.model_copy(update={"app": settings.app.model_copy(update={"name": name})})


_CREDENTIAL_NOTES = {
    "repository": "give Argo CD its own repository credentials",  # reaches the Application
    "runbook": "the alerts and the persona carry it",  # labels go to Alertmanager's receivers
}


def _without_url_credentials(
    settings: EffectiveSettings, model: AppModel, name: str
) -> EffectiveSettings:
    """``app.<name>`` (a URL) reaches the output: never with a password or token in it."""
    value = getattr(settings.app, name)
    if not value:
        return settings
    cleaned, stripped = without_credentials(value)
    if not stripped:
        return settings
    model.diagnostics.append(
        Diagnostic(
            severity=Severity.WARNING,
            code=f"generate.{name}-credentials",
            message=f"app.{name} contains credentials; they were left out of the output "
            f"(remove them from the setting; {_CREDENTIAL_NOTES[name]})",
        )
    )
    app = settings.app.model_copy(update={name: cleaned})
    return settings.model_copy(update={"app": app})


# -- building the pure request ----------------------------------------------------------------


def build_generation_request(
    model: AppModel, settings: EffectiveSettings, *, root: Path, options: GenerationOptions
) -> GenerationRequest:
    """Decide names, secret keys, backing kinds and mounted file texts for every component."""
    external = frozenset(d.name for d in settings.dependencies if d.external)
    components = [c for c in model.components if c.name not in external]
    for skipped in (c for c in model.components if c.name in external):
        model.diagnostics.append(
            Diagnostic(
                severity=Severity.INFO,
                code="generate.external-dependency",
                message=f"{skipped.name}: marked external in dependencies; not generated",
            )
        )
    multi = len(components) > 1
    inputs = []
    for component in components:
        name = resource_name(settings, component=component.name if multi else None)
        inputs.append(
            ComponentInput(
                component=component,
                name=name,
                service_name=(sanitize_name(component.name) or name) if multi else name,
                backing_kind=_backing_kind(component),
                secret_names=secret_names(component, settings),
                files=read_mounted_files(component, root=root),
            )
        )
    return GenerationRequest(
        model=model,
        settings=settings,
        components=tuple(inputs),
        app_name=settings.app.name or model.name,
        sanitize_name=sanitize_name,
        options=options,
        external=external,
    )


def _backing_kind(component: Component) -> str | None:
    """The catalog kind of an image-only service, or of a service built on one (FROM mysql)."""
    image = component.image if component.kind is not ComponentKind.APP else component.base_image
    if not image:
        return None
    backing = backing_for_image(image)
    if backing is None or (component.kind is ComponentKind.APP and component.language):
        return None
    return backing.kind


def secret_names(component: Component, settings: EffectiveSettings) -> frozenset[str]:
    """Env and config keys of ``component`` that must only be Secret references."""
    names = {v.name for v in component.env if v.secret or looks_secret(v.name, v.value)}
    names.update(key for key in component.config_keys if looks_secret(key))
    if component.kind is ComponentKind.APP:
        names.update(key for key, value in settings.env.items() if looks_secret(key, value))
    return frozenset(names)


def _file_looks_secret(name: str, text: str) -> bool:
    base = name.lower()
    if base.endswith(_SECRET_FILE_SUFFIXES) or base in _SECRET_FILE_NAMES:
        return True
    if base == ".env" or base.startswith(".env."):
        return True
    stem = base.rsplit(".", 1)[0].upper().replace("-", "_")
    return looks_secret(stem, text)


def read_mounted_files(component: Component, *, root: Path) -> tuple[MountedFile, ...]:
    """The bind-mounted regular files of ``component`` inside ``root``, with their text when
    it is small, UTF-8 and not secret-looking (nor holding a secret value of its env files).
    Directories and missing paths are left out."""
    files: list[MountedFile] = []
    secret_values = env_file_secrets(component, root=root) if component.volumes else ()
    real_root = root.resolve()
    for volume in component.volumes:
        if volume.kind is not VolumeKind.BIND or not volume.source:
            continue
        source = volume.source
        candidate = (root / source).resolve()
        try:
            candidate.relative_to(real_root)
        except ValueError:
            logger.debug("bind mount %s leaves the project; not copied", source)
            files.append(MountedFile(source=source, text=None))
            continue
        if candidate.is_dir() and not (root / source).is_symlink():
            files.extend(read_mounted_directory(source, candidate, looks_secret=_file_looks_secret))
            continue
        if not candidate.is_file():
            continue
        try:
            if candidate.stat().st_size > MAX_MOUNTED_FILE_BYTES:
                files.append(MountedFile(source=source, text=None))
                continue
            text = decode_text(candidate.read_bytes(), file=source)
        except (OSError, InputError) as e:
            logger.debug("cannot copy %s: %s", source, e)
            files.append(MountedFile(source=source, text=None))
            continue
        if _file_looks_secret(posixpath.basename(source), text) or holds_secret(
            text, secret_values
        ):
            files.append(MountedFile(source=source, text=None, secret=True))
        else:
            files.append(MountedFile(source=source, text=text))
    return tuple(files)


# -- git ------------------------------------------------------------------------------------


def read_git_info(path: Path) -> GitInfo:
    """Tag at HEAD, short sha, branch, default branch and remote (https, no credentials) of
    the repository holding ``path`` (all None when it is not a git checkout; only the remote
    when git is not installed)."""
    if find_git_root(path) is None:
        return GitInfo()
    remote = detect_repository(path)
    if shutil.which("git") is None:
        return GitInfo(remote=remote)

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(path), *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as e:
            logger.debug("git %s failed: %s", " ".join(args), e)
            return None
        value = done.stdout.strip()
        return value if done.returncode == 0 and value else None

    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    origin_head = git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    return GitInfo(
        tag=git("describe", "--tags", "--exact-match", "HEAD"),
        short_sha=git("rev-parse", "--short", "HEAD"),
        branch=None if branch == "HEAD" else branch,
        default_branch=origin_head.removeprefix("origin/") if origin_head else None,
        remote=remote,
    )


# -- output ---------------------------------------------------------------------------------


def project_root(app: Path) -> Path:
    """The git root holding the app, else the app directory itself."""
    return find_git_root(app) or app.resolve()


def resolve_output(app: Path, output: Path | None) -> Path:
    """``output`` resolved against the app directory (default ``k8s``); must stay inside the
    project root (``OutputError`` otherwise)."""
    target = app / (output if output is not None else Path(DEFAULT_OUTPUT))
    resolved = target.resolve()
    root = project_root(app)
    try:
        resolved.relative_to(root)
    except ValueError:
        raise OutputError(
            f"{target}: outside the project root {root}",
            hint="pass an --output directory inside the project (relative paths start at the app)",
        ) from None
    if resolved == root or resolved == app.resolve():
        raise OutputError(
            f"{target}: refusing to write manifests into the project root",
            hint="pass an --output directory such as k8s",
        )
    return resolved


def diagnostic_line(diagnostic: Diagnostic, *, root: str) -> str:
    """One line: ``root/file:line: severity: message [code]`` (location when known)."""
    location = diagnostic.location
    if location is not None:
        shown = Location(file=posixpath.join(root, location.file), line=location.line)
        return str(diagnostic.model_copy(update={"location": shown}))
    return str(diagnostic)
