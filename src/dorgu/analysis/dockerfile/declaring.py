"""ENV, ARG and LABEL: the ``name=value`` instructions.

``ENV a=1 b="two words"`` and the legacy ``ENV name value with spaces``; all pairs of one
instruction are expanded against the variables as they were before it (Docker's rule).
Must not: keep a secret value anywhere (secret ENV/ARG values become None, a secret-looking
LABEL value becomes ``<redacted>``), or touch instructions other than these three.
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.instructions import Instruction
from dorgu.analysis.dockerfile.redacting import carries_secret
from dorgu.analysis.dockerfile.results import REDACTED, BuildArg
from dorgu.analysis.dockerfile.scoping import AUTOMATIC_ARGS, Build, expand_word, shown
from dorgu.analysis.dockerfile.splitting import split_words
from dorgu.analysis.dockerfile.stages import EnvEntry, StageState
from dorgu.analysis.dockerfile.substituting import Var, VarKind
from dorgu.analysis.secrets import looks_secret
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_ARG_NAME = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_WHITESPACE = LazyPattern(r"[ \t\v\f\r\n]+")


def _pairs(instruction: Instruction, build: Build) -> list[tuple[str, str]]:
    """The raw (name, value) pairs of an ENV or LABEL, in both syntaxes."""
    keyword = instruction.keyword.upper()
    words = split_words(instruction.rest, build.escape)
    line = instruction.line
    if not words:
        build.diagnostics.add("syntax", f"{keyword} requires at least one argument", line)
        return []
    if "=" not in words[0].text:
        parts = _WHITESPACE.split(instruction.rest.strip(), maxsplit=1)
        if len(parts) < 2:
            build.diagnostics.add(
                "syntax", f"{keyword} {shown(parts[0])!r} needs a value: use name=value", line
            )
            return []
        build.diagnostics.info(
            "legacy-key-value-format",
            f"'{keyword} name value' is deprecated; use '{keyword} name=value'",
            line,
        )
        return [(parts[0], parts[1])]
    pairs: list[tuple[str, str]] = []
    for word in words:
        name, sep, value = word.text.partition("=")
        if not sep:
            # Docker rejects the whole instruction; so do we (a half-read line could pair a
            # secret value with the wrong, innocent-looking name).
            shown_word = "a word" if carries_secret(word.text) else shown(word.text)
            build.diagnostics.add(
                "syntax",
                f"{keyword}: can't find '=' in {shown_word!r}; use name=value "
                "(the instruction is ignored)",
                line,
            )
            return []
        pairs.append((name, value))
    return pairs


def dispatch_env(instruction: Instruction, build: Build, stage: StageState) -> None:
    line = instruction.line
    resolved: list[tuple[str, EnvEntry]] = []
    for raw_name, raw_value in _pairs(instruction, build):
        name = expand_word(build, raw_name, line=line, stage=stage).text
        if not name:
            build.diagnostics.add("syntax", "ENV names can not be blank", line)
            continue
        value = expand_word(build, raw_value, line=line, stage=stage)
        name_secret = looks_secret(name)
        secret = (
            value.tainted
            or name_secret
            or looks_secret(name, value.text)
            or carries_secret(value.text)
        )
        if name_secret and not value.tainted and value.text:
            build.diagnostics.add(
                "secrets-used-in-arg-or-env",
                f"ENV {name} looks like a secret; values set with ENV are stored in the "
                "image, use a build secret or runtime configuration instead",
                line,
            )
        if secret and value.text and not value.tainted:
            build.secret_values[name] = value.text
        entry = EnvEntry(
            value=None if secret else value.text,
            secret=secret,
            line=line,
            via_variable=value.substituted or value.opaque,
        )
        resolved.append((name, entry))
    for name, entry in resolved:
        stage.env[name] = entry


def dispatch_label(instruction: Instruction, build: Build, stage: StageState) -> None:
    line = instruction.line
    for raw_name, raw_value in _pairs(instruction, build):
        name = expand_word(build, raw_name, line=line, stage=stage).text
        if not name:
            build.diagnostics.add("syntax", "LABEL names can not be blank", line)
            continue
        value = expand_word(build, raw_value, line=line, stage=stage).text
        last_segment = name.rsplit(".", 1)[-1].replace("-", "_")
        if value and (looks_secret(last_segment, value) or carries_secret(value)):
            value = REDACTED
        stage.labels[name] = (value, line)


def dispatch_arg(instruction: Instruction, build: Build, stage: StageState | None) -> None:
    """Declare ARGs globally (``stage`` None) or in a stage, applying ``build_args``."""
    line = instruction.line
    words = split_words(instruction.rest, build.escape)
    if not words:
        build.diagnostics.add("syntax", "ARG requires at least one argument", line)
        return
    for word in words:
        name, sep, raw_default = word.text.partition("=")
        if not _ARG_NAME.match(name):
            build.diagnostics.add("syntax", f"invalid ARG name {shown(name)!r}", line)
            continue
        default = None
        tainted = False
        if sep:
            expansion = expand_word(build, raw_default, line=line, stage=stage)
            default, tainted = expansion.text, expansion.tainted
        var = _effective(build, name, default, tainted, global_arg=stage is None)
        name_secret = looks_secret(name)
        secret = (
            var.kind is VarKind.SECRET
            or tainted
            or name_secret
            or (default is not None and (looks_secret(name, default) or carries_secret(default)))
        )
        if name_secret and default:
            build.diagnostics.add(
                "secrets-used-in-arg-or-env",
                f"ARG {name} looks like a secret and has a default; build args are visible in "
                "the image history, use a build secret (RUN --mount=type=secret) instead",
                line,
            )
        if secret:
            var = Var(VarKind.SECRET)
            if default and not tainted:
                build.secret_values.setdefault(name, default)
        build.arg_records.append(
            BuildArg(
                name=name,
                default=None if secret else default,
                value=var.value if var.kind is VarKind.VALUE else None,
                secret=secret,
                stage=None if stage is None else stage.index,
                location=Location(file=build.file, line=line),
            )
        )
        if stage is None:
            build.meta[name] = var
        else:
            stage.args[name] = var


def _effective(
    build: Build, name: str, default: str | None, tainted: bool, *, global_arg: bool
) -> Var:
    from_build = build.build_arg_var(name)
    if from_build is not None:
        return from_build
    if default is not None:
        if tainted or looks_secret(name, default):
            return Var(VarKind.SECRET)
        return Var(VarKind.VALUE, default)
    if not global_arg and name in build.meta:
        return build.meta[name]  # redeclared global ARG: its value (or build-arg) carries in
    if name in AUTOMATIC_ARGS:
        return Var(VarKind.OPAQUE)
    return Var(VarKind.UNSET)
