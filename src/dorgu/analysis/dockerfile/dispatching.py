"""Applying instructions (all but FROM, see ``starting``) to a build stage's configuration.

Must not: read files or the environment, raise anything but ``ParseError`` /
``LimitExceededError``, or keep secret values (see ``declaring``).  Problems a Docker build
would reject but that do not stop understanding the file become diagnostics.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from collections.abc import Callable

from dorgu.analysis.dockerfile.commanding import (
    dispatch_cmd,
    dispatch_entrypoint,
    dispatch_healthcheck,
    dispatch_shell,
)
from dorgu.analysis.dockerfile.copying import record_bind_mounts, record_context_copy
from dorgu.analysis.dockerfile.declaring import dispatch_arg, dispatch_env, dispatch_label
from dorgu.analysis.dockerfile.instructions import FLAGS, KNOWN, Instruction
from dorgu.analysis.dockerfile.ports import MAX_RANGE, parse_port_spec
from dorgu.analysis.dockerfile.scoping import Build, expand_word, shown
from dorgu.analysis.dockerfile.splitting import NotStringArrayError, parse_json_array, split_words
from dorgu.analysis.dockerfile.stages import (
    CopyRef,
    PortEntry,
    Setting,
    StageState,
    find_stage,
    with_line,
)
from dorgu.analysis.dockerfile.users import created_ids
from dorgu.models.patterns import LazyPattern

MAX_PORTS = 1000
_WINDOWS_PATH = LazyPattern(r"^[A-Za-z]:([\\/]|$)|^\\")
_SIGNAL = LazyPattern(r"^((SIG)?[A-Z][A-Z0-9]*([+-]\d+)?|\d{1,3})$", re.IGNORECASE)
_NOT_ALLOWED_IN_ONBUILD = frozenset({"onbuild", "from", "maintainer"})

Handler = Callable[[Instruction, Build, StageState], None]


def check_flags(instruction: Instruction, build: Build) -> None:
    allowed = FLAGS.get(instruction.keyword, frozenset())
    for flag in instruction.flags:
        if flag.name not in allowed:
            build.diagnostics.add(
                "unknown-flag",
                f"unknown flag --{shown(flag.name)} for {instruction.keyword.upper()}",
                instruction.line,
            )


def dispatch(instruction: Instruction, build: Build, stage: StageState) -> None:
    """Apply one instruction (not FROM) to ``stage``."""
    keyword = instruction.keyword
    handler = _HANDLERS.get(keyword)
    if handler is None:
        if keyword == "from":
            build.diagnostics.add("syntax", "FROM is not allowed here", instruction.line)
        else:
            build.diagnostics.add(
                "unknown-instruction",
                f"unknown instruction {shown(keyword.upper())}",
                instruction.line,
            )
        return
    check_flags(instruction, build)
    handler(instruction, build, stage)


def _expose(instruction: Instruction, build: Build, stage: StageState) -> None:
    line = instruction.line
    words = split_words(instruction.rest, build.escape)
    if not words:
        build.diagnostics.add("syntax", "EXPOSE requires at least one port", line)
    for word in words:
        expansion = expand_word(build, word.text, line=line, stage=stage)
        if expansion.opaque or expansion.tainted:
            build.diagnostics.add(
                "unresolved-port", f"EXPOSE {shown(word.text)!r} has no known value", line
            )
            continue
        specs = expansion.text.split()
        if not specs:
            build.diagnostics.add(
                "invalid-port", f"EXPOSE {shown(word.text)!r} expands to nothing", line
            )
        for spec in specs:
            parsed = parse_port_spec(spec)
            if parsed.problem is not None:
                build.diagnostics.add(
                    "invalid-port", f"EXPOSE {shown(spec)!r}: {parsed.problem}", line
                )
                continue
            if parsed.capped:
                build.diagnostics.add(
                    "expose-range-capped",
                    f"EXPOSE {shown(spec)!r}: only the first {MAX_RANGE} ports are kept",
                    line,
                )
            for number in parsed.numbers:
                key = (number, parsed.protocol)
                if key in stage.ports:
                    continue
                if len(stage.ports) >= MAX_PORTS:
                    build.diagnostics.add(
                        "too-many-ports", f"more than {MAX_PORTS} exposed ports", line
                    )
                    return
                stage.ports[key] = PortEntry(line, via_variable=expansion.substituted)


def _single(instruction: Instruction, build: Build, stage: StageState) -> Setting | None:
    expansion = expand_word(build, instruction.rest, line=instruction.line, stage=stage)
    value = expansion.text.strip()
    if not value:
        build.diagnostics.add(
            "syntax", f"{instruction.keyword.upper()} requires a value", instruction.line
        )
        return None
    resolved = not (expansion.opaque or expansion.tainted)
    return Setting(value, instruction.line, resolved)


def _user(instruction: Instruction, build: Build, stage: StageState) -> None:
    setting = _single(instruction, build, stage)
    if setting is not None:
        stage.user = setting


def _workdir(instruction: Instruction, build: Build, stage: StageState) -> None:
    setting = _single(instruction, build, stage)
    if setting is None:
        return
    path = setting.value
    previous = stage.workdir.value if stage.workdir is not None else None
    windows = (
        build.escape == "`"
        or bool(_WINDOWS_PATH.match(path))
        or bool(previous and _WINDOWS_PATH.match(previous))
    )
    if not setting.resolved and path.startswith("$"):
        resolved = path
    elif windows:
        resolved = ntpath.normpath(ntpath.join(previous, path) if previous else path)
    else:
        resolved = posixpath.normpath(posixpath.join(previous or "/", path))
        if resolved.startswith("//"):
            resolved = "/" + resolved.lstrip("/")
    stage.workdir = Setting(resolved, setting.line, setting.resolved)


def _stopsignal(instruction: Instruction, build: Build, stage: StageState) -> None:
    setting = _single(instruction, build, stage)
    if setting is None:
        return
    if setting.resolved and not _SIGNAL.match(setting.value):
        build.diagnostics.add(
            "invalid-signal",
            f"STOPSIGNAL {shown(setting.value)!r} is not a signal name or number",
            instruction.line,
        )
        return
    stage.stop_signal = setting


def _volume(instruction: Instruction, build: Build, stage: StageState) -> None:
    line = instruction.line
    try:
        items = parse_json_array(instruction.rest)
    except NotStringArrayError:
        build.diagnostics.add("invalid-exec-form", "VOLUME array must hold strings", line)
        return
    if items is None:
        items = tuple(w.text for w in split_words(instruction.rest, build.escape))
    if not items:
        build.diagnostics.add("syntax", "VOLUME requires at least one path", line)
    for item in items:
        path = expand_word(build, item, line=line, stage=stage).text.strip()
        if not path:
            build.diagnostics.add("syntax", "VOLUME paths can not be blank", line)
        elif path not in stage.volumes:
            stage.volumes[path] = line


def _onbuild(instruction: Instruction, build: Build, stage: StageState) -> None:
    trigger = instruction.trigger
    line = instruction.line
    if trigger is None:
        build.diagnostics.add("syntax", "ONBUILD requires an instruction", line)
    elif trigger.keyword in _NOT_ALLOWED_IN_ONBUILD:
        build.diagnostics.add(
            "invalid-onbuild",
            f"{trigger.keyword.upper()} isn't allowed as an ONBUILD trigger",
            line,
        )
    elif trigger.keyword not in KNOWN:
        build.diagnostics.add(
            "unknown-instruction", f"unknown instruction {shown(trigger.keyword.upper())}", line
        )
    else:
        stage.onbuild.append(with_line(trigger, line))


def _copy(instruction: Instruction, build: Build, stage: StageState) -> None:
    raw = instruction.flag("from")
    if raw is None:
        record_context_copy(instruction, build, stage)
        return
    line = instruction.line
    source = expand_word(build, raw, line=line, stage=stage).text.strip()
    if not source:
        build.diagnostics.add("syntax", "COPY --from requires a stage or image", line)
        return
    index = find_stage(source, build.stage_names, before=stage.index)
    if index is None and (
        (source.isascii() and source.isdigit()) or source.lower() in build.stage_names
    ):
        build.diagnostics.add(
            "unknown-stage",
            f"COPY --from={shown(source)} does not name an earlier stage",
            line,
        )
    stage.copies.append(CopyRef(source, index, line))


def _maintainer(instruction: Instruction, build: Build, stage: StageState) -> None:
    build.diagnostics.add(
        "maintainer-deprecated",
        "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=...",
        instruction.line,
    )


def _add(instruction: Instruction, build: Build, stage: StageState) -> None:
    """ADD changes the filesystem, which is not modelled, except what it takes from the context."""
    record_context_copy(instruction, build, stage)


def _run(instruction: Instruction, build: Build, stage: StageState) -> None:
    """RUN changes the filesystem, which is not modelled, except accounts created with an id."""
    script = "\n".join([instruction.rest, *(h.content for h in instruction.heredocs)])
    users, groups = created_ids(script)
    stage.created_users.update(users)
    stage.created_groups.update(groups)
    record_bind_mounts(instruction, build, stage)


def _arg(instruction: Instruction, build: Build, stage: StageState) -> None:
    dispatch_arg(instruction, build, stage)


_HANDLERS: dict[str, Handler] = {
    "add": _add,
    "arg": _arg,
    "cmd": dispatch_cmd,
    "copy": _copy,
    "entrypoint": dispatch_entrypoint,
    "env": dispatch_env,
    "expose": _expose,
    "healthcheck": dispatch_healthcheck,
    "label": dispatch_label,
    "maintainer": _maintainer,
    "onbuild": _onbuild,
    "run": _run,
    "shell": dispatch_shell,
    "stopsignal": _stopsignal,
    "user": _user,
    "volume": _volume,
    "workdir": _workdir,
}
