"""Who is watching, and what they may see.

- Authentication: a bearer token is checked with a ``TokenReview``; a TLS client certificate
  (verified during the handshake against the client CA the cluster publishes in
  ``kube-system/extension-apiserver-authentication``, as aggregated API servers do) names the
  user by its CN and groups by its O entries.  Tokens are never logged or kept.
- Authorisation: a ``SubjectAccessReview`` per subscription: ``get`` personas in the namespace
  (``list`` them cluster-wide for every namespace).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.operator.api import Api, ApiFailure, Kind

TOKEN_REVIEWS = Kind("authentication.k8s.io", "v1", "tokenreviews", namespaced=False)
ACCESS_REVIEWS = Kind("authorization.k8s.io", "v1", "subjectaccessreviews", namespaced=False)
CONFIG_MAPS = Kind("", "v1", "configmaps")
AUTHENTICATION_CONFIG = ("kube-system", "extension-apiserver-authentication")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()
    uid: str | None = None


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


async def client_ca(api: Api) -> str | None:
    """The PEM bundle of client CAs the API server trusts, or None (not published/readable)."""
    try:
        found = await api.get(
            CONFIG_MAPS, AUTHENTICATION_CONFIG[1], namespace=AUTHENTICATION_CONFIG[0]
        )
    except ApiFailure as error:
        logger.warning("channel: client certificates not accepted: cannot read %s/%s (%s)",
                       *AUTHENTICATION_CONFIG, error.code)  # fmt: skip
        return None
    value = _map(found.get("data")).get("client-ca-file")
    return value if isinstance(value, str) and value.strip() else None


async def from_token(api: Api, token: str) -> User | None:
    review: dict[str, object] = {"apiVersion": "authentication.k8s.io/v1",
                                 "kind": "TokenReview", "spec": {"token": token}}  # fmt: skip
    result = await api.create(TOKEN_REVIEWS, review)
    status = _map(result.get("status"))
    if status.get("authenticated") is not True:
        return None
    user = _map(status.get("user"))
    name = user.get("username")
    if not isinstance(name, str) or not name:
        return None
    listed = user.get("groups")
    groups = tuple(g for g in listed if isinstance(g, str)) if isinstance(listed, list) else ()
    uid = user.get("uid")
    return User(name, groups, uid if isinstance(uid, str) else None)


def from_certificate(peer: Mapping[str, object] | None) -> User | None:
    """The user of a verified client certificate (``ssl.SSLSocket.getpeercert()`` form)."""
    if not peer:
        return None
    name, groups = None, []
    for rdn in peer.get("subject") or ():  # type: ignore[attr-defined]
        for key, value in rdn:
            if key == "commonName":
                name = value
            elif key == "organizationName":
                groups.append(value)
    return User(str(name), tuple(groups)) if name else None


async def may_watch(api: Api, user: User, namespace: str | None) -> bool:
    attributes = {"group": "dorgu.io", "resource": "applicationpersonas",
                  "verb": "get" if namespace else "list"}  # fmt: skip
    if namespace:
        attributes["namespace"] = namespace
    spec: dict[str, object] = {"user": user.name, "groups": list(user.groups),
                               "resourceAttributes": attributes}  # fmt: skip
    if user.uid:
        spec["uid"] = user.uid
    review: dict[str, object] = {"apiVersion": "authorization.k8s.io/v1",
                                 "kind": "SubjectAccessReview", "spec": spec}  # fmt: skip
    result = await api.create(ACCESS_REVIEWS, review)
    return _map(result.get("status")).get("allowed") is True
