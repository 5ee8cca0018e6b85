"""CMD, ENTRYPOINT, SHELL and HEALTHCHECK: commands in exec (JSON) or shell form.

Exec form is a JSON array of strings; anything else (including invalid JSON) is shell form,
stored as the stage's SHELL plus the command text.  Commands are not variable-expanded (Docker
leaves that to the shell at run time).  Must not: store arguments that look like secret values
(see ``redacting``) or repeat the value of a secret ENV/ARG declared before (it becomes a
reference to the variable, see ``dorgu.analysis.scrubbing``).
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.healthchecks import detect_http_probe, parse_duration
from dorgu.analysis.dockerfile.instructions import Instruction
from dorgu.analysis.dockerfile.redacting import redact_text
from dorgu.analysis.dockerfile.scoping import Build, shown
from dorgu.analysis.dockerfile.splitting import NotStringArrayError, parse_json_array, split_words
from dorgu.analysis.dockerfile.stages import Command, HealthcheckEntry, StageState
from dorgu.analysis.scrubbing import SecretValues, scrub_command, scrub_healthcheck, scrub_script
from dorgu.models.app import HealthCheck
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_RETRIES = LazyPattern(r"^[+-]?\d{1,9}$")
_DURATION_FLAGS = ("interval", "timeout", "start-period", "start-interval")


def parse_command(
    instruction: Instruction, build: Build, stage: StageState, rest: str | None = None
) -> Command | None:
    """The command of CMD/ENTRYPOINT/HEALTHCHECK CMD in either form, or None if unusable."""
    line = instruction.line
    text = instruction.rest if rest is None else rest
    keyword = instruction.keyword.upper()
    try:
        argv = parse_json_array(text)
    except NotStringArrayError:
        build.diagnostics.add(
            "invalid-exec-form", f"{keyword} JSON array must contain only strings", line
        )
        return None
    secrets = SecretValues.of(build.secret_values)
    if argv is not None:
        words = tuple(argv)
        if keyword == "HEALTHCHECK":
            check, _used = scrub_healthcheck(HealthCheck(test=words), secrets)
            shell_form = check.test != words  # now a /bin/sh -c script with references
            test = tuple(redact_text(a) for a in check.test)
            return Command(test, shell_form=shell_form, line=line)
        scrubbed = scrub_command(words, secrets).words
        return Command(tuple(redact_text(a) for a in scrubbed), shell_form=False, line=line)
    if text.lstrip().startswith("["):
        build.diagnostics.info(
            "invalid-json", f"{keyword} argument is not valid JSON; using the shell form", line
        )
    if not text.strip():
        build.diagnostics.add("syntax", f"{keyword} requires a command", line)
        return None
    script = redact_text(scrub_script(text.strip(), secrets))
    return Command((*stage.shell, script), shell_form=True, line=line)


def _note_repeat(instruction: Instruction, build: Build, stage: StageState) -> None:
    keyword = instruction.keyword
    if keyword in stage.seen:
        build.diagnostics.add(
            "multiple-instructions",
            f"multiple {keyword.upper()} instructions in one stage; only the last one applies",
            instruction.line,
        )
    stage.seen.add(keyword)


def dispatch_cmd(instruction: Instruction, build: Build, stage: StageState) -> None:
    _note_repeat(instruction, build, stage)
    command = parse_command(instruction, build, stage)
    if command is not None:
        _recommend_json(instruction, build, command)
        stage.cmd = command


def dispatch_entrypoint(instruction: Instruction, build: Build, stage: StageState) -> None:
    _note_repeat(instruction, build, stage)
    command = parse_command(instruction, build, stage)
    if command is None:
        return
    _recommend_json(instruction, build, command)
    stage.entrypoint = command
    if "cmd" not in stage.seen:
        stage.cmd = None  # Docker resets an inherited CMD when ENTRYPOINT is set


def _recommend_json(instruction: Instruction, build: Build, command: Command) -> None:
    if command.shell_form:
        build.diagnostics.info(
            "json-args-recommended",
            f"{instruction.keyword.upper()} in shell form: signals will not reach the app "
            "directly; prefer the JSON exec form",
            instruction.line,
        )


def dispatch_shell(instruction: Instruction, build: Build, stage: StageState) -> None:
    try:
        argv = parse_json_array(instruction.rest)
    except NotStringArrayError:
        argv = None
    if not argv:
        build.diagnostics.add(
            "syntax", "SHELL requires a non-empty JSON array of strings", instruction.line
        )
        return
    stage.shell = argv


def _durations(instruction: Instruction, build: Build) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for name in _DURATION_FLAGS:
        raw = instruction.flag(name)
        if raw is None:
            continue
        seconds = parse_duration(raw)
        if seconds is None:
            build.diagnostics.add(
                "invalid-duration",
                f"--{name}={shown(raw)!r} is not a duration like 30s, 1m30s or 500ms",
                instruction.line,
            )
        elif seconds < 0 or 0 < seconds < 0.001:
            build.diagnostics.add(
                "invalid-duration", f"--{name} must be 0 or at least 1ms", instruction.line
            )
            seconds = None
        found[name] = seconds
    return found


def _retries(instruction: Instruction, build: Build) -> int | None:
    raw = instruction.flag("retries")
    if raw is None:
        return None
    if not _RETRIES.match(raw.strip()) or int(raw) < 0:
        build.diagnostics.add(
            "invalid-healthcheck",
            f"--retries={shown(raw)!r} must be a non-negative integer",
            instruction.line,
        )
        return None
    return int(raw)


def dispatch_healthcheck(instruction: Instruction, build: Build, stage: StageState) -> None:
    line = instruction.line
    location = Location(file=build.file, line=line)
    _note_repeat(instruction, build, stage)
    words = split_words(instruction.rest, build.escape)
    kind = words[0].text.upper() if words else ""
    if kind == "NONE":
        if instruction.flags or len(words) > 1:
            build.diagnostics.add(
                "invalid-healthcheck", "HEALTHCHECK NONE takes no options or arguments", line
            )
        stage.healthcheck = HealthcheckEntry(HealthCheck(disabled=True, location=location))
        return
    if kind != "CMD":
        build.diagnostics.add(
            "invalid-healthcheck", "HEALTHCHECK must be followed by CMD or NONE", line
        )
        return
    command = parse_command(instruction, build, stage, instruction.rest[words[0].end :])
    if command is None:
        return
    durations = _durations(instruction, build)
    probe = detect_http_probe(command.argv, shell_form=command.shell_form, env=stage.runtime_env())
    check = HealthCheck(
        test=command.argv,
        interval_seconds=durations.get("interval"),
        timeout_seconds=durations.get("timeout"),
        start_period_seconds=durations.get("start-period"),
        retries=_retries(instruction, build),
        http_path=None if probe is None else probe.path,
        http_port=None if probe is None else probe.port,
        location=location,
    )
    stage.healthcheck = HealthcheckEntry(
        check=check,
        start_interval=durations.get("start-interval"),
        probe_confidence=None if probe is None else probe.confidence,
    )
