"""Which settings name hosts, and which component a hostname means.

- A bare word (``orders``) is an address only in a setting whose name says so (``*_HOST``,
  ``*_ADDR``, ``*_SERVER``, ``*_SERVICE``, ``*_URL``, ``*_ENDPOINT``, ``*_BROKER``, ...).  A
  setting whose name says it holds an identity, a credential or a label (``*_USER``,
  ``*_DATABASE``, ``*_NAME``, ``*_PASSWORD``, ``*_TOPIC``...) never names a host unless its
  value is a URL, even when the word equals a service name (``MYSQL_USER=orders``).
- A hostname means a component when it is the component's name or alias, or a Kubernetes DNS
  name of its Service: ``cart.shop``, ``cart.shop.svc``, ``cart.shop.svc.cluster.local``
  (any cluster domain after ``svc``), with a trailing dot or not.

Must not: look at values beyond the hostname, or resolve anything over the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dorgu.models.patterns import LazyPattern

# Settings whose value is an address even without a scheme (``cart:7070``, ``db``, ``a:1,b:2``).
ADDRESS_NAME = LazyPattern(
    r"(^|[_.:-])(ADDR|ADDRESS|ADDRESSES|HOST|HOSTS|HOSTNAME|SERVER|SERVERS|BROKER|BROKERS|"
    r"BOOTSTRAP[_.-]?SERVERS|ENDPOINT|ENDPOINTS|URL|URLS|URI|URIS|DSN|NODES|SEEDS|"
    r"CONTACT[_.-]?POINTS|SERVICE|SVC)$",
    re.IGNORECASE,
)
# Settings that hold who or what, never where (their values are names, not hosts).
_NOT_ADDRESS_NAME = LazyPattern(
    r"(^|[_.:-])(USER|USERS|USERNAME|LOGIN|OWNER|ROLE|GROUP|DATABASE|DATABASES|DB|DBNAME|"
    r"SCHEMA|TABLE|NAME|NAMES|ID|PASSWORD|PASS|PASSWD|PWD|SECRET|TOKEN|KEY|TOPIC|TOPICS|QUEUE|"
    r"QUEUES|EXCHANGE|BUCKET|REALM|TENANT|NAMESPACE|PROFILE|PROFILES|ENV|ENVIRONMENT|MODE|"
    r"LEVEL|APP|APPLICATION|LABEL|TAG|PREFIX|INDEX|COLLECTION|VHOST)$",
    re.IGNORECASE,
)
# Second labels that make ``name.x`` a public or mDNS name, not ``service.namespace``.
_NOT_NAMESPACES = frozenset(
    {"com", "org", "net", "io", "dev", "app", "ai", "co", "cloud", "local", "localhost",
     "internal", "lan", "home", "test", "example", "invalid", "edu", "gov", "info", "biz", "me",
     "us", "uk", "de", "fr", "eu", "xyz", "sh", "tech", "site", "online"}
)  # fmt: skip
_LABEL = LazyPattern(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
MAX_HOST = 253


def is_address_setting(name: str) -> bool:
    """True for names whose values are addresses even without ``://``."""
    return bool(ADDRESS_NAME.search(name)) and not is_identity_setting(name)


def is_identity_setting(name: str) -> bool:
    """True for names whose values are identities, credentials or labels: never hosts unless
    the value is a URL (``POSTGRES_USER``, ``MYSQL_DATABASE``, ``OTEL_SERVICE_NAME``)."""
    return bool(_NOT_ADDRESS_NAME.search(name))


def component_for_host(host: str, hosts: Mapping[str, str]) -> str | None:
    """The component ``host`` names (``hosts``: lower-cased host or alias -> component), also
    through its Kubernetes DNS forms; None when it names none."""
    host = host.strip().lower().rstrip(".")
    if not host or len(host) > MAX_HOST:
        return None
    if host in hosts:
        return hosts[host]
    labels = host.split(".")
    if len(labels) < 2 or labels[0] not in hosts or not all(_LABEL.fullmatch(x) for x in labels):
        return None
    namespace, rest = labels[1], labels[2:]
    if not rest:
        return None if namespace in _NOT_NAMESPACES else hosts[labels[0]]
    return hosts[labels[0]] if rest[0] == "svc" else None
