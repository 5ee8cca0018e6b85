"""``dorgu generate``: analyse an app, resolve settings, read git facts and mounted files, run the
pure generators, and write the output atomically.

Writing: everything is rendered in memory first, then written into a temporary directory next
to the output directory, then moved into place (a new output directory is renamed in one step;
an existing one gets each file replaced with ``os.replace``).  Existing files are never
overwritten without ``force``: ``OutputError`` names the first conflicting file.  On any error
the temporary directory is removed and nothing is left half-written.

Must not print: the CLI shows the outcome.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from dorgu.analysis.catalog import backing_for_image
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import InputError, OutputError, UsageError
from dorgu.formats.text import decode_text
from dorgu.generation import (
    ComponentInput,
    GenerationOptions,
    GenerationRequest,
    GenerationResult,
    GitInfo,
    MountedFile,
    RenderedFile,
    generate_manifests,
    render_files,
    render_stream,
)
from dorgu.models.app import AppModel, Component, ComponentKind, VolumeKind
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.services.analyzing import analyze_path
from dorgu.services.configuring import display_path, find_git_root, load_settings
from dorgu.services.validating import check_generated
from dorgu.settings import resource_name, sanitize_name

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
    profiles: Sequence[str] = ()


@dataclass(frozen=True)
class GenerateOutcome:
    """What happened.  ``written`` is empty on a dry run; ``stream`` is the YAML stream."""

    model: AppModel
    result: GenerationResult
    files: tuple[RenderedFile, ...]
    output_dir: Path
    written: tuple[Path, ...] = ()
    stream: str = ""
    warnings: tuple[str, ...] = ()

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
) -> GenerateOutcome:
    """Generate (and unless ``dry_run``, write) the manifests for the app at ``request.path``.

    ``environ`` is used for ``DORGU_*`` settings and compose interpolation (default: the
    process environment); ``git`` replaces reading the repository (tests, reproducible runs);
    ``stop_at`` bounds the workspace-file search; ``enhance`` (the optional LLM enhancer) may
    raise the analysis before generation, never lower it: user-stated values still win.
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
    )
    if enhance is not None:
        model = enhance(model, resolved.settings)
    settings = _with_app_name(resolved.settings, model.name)
    options = request.options
    if git is None:
        git = read_git_info(root)
    options = replace(options, git=git)
    generation = build_generation_request(model, settings, root=root, options=options)
    result = generate_manifests(generation)
    # -- rule engine self-check: the checks of `dorgu validate`, reported as warnings ---------
    applied = [r.manifest for r in result.resources if not r.template]
    checks = check_generated(applied, now=datetime.now(UTC))
    result = replace(result, diagnostics=result.diagnostics + checks)
    # -- end of the rule engine self-check -----------------------------------------------------
    files = tuple(render_files(result, namespace=settings.namespace))
    output_dir = resolve_output(root, request.output)
    outcome = GenerateOutcome(
        model=model,
        result=result,
        files=files,
        output_dir=output_dir,
        stream=render_stream(result),
        warnings=resolved.warnings,
    )
    if request.dry_run:
        return outcome
    written = write_output(output_dir, files, force=request.force)
    return replace(outcome, written=written)


def _with_app_name(settings: EffectiveSettings, name: str) -> EffectiveSettings:
    if settings.app.name:
        return settings
    return settings.model_copy(update={"app": settings.app.model_copy(update={"name": name})})


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
    if component.kind is ComponentKind.APP or not component.image:
        return None
    backing = backing_for_image(component.image)
    return backing.kind if backing else None


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
    it is small, UTF-8 and not secret-looking.  Directories and missing paths are left out."""
    files: list[MountedFile] = []
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
        if _file_looks_secret(posixpath.basename(source), text):
            files.append(MountedFile(source=source, text=None, secret=True))
        else:
            files.append(MountedFile(source=source, text=text))
    return tuple(files)


# -- git ------------------------------------------------------------------------------------


def read_git_info(path: Path) -> GitInfo:
    """Tag at HEAD, short sha and branch of the repository holding ``path`` (all None when it
    is not a git checkout or git is not installed)."""
    if find_git_root(path) is None or shutil.which("git") is None:
        return GitInfo()

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
    return GitInfo(
        tag=git("describe", "--tags", "--exact-match", "HEAD"),
        short_sha=git("rev-parse", "--short", "HEAD"),
        branch=None if branch == "HEAD" else branch,
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


def write_output(
    output_dir: Path, files: Sequence[RenderedFile], *, force: bool
) -> tuple[Path, ...]:
    """Write ``files`` under ``output_dir`` atomically; refuse to overwrite unless ``force``."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"{output_dir}: exists and is not a directory", hint="pass --output")
    targets = [output_dir / f.path for f in files]
    if not force:
        for target in targets:
            if target.exists() or target.is_symlink():
                raise OutputError(
                    f"{display_path(target)}: already exists",
                    hint="pass --force to overwrite the generated files",
                )
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}."))
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror}") from e
    try:
        for rendered in files:
            path = staging / rendered.path
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(rendered.text)
            os.chmod(path, 0o644)
        if not output_dir.exists():
            os.chmod(staging, 0o755)
            os.replace(staging, output_dir)
        else:
            for rendered in files:
                target = output_dir / rendered.path
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rendered.path, target)
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(OSError):
            if staging.exists():
                shutil.rmtree(staging)
    return tuple(targets)


def diagnostic_line(diagnostic: Diagnostic, *, root: str) -> str:
    """One line: ``root/file:line: severity: message [code]`` (location when known)."""
    location = diagnostic.location
    if location is not None:
        shown = Location(file=posixpath.join(root, location.file), line=location.line)
        return str(diagnostic.model_copy(update={"location": shown}))
    return str(diagnostic)
