"""HEALTHCHECK details: Go durations and recognising HTTP probes of localhost.

Must not: build models or emit diagnostics (callers do); run or resolve anything but the
ENV values it is handed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.models.patterns import LazyPattern

_DURATION = LazyPattern(r"^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$")
_DURATION_PART = LazyPattern(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}

_MAX_DURATION = 9.2e9  # Go's time.Duration range, in seconds

_HOST = r"(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])"
_URL_TOKEN = LazyPattern(rf"^(?:(https?)://)?{_HOST}(?::(\d{{1,5}}))?(/\S*)?$", re.IGNORECASE)
_URL_IN_TEXT = LazyPattern(
    rf"(https?)://{_HOST}(?::(\d{{1,5}}))?(/[^\s'\"`)\]}};|&<>]*)?(?=[\s'\"`)\]}};|&<>]|$)",
    re.IGNORECASE,
)
_VARIABLE = LazyPattern(r"\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)")
_CLIENTS = frozenset({"curl", "wget", "http", "https", "xh", "curlie"})


def parse_duration(text: str) -> float | None:
    """Seconds in a Go duration (``30s``, ``1m30s``, ``500ms``, ``0``); None if invalid."""
    text = text.strip()
    if text in ("0", "+0", "-0"):
        return 0.0
    if not _DURATION.match(text):
        return None
    total = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(text))
    if total > _MAX_DURATION:
        return None
    return -total if text.startswith("-") else total


@dataclass(frozen=True)
class HttpProbe:
    path: str
    port: int
    confidence: float


def _resolve(token: str, env: Mapping[str, str]) -> tuple[str, bool]:
    used = False

    def replace(match: re.Match[str]) -> str:
        nonlocal used
        name = match.group(1) or match.group(3)
        if name in env:
            used = True
            return env[name]
        if match.group(2) is not None:
            used = True
            return match.group(2)
        return match.group(0)

    return _VARIABLE.sub(replace, token), used


def _tokens(test: tuple[str, ...], shell_form: bool) -> list[str]:
    if not shell_form or not test:
        return list(test)
    command = test[-1]
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _probe(
    scheme: str | None, port: str | None, path: str | None, confidence: float
) -> HttpProbe | None:
    number = int(port) if port else (443 if (scheme or "").lower() == "https" else 80)
    if not 1 <= number <= 65535:
        return None
    return HttpProbe(path=path or "/", port=number, confidence=confidence)


def detect_http_probe(
    test: tuple[str, ...], *, shell_form: bool, env: Mapping[str, str]
) -> HttpProbe | None:
    """The path and port of a ``curl``/``wget``-style check of localhost, if the test is one."""
    tokens = _tokens(test, shell_form)
    has_client = any(t.rsplit("/", 1)[-1].lower() in _CLIENTS for t in tokens)
    for raw in tokens:
        token, used_env = _resolve(raw, env)
        penalty = 0.05 if used_env else 0.0
        if has_client and not token.startswith("-"):
            match = _URL_TOKEN.match(token)
            if match is not None:
                return _probe(match.group(1), match.group(2), match.group(3), 0.85 - penalty)
        found = _URL_IN_TEXT.search(token)
        if found is not None:
            confidence = (0.8 if has_client else 0.6) - penalty
            return _probe(found.group(1), found.group(2), found.group(3), confidence)
    return None
