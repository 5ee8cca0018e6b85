"""Reading USER into security hints: user and group as written, numeric ids, root or not.

Must not: guess what a base image's default user is beyond the documented heuristic in
``default_user_hints`` (distroless-style ``nonroot`` tags, ``scratch``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dorgu.models.app import SecurityHints
from dorgu.models.patterns import LazyPattern

_ROOT_NAMES = frozenset({"root", "0", "containeradministrator"})
_ID = LazyPattern(r"^\d{1,10}$")
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


_USER_TOOL = LazyPattern(r"\b(useradd|adduser|groupadd|addgroup)\b([^;&|\n]*)")
_ID_FLAG = LazyPattern(r"(?:^|\s)(?:-u|--uid|-g|--gid)(?:=|\s+)(\d{1,10})\b")
_WORD = LazyPattern(r"^[a-z_][a-z0-9_.-]*\$?$", re.IGNORECASE)
_VALUE_FLAGS = frozenset(
    {
        "-u",
        "--uid",
        "-g",
        "--gid",
        "-G",
        "--groups",
        "--ingroup",
        "-h",
        "--home",
        "-d",
        "--home-dir",
        "-s",
        "--shell",
        "-c",
        "--comment",
        "--gecos",
        "-k",
        "-K",
        "-e",
        "-f",
        "-p",
        "-l",
    }
)


def created_ids(script: str) -> tuple[dict[str, int], dict[str, int]]:
    """Users and groups a RUN script creates with an explicit id.

    Understands ``useradd``/``groupadd`` (shadow) and ``adduser``/``addgroup`` (Debian and
    BusyBox) with ``-u/--uid`` or ``-g/--gid``; the account name is the last plain word.
    Returns ``(users, groups)`` mapping names to ids.
    """
    users: dict[str, int] = {}
    groups: dict[str, int] = {}
    for match in _USER_TOOL.finditer(script):
        tool, args = match.group(1), match.group(2)
        id_match = _ID_FLAG.search(args)
        if id_match is None:
            continue
        words = args.split()
        name: str | None = None
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word.startswith("-"):
                skip = word in _VALUE_FLAGS
                continue
            if _WORD.match(word):
                name = word
        if name is None:
            continue
        number = int(id_match.group(1))
        if number > _MAX_ID:
            continue
        if tool in ("useradd", "adduser") and re.search(r"(?:^|\s)(?:-u|--uid)\b", args):
            users[name] = number
        elif tool in ("groupadd", "addgroup"):
            groups[name] = number
    return users, groups


def with_created_ids(facts: UserFacts, users: dict[str, int], groups: dict[str, int]) -> UserFacts:
    """Fill the numeric uid/gid of a named USER from accounts the Dockerfile created."""
    hints = facts.hints
    if hints.user is None:
        return facts
    name, _, group = hints.user.partition(":")
    uid = hints.uid if hints.uid is not None else users.get(name)
    gid = hints.gid if hints.gid is not None else groups.get(group) if group else hints.gid
    if uid == hints.uid and gid == hints.gid:
        return facts
    runs_as_root = hints.runs_as_root if uid is None else uid == 0
    updated = hints.model_copy(update={"uid": uid, "gid": gid, "runs_as_root": runs_as_root})
    return UserFacts(hints=updated, confidence=facts.confidence, rule="dockerfile.user.created")
