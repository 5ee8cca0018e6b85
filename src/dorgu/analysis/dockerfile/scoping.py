"""Which variables an instruction can see, and expanding words with diagnostics.

Docker's rules: global ARGs (before the first FROM) are visible only in FROM lines; inside a
stage an ARG must be (re)declared to be visible; ENV beats ARG of the same name; a stage built
on an earlier stage sees that stage's ARGs and ENV.  Platform ARGs (``TARGETPLATFORM`` ...) are
predefined with values only the builder knows, so their references are kept verbatim.

Must not: store secret values (secret variables enter scopes as ``VarKind.SECRET`` with no
value) or decide anything about instruction semantics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from dorgu.analysis.dockerfile.diagnosing import Diagnostics
from dorgu.analysis.dockerfile.results import BuildArg
from dorgu.analysis.dockerfile.stages import StageState
from dorgu.analysis.dockerfile.substituting import Expansion, Var, VarKind, expand
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import LimitExceededError

AUTOMATIC_ARGS = frozenset(
    {
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "TARGETSTAGE",
    }
)
# Set by nearly every base image: kept as written without a diagnostic.
BASE_IMAGE_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "HOSTNAME",
        "LANG",
        "LC_ALL",
        "LD_LIBRARY_PATH",
        "JAVA_HOME",
        "GOPATH",
        "PYTHONPATH",
        "NODE_PATH",
    }
)
_SHOWN = 60
MAX_TOTAL_EXPANSION = 4 * 1024 * 1024  # characters substituted over a whole Dockerfile


def shown(text: str) -> str:
    """User text shortened for a diagnostic message."""
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


@dataclass
class Build:
    """Shared state of one parse: where we are, global ARGs, stages so far, collected output."""

    file: str
    escape: str
    diagnostics: Diagnostics
    build_args: Mapping[str, str]
    meta: dict[str, Var] = field(default_factory=dict)
    used_build_args: set[str] = field(default_factory=set)
    arg_records: list[BuildArg] = field(default_factory=list)
    stages: list[StageState] = field(default_factory=list)
    stage_names: dict[str, int] = field(default_factory=dict)  # first stage with each name
    expanded: int = 0
    # Values of secret ENVs/ARGs seen so far: only to replace repeats of them in later commands
    # by references (``dorgu.analysis.scrubbing``); never stored in results.
    secret_values: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in AUTOMATIC_ARGS:
            self.meta[name] = self.build_arg_var(name) or Var(VarKind.OPAQUE)

    def build_arg_var(self, name: str) -> Var | None:
        """The ``--build-arg`` value for ``name`` as a scope variable, marking it used."""
        if name not in self.build_args:
            return None
        self.used_build_args.add(name)
        value = self.build_args[name]
        if looks_secret(name, value):
            self.secret_values.setdefault(name, value)
            return Var(VarKind.SECRET)
        return Var(VarKind.VALUE, value)


class StageScope(Mapping[str, Var]):
    """Variables visible inside a stage, looked up lazily: ENV, then ARGs, then hidden globals.

    A view, not a copy: building a dict per expansion would make long Dockerfiles quadratic.
    """

    def __init__(self, build: Build, stage: StageState) -> None:
        self._meta = build.meta
        self._stage = stage

    def __getitem__(self, name: str) -> Var:
        entry = self._stage.env.get(name)
        if entry is not None:
            if entry.secret or entry.value is None:
                return Var(VarKind.SECRET)
            return Var(VarKind.VALUE, entry.value)
        var = self._stage.args.get(name)
        if var is not None:
            return var
        if name in self._meta:
            return Var(VarKind.HIDDEN)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._stage.env, *self._stage.args, *self._meta]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def expand_word(
    build: Build,
    text: str,
    *,
    line: int,
    stage: StageState | None,
    scope: Mapping[str, Var] | None = None,
) -> Expansion:
    """Expand ``text`` in ``stage`` (or in FROM-line scope when None), reporting problems."""
    if scope is None:
        scope = build.meta if stage is None else StageScope(build, stage)
    keep = stage is not None and not stage.from_scratch
    result = expand(text, scope, build.escape, keep_undefined=keep)
    build.expanded += result.size
    if build.expanded > MAX_TOTAL_EXPANSION:
        raise LimitExceededError(
            f"{build.file}: variable expansion produces more than "
            f"{MAX_TOTAL_EXPANSION // (1024 * 1024)} MiB of text",
            hint="check for large ENV/ARG values referenced many times",
        )
    diagnostics = build.diagnostics
    for problem in result.problems:
        # The text itself is not shown: it may hold a literal secret value.
        diagnostics.add("substitution", f"variable substitution: {problem}", line)
    for name in result.hidden:
        kind = "a predefined platform ARG" if name in AUTOMATIC_ARGS else "a global ARG"
        diagnostics.add(
            "global-arg-not-redeclared",
            f"${name} is {kind} and is empty inside a stage; "
            f"add 'ARG {name}' inside the stage to use it",
            line,
        )
    for name in result.undefined:
        if keep and name in BASE_IMAGE_VARIABLES:
            continue
        if keep:
            diagnostics.info(
                "base-image-variable",
                f"${name} is not declared in this Dockerfile; it may come from the base "
                "image, so it is kept as written",
                line,
            )
        else:
            diagnostics.add(
                "undefined-variable",
                f"${name} is not declared; Docker substitutes the empty string",
                line,
            )
    return result
