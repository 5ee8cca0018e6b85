"""Git remotes for ``dorgu init``: parse ``.git/config`` text and turn a remote into a web URL.

``git@github.com:org/repo.git`` and ``ssh://git@host:22/org/repo.git`` become
``https://github.com/org/repo.git`` / ``https://host/org/repo.git``: a form anyone (and ArgoCD)
can read, with no user name.  Local paths and ``file://`` remotes give None.  Credentials in
http(s) URLs are stripped by the caller with ``strip_url_credentials``.

Must not open files or run git.
"""

from __future__ import annotations

import re

from dorgu.models.patterns import LazyPattern

_SECTION = LazyPattern(r'^\s*\[\s*remote\s+"((?:[^"\\]|\\.)*)"\s*\]\s*$')
_ANY_SECTION = LazyPattern(r"^\s*\[")
_URL = LazyPattern(r"^\s*url\s*=\s*(.*?)\s*$", re.IGNORECASE)
_SCP_LIKE = LazyPattern(r"^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!//)(.+)$")
_SSH_URL = LazyPattern(
    r"^(?:ssh|git\+ssh|ssh\+git|git)://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$", re.IGNORECASE
)
_HTTP_URL = LazyPattern(r"^https?://", re.IGNORECASE)


def parse_git_remotes(config_text: str) -> dict[str, str]:
    """``{remote name: url}`` from the text of a ``.git/config`` (first url of each remote)."""
    remotes: dict[str, str] = {}
    current: str | None = None
    for line in config_text.splitlines():
        if line.strip()[:1] in ("#", ";"):
            continue
        section = _SECTION.match(line)
        if section:
            current = section.group(1)
            continue
        if _ANY_SECTION.match(line):
            current = None
            continue
        url = _URL.match(line)
        if current is not None and url and current not in remotes:
            value = url.group(1).strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                remotes[current] = value
    return remotes


def preferred_remote(remotes: dict[str, str]) -> str | None:
    """``origin`` if present, else ``upstream``, else the first remote."""
    for name in ("origin", "upstream"):
        if name in remotes:
            return remotes[name]
    return next(iter(remotes.values()), None)


def web_url(remote: str) -> str | None:
    """An https form of a git remote (see the module docstring), or None for local remotes."""
    remote = remote.strip()
    if _HTTP_URL.match(remote):
        return remote
    ssh = _SSH_URL.match(remote)
    if ssh:
        return f"https://{ssh.group(1)}/{ssh.group(2).lstrip('/')}"
    if "://" in remote or remote.startswith(("/", ".", "~")):
        return None
    scp = _SCP_LIKE.match(remote)
    if scp and "." in scp.group(1):
        return f"https://{scp.group(1)}/{scp.group(2).lstrip('/')}"
    return None
