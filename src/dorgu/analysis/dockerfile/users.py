"""Reading USER into security hints: user and group as written, numeric ids, root or not.

Must not: guess what a base image's default user is beyond the documented heuristic in
``default_user_hints`` (distroless-style ``nonroot`` tags, ``scratch``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dorgu.models.app import SecurityHints

_ROOT_NAMES = frozenset({"root", "0", "containeradministrator"})
_ID = re.compile(r"^\d{1,10}$")
_MAX_ID = 2**32 - 1


@dataclass(frozen=True)
class UserFacts:
    hints: SecurityHints
    confidence: float
    rule: str


def _numeric(text: str) -> int | None:
    if _ID.match(text) and int(text) <= _MAX_ID:
        return int(text)
    return None


def user_hints(user: str, *, resolved: bool) -> UserFacts:
    """Hints for ``USER user[:group]``; ``resolved`` is False when variables were left in."""
    name, _, group = user.partition(":")
    uid, gid = _numeric(name), _numeric(group)
    if not name or (not resolved and "$" in name):  # the user part itself is unknown
        runs_as_root: bool | None = None
    else:
        runs_as_root = name.lower() in _ROOT_NAMES or uid == 0
    hints = SecurityHints(user=user, uid=uid, gid=gid, runs_as_root=runs_as_root)
    return UserFacts(hints=hints, confidence=0.95 if resolved else 0.4, rule="dockerfile.user")


def default_user_hints(base_image: str) -> UserFacts:
    """Hints when no stage sets USER: the base image's user applies, which we cannot see.

    ``scratch`` runs as root (uid 0); images tagged ``nonroot`` (distroless, chainguard style)
    are assumed to run as non-root; anything else is assumed root, with low confidence.
    """
    image = base_image.strip().lower()
    if image == "scratch":
        hints = SecurityHints(uid=0, runs_as_root=True)
        return UserFacts(hints=hints, confidence=0.9, rule="dockerfile.user.default")
    tag = image.split("@", 1)[0].rsplit("/", 1)[-1].partition(":")[2]
    if "nonroot" in tag:
        return UserFacts(
            hints=SecurityHints(runs_as_root=False),
            confidence=0.6,
            rule="dockerfile.user.base-image",
        )
    return UserFacts(
        hints=SecurityHints(runs_as_root=True), confidence=0.5, rule="dockerfile.user.default"
    )
