"""Finding the hostnames an environment value points at (``postgres://u:p@db:5432/x`` -> db).

Used to infer which compose services a service talks to.  Recognises URLs (including JDBC and
multi-host ``a:1,b:2`` lists), ``host:port``, ``Key=host`` pairs in connection strings, and a
bare value that is exactly a hostname.

Must not: return or store the value itself (it may hold a credential), only hostnames.
"""

from __future__ import annotations

from dorgu.models.patterns import LazyPattern

_URL_HOSTS = LazyPattern(r"://(?:[^@/\s]*@)?([^/?#\s]+)")
_HOST_PORT = LazyPattern(r"\[?([A-Za-z0-9_.\-]+)\]?(?::[0-9]{1,5})?")
_SEPARATORS = LazyPattern(r"[\s,;]+")


def referenced_hosts(value: str) -> set[str]:
    """Lower-cased hostnames mentioned in ``value`` (may include non-hosts; callers filter)."""
    hosts: set[str] = set()
    if len(value) > 4096:
        value = value[:4096]
    for match in _URL_HOSTS.finditer(value):
        for part in match.group(1).split(","):
            _add(hosts, part)
    for piece in _SEPARATORS.split(value):
        if "://" in piece or not piece:
            continue
        _add(hosts, piece.rpartition("=")[2])
    return hosts


def _add(hosts: set[str], text: str) -> None:
    match = _HOST_PORT.fullmatch(text.strip())
    if match:
        hosts.add(match.group(1).lower())
