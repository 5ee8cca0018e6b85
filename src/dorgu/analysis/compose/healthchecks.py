"""Compose ``healthcheck``: reading the mapping and turning it into a ``HealthCheck``.

``test`` may be a string (shell form), ``["CMD", ...]`` (exec form), ``["CMD-SHELL", cmd]`` or
``["NONE"]`` (disabled).  Durations become seconds.  A curl/wget of localhost gives
``http_path``/``http_port`` so generation can emit an HTTP probe.

Must not: raise anything but ``InvalidValue`` while reading.
"""

from __future__ import annotations

from dorgu.analysis.compose.coercing import (
    InvalidValue,
    bool_of,
    int_of,
    mapping_of,
    require_text,
)
from dorgu.analysis.compose.files import ComposeFile
from dorgu.analysis.compose.layers import HealthLayer, Located
from dorgu.analysis.compose.quantities import duration_seconds
from dorgu.models.app import HealthCheck
from dorgu.models.patterns import LazyPattern

_SHELL = ("/bin/sh", "-c")
_HTTP = LazyPattern(
    r"\b(?:curl|wget)\b[^|;&]*?\b(https?)://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])"
    r"(?::([0-9]{1,5}))?(/[^\s'\"|;&]*)?"
)


def read_healthcheck(value: object, source: ComposeFile, path: tuple[str, ...]) -> HealthLayer:
    data = mapping_of(value, "healthcheck")

    def at(key: str) -> Located[float] | None:
        if key not in data or data[key] is None:
            return None
        return Located(duration_seconds(data[key]), source.at(*path, key))

    test: Located[tuple[str, ...]] | None = None
    if data.get("test") is not None:
        raw = data["test"]
        words = (
            tuple(require_text(w, "healthcheck.test item") for w in raw)
            if isinstance(raw, list)
            else ("CMD-SHELL", require_text(raw, "healthcheck.test"))
        )
        test = Located(words, source.at(*path, "test"))
    disabled = None
    if "disable" in data:
        disabled = Located(
            bool_of(data["disable"], "healthcheck.disable"), source.at(*path, "disable")
        )
    retries = None
    if data.get("retries") is not None:
        count = int_of(data["retries"], "healthcheck.retries")
        if count < 0:
            raise InvalidValue("healthcheck.retries must not be negative")
        retries = Located(count, source.at(*path, "retries"))
    return HealthLayer(
        test=test,
        disabled=disabled,
        interval=at("interval"),
        timeout=at("timeout"),
        start_period=at("start_period"),
        retries=retries,
        location=source.at(*path),
    )


def finish_healthcheck(layer: HealthLayer) -> HealthCheck:
    words = layer.test.value if layer.test else ()
    disabled = bool(layer.disabled and layer.disabled.value)
    test: tuple[str, ...] = ()
    if words and words[0].upper() == "NONE":
        disabled = True
    elif words and words[0].upper() == "CMD-SHELL":
        test = (*_SHELL, " ".join(words[1:]))
    elif words and words[0].upper() == "CMD":
        test = words[1:]
    elif words:
        test = words
    http_path, http_port = _http_probe(" ".join(test))
    return HealthCheck(
        test=() if disabled else test,
        disabled=disabled,
        interval_seconds=layer.interval.value if layer.interval else None,
        timeout_seconds=layer.timeout.value if layer.timeout else None,
        start_period_seconds=layer.start_period.value if layer.start_period else None,
        retries=layer.retries.value if layer.retries else None,
        http_path=None if disabled else http_path,
        http_port=None if disabled else http_port,
        location=layer.location,
    )


def _http_probe(command: str) -> tuple[str | None, int | None]:
    match = _HTTP.search(command)
    if match is None:
        return None, None
    scheme, port, path = match.groups()
    number = int(port) if port else (443 if scheme == "https" else 80)
    if not 1 <= number <= 65535:
        return None, None
    return path or "/", number
