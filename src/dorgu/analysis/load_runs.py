"""Whether a load generator's command runs to completion (a Job) or serves until stopped.

- ``k6 run SCRIPT``: runs the script's scenarios and exits (``k6`` alone prints help).
- ``locust --headless`` with ``--run-time``/``-t``: stops after that time; without a run time,
  or with its web UI, it serves until stopped (a worker Deployment).
- ``jmeter -n`` (non-GUI mode): runs the test plan and exits.
- ``vegeta attack -duration D`` with ``D`` not zero: attacks for ``D`` and exits
  (``-duration=0``, the default, attacks forever).

Must not: read files, or keep command text beyond the flag that decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.models.patterns import LazyPattern

MAX_WORDS = 64
_ZERO = LazyPattern(r"^0+(?:\.0*)?(?:ns|us|µs|ms|s|m|h)?$")


def _flag(words: Sequence[str], *names: str) -> str | None:
    """The value of the first of ``names`` (``--x v``, ``--x=v``, ``-x v``), "" when it is
    last, None when absent."""
    for index, word in enumerate(words):
        for name in names:
            if word == name:
                return words[index + 1] if index + 1 < len(words) else ""
            if word.startswith(name + "="):
                return word[len(name) + 1 :]
    return None


def _after_tool(words: Sequence[str], tool: str) -> list[str]:
    """The words after the tool's own binary, if the command names it (else all of them: the
    image's entrypoint is the tool)."""
    bounded = list(words[:MAX_WORDS])
    for index, word in enumerate(bounded[:8]):
        if word.rsplit("/", 1)[-1] in {tool, f"{tool}.sh"}:
            return bounded[index + 1 :]
    return bounded


def finite_run(tool: str, words: Sequence[str]) -> str | None:
    """Why the ``tool``'s command ``words`` runs to completion, or None (see the module doc)."""
    args = _after_tool(words, tool)
    if tool == "k6":
        return "k6 run exits when its scenarios finish" if args[:1] == ["run"] else None
    if tool == "locust":
        run_time = _flag(args, "--run-time", "-t")
        if "--headless" in args and run_time:
            return f"locust --headless stops after --run-time {run_time[:16]}"
        return None
    if tool == "jmeter":
        non_gui = "-n" in args or "--nongui" in args
        return "jmeter -n runs the test plan and exits" if non_gui else None
    if tool == "vegeta":
        if "attack" not in args:
            return None
        duration = _flag(args, "-duration", "--duration")
        if duration and not _ZERO.match(duration):
            return f"vegeta attack stops after -duration {duration[:16]}"
    return None
