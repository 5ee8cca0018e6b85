"""Manifest generation, pure: an application model, effective settings and a few decisions made
by the service layer in; Kubernetes manifests as plain dicts, diagnostics and YAML text out.

Entry point: ``generate_manifests(request)`` (``generating.py``); the generators it runs are
listed explicitly in ``registry.py``; ``rendering.py`` turns the result into files.

Must not open files, read the environment, run processes, print, or import ``dorgu.analysis``
or ``dorgu.settings`` (siblings in layer 1): the service layer (``dorgu.services.generating``)
resolves names, git facts, secret decisions and mounted file texts and passes them in.
"""

from dorgu.generation.generating import generate_manifests
from dorgu.generation.inputs import (
    CiProvider,
    ComponentInput,
    GenerationOptions,
    GenerationRequest,
    GitInfo,
    Layout,
    MountedFile,
    OutputFormat,
)
from dorgu.generation.manifests import (
    FileRoot,
    GeneratedDocument,
    GeneratedResource,
    GenerationResult,
    Manifest,
)
from dorgu.generation.rendering import RenderedFile, render_files, render_manifests, render_stream

__all__ = [
    "CiProvider",
    "ComponentInput",
    "FileRoot",
    "GeneratedDocument",
    "GeneratedResource",
    "GenerationOptions",
    "GenerationRequest",
    "GenerationResult",
    "GitInfo",
    "Layout",
    "Manifest",
    "MountedFile",
    "OutputFormat",
    "RenderedFile",
    "generate_manifests",
    "render_files",
    "render_manifests",
    "render_stream",
]
