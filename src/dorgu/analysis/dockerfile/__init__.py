"""The Dockerfile parser: text in, ``DockerfileInfo`` out.

Modules, in the order text flows through them: ``lexing`` (directives, continuations,
heredocs) -> ``instructions`` (keyword, flags; ``splitting`` for words and JSON) ->
``starting`` (FROM) and ``dispatching`` (everything else, with ``declaring`` for ENV/ARG/LABEL,
``commanding`` for CMD/ENTRYPOINT/SHELL/HEALTHCHECK, ``scoping``/``substituting``/``globbing``
for variable expansion, ``stages`` for per-stage state, ``redacting`` for secrets) ->
``assembling`` (result and evidence).  ``parsing`` holds the public entry point.

Must not: open files, read the environment, print, or store secret values.
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.parsing import parse_dockerfile
from dorgu.analysis.dockerfile.results import BuildArg, CopyFrom, DockerfileInfo, Stage

__all__ = ["BuildArg", "CopyFrom", "DockerfileInfo", "Stage", "parse_dockerfile"]
