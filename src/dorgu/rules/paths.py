"""Field paths: where in a Kubernetes object a finding points.

A path is a tuple of keys and list indexes (``("spec", "replicas")``); its text form is the
one ``kubectl explain`` users know: ``spec.template.spec.containers[0].resources.limits.memory``.
Keys that are not plain identifiers are quoted: ``metadata.annotations["dorgu.io/exempt"]``.
``parse_path`` reads the text form back (the service uses it to find the line of a finding).

Must not know about rules or YAML.
"""

from __future__ import annotations

import json

from dorgu.models.patterns import LazyPattern

FieldPath = tuple[str | int, ...]

_PLAIN_KEY = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_TOKEN = LazyPattern(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def format_path(path: FieldPath) -> str:
    """``("spec", "containers", 0, "image")`` -> ``spec.containers[0].image``."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            parts.append(f".{part}" if parts else part)
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "".join(parts)


def parse_path(text: str) -> FieldPath:
    """The inverse of ``format_path``; raises ``ValueError`` for text it did not write."""
    path: list[str | int] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or (match.group(1) and position > 0 and text[position] != "."):
            raise ValueError(f"not a field path: {text!r} (at character {position})")
        key, index, quoted = match.groups()
        if key is not None:
            path.append(key)
        elif index is not None:
            path.append(int(index))
        else:
            path.append(str(json.loads(quoted)))
        position = match.end()
    return tuple(path)
