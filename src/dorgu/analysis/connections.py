"""Reading the network addresses a setting names: host, port and scheme, never credentials.

One setting (an environment variable or a config key, with its value) may name addresses in
many shapes: URLs (``postgres://u:p@db:5432/x``, ``redis://cache``, multi-host
``mongodb://a:1,b:2/db``), JDBC URLs (``jdbc:postgresql://db:5432/x``,
``jdbc:sqlserver://db:1433;databaseName=x``), .NET/ADO connection strings
(``Server=db;Port=5432;...``, ``Data Source=tcp:db,1433``, StackExchange.Redis
``cache:6379,password=..``), ``host:port`` addresses and comma lists (Kafka bootstrap servers)
in ``*_ADDR``/``*_HOST``/``*_SERVERS``-style settings, and bare hosts.  ``*_HOST`` + ``*_PORT``
pairs are joined by ``paired_addresses``.

Must not: return, store or quote a value, a user name or a password; only the host, the port
and the scheme leave this module.  Bounded: long values are cut, lists are capped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from dorgu.analysis.hostnames import (
    component_for_host,
    is_address_setting,
    is_identity_setting,
)
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

MAX_VALUE = 4096
MAX_ADDRESSES = 32
MAX_PORT = 65535

_PORT_NAME = LazyPattern(r"^(?P<prefix>.*?)(?P<sep>[_.:-]{1,2})PORT$", re.IGNORECASE)
_HOST_NAME = LazyPattern(r"^(?P<prefix>.*?)(?P<sep>[_.:-]{1,2})(HOST|HOSTNAME|SERVER)$", re.I)
_SCHEME = LazyPattern(r"([A-Za-z][A-Za-z0-9+.-]{0,30})://")
_HOST = LazyPattern(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})")
_CONN_HOST_KEYS = frozenset(
    {"server", "host", "hostname", "data source", "datasource", "address", "addr",
     "network address", "endpoint"}
)  # fmt: skip
_CONN_PORT_KEYS = frozenset({"port"})
_DEFAULT_PORTS: Mapping[str, int] = {
    "http": 80,
    "ws": 80,
    "https": 443,
    "wss": 443,
    "postgres": 5432,
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "redis": 6379,
    "rediss": 6379,
    "amqp": 5672,
    "amqps": 5671,
    "mongodb": 27017,
    "nats": 4222,
    "kafka": 9092,
    "sqlserver": 1433,
    "mssql": 1433,
    "memcached": 11211,
    "cassandra": 9042,
    "bolt": 7687,
    "neo4j": 7687,
    "mqtt": 1883,
    "zookeeper": 2181,
    "clickhouse": 8123,
    "smtp": 25,
    "ldap": 389,
    "ldaps": 636,
}
_NO_DEFAULT = frozenset(
    {"mongodb+srv", "tcp", "udp", "file", "unix", "sqlite", "h2", "dns", "grpc"}
)


@dataclass(frozen=True)
class Address:
    """One address named by a setting.  ``port`` is None when the setting names none (or it was
    unusable: then ``problem`` says why, without quoting the value)."""

    host: str  # lower-cased
    port: int | None = None
    scheme: str | None = None  # lower-cased; JDBC sub-protocol for jdbc: URLs
    default_port: bool = False  # the port is the scheme's default, not written
    problem: str | None = None


@dataclass(frozen=True)
class NamedAddress:
    """An address and the setting that names it.  ``component`` is the target when the reader
    already resolved the host (compose knows container names and aliases)."""

    key: str
    address: Address
    location: Location | None = None
    via: str = "env"  # env | config
    component: str | None = None


Setting = tuple[str, str, Location | None]  # name, raw value (never stored), where


def setting_addresses(settings: Sequence[Setting], *, via: str = "env") -> list[NamedAddress]:
    """The addresses a group of settings names (one component's environment or config file),
    with ``*_HOST`` + ``*_PORT`` pairs joined."""
    values = {name: value for name, value, _ in settings}
    paired = paired_addresses(values)
    found: list[NamedAddress] = []
    for name, value, location in settings:
        joined = paired.get(name)
        addresses = (joined,) if joined is not None else addresses_in(name, value)
        found.extend(NamedAddress(name, a, location, via) for a in addresses)
    return found


def resolved(found: Sequence[NamedAddress], hosts: Mapping[str, str]) -> list[NamedAddress]:
    """Only the addresses whose host ``hosts`` knows (lower-cased host -> component), with the
    component filled in."""
    kept: list[NamedAddress] = []
    for item in found:
        target = component_for_host(item.address.host, hosts)
        if target is not None:
            kept.append(replace(item, component=target))
    return kept


_HOST_PORTS = LazyPattern(r"[A-Za-z0-9_.-]+:[0-9]{1,5}(\s*,\s*[A-Za-z0-9_.-]+:[0-9]{1,5})*")


def may_name_address(name: str, value: str) -> bool:
    """True when ``value`` can name a host: a URL, a connection string, ``host:port`` list, or
    any value of an address setting (``*_HOST``, ``*_ADDR``, ``*_URL`` ...).  A bare word in
    another setting (``POSTGRES_USER=checkout``) is not a host even if a service has that name,
    and an identity setting (``*_USER``, ``*_DATABASE``, ``*_NAME``...) names one only in a URL."""
    text = value.strip()[:MAX_VALUE]
    if "://" in text:
        return True
    if is_identity_setting(name) and "=" not in text:  # ``ConnectionStrings:Db`` still counts
        return False
    return (
        is_address_setting(name)
        or _looks_like_connection_string(text)
        or bool(_HOST_PORTS.fullmatch(text))
    )


def addresses_in(name: str, value: str) -> tuple[Address, ...]:
    """Every address ``value`` names (at most ``MAX_ADDRESSES``), in order of appearance."""
    text = value.strip()[:MAX_VALUE]
    found: list[Address] = []
    if "://" in text:
        found.extend(_urls(text))
    elif is_identity_setting(name) and "=" not in text:
        return ()
    elif _looks_like_connection_string(text):
        found.extend(_connection_string(text))
    elif is_address_setting(name):
        found.extend(_host_list(text, scheme=None))
    unique: dict[tuple[str, int | None], Address] = {}
    for address in found:
        unique.setdefault((address.host, address.port), address)
    return tuple(unique.values())[:MAX_ADDRESSES]


def paired_addresses(settings: Mapping[str, str]) -> dict[str, Address]:
    """``X_HOST=db`` + ``X_PORT=5433`` (also ``x.host``/``x.port``): the host setting's name ->
    the joined address.  Hosts without a port partner are left to ``addresses_in``."""
    ports: dict[str, str] = {}
    for key, value in settings.items():
        match = _PORT_NAME.match(key)
        if match:
            ports[(match.group("prefix") + match.group("sep")).lower()] = value.strip()
    joined: dict[str, Address] = {}
    for key, value in settings.items():
        match = _HOST_NAME.match(key)
        if not match or "://" in value:
            continue
        port_text = ports.get((match.group("prefix") + match.group("sep")).lower())
        if port_text is None:
            continue
        hosts = _host_list(value.strip()[:MAX_VALUE], scheme=None)
        if len(hosts) != 1 or hosts[0].port is not None or hosts[0].problem:
            continue
        port, problem = _port(port_text)
        joined[key] = Address(host=hosts[0].host, port=port, problem=problem)
    return joined


def default_port(scheme: str | None) -> int | None:
    """The port a client of ``scheme`` uses when the address names none."""
    if scheme is None or scheme in _NO_DEFAULT:
        return None
    return _DEFAULT_PORTS.get(scheme)


def _urls(text: str) -> Iterable[Address]:
    for match in _SCHEME.finditer(text):
        scheme = match.group(1).lower()
        prefix = text[max(0, match.start() - 40) : match.start()].lower()
        jdbc = re.search(r"jdbc:(?:[a-z0-9+.-]+:)*$", prefix)
        if jdbc and ":" in jdbc.group(0)[5:]:
            scheme = jdbc.group(0)[5:].split(":", 1)[0] or scheme
        rest = re.split(r"[\s\"'<>]", text[match.end() :], maxsplit=1)[0]
        if scheme == "dns" and rest.startswith("/"):
            rest = rest.lstrip("/")  # gRPC target ``dns:///cart:7070``
        authority = _authority(rest)
        yield from _host_list(authority, scheme=scheme)


def _authority(rest: str) -> str:
    """The host list of a URL after ``scheme://``, with any ``userinfo@`` dropped.  A password
    may hold ``/`` or ``?``; the last ``@`` before the query decides where userinfo ends."""
    query = min((i for i in (rest.find(c) for c in "?#;") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, query)
    if at >= 0:
        rest = rest[at + 1 :]
    end = min((i for i in (rest.find(c) for c in "/?#;") if i >= 0), default=len(rest))
    return rest[:end]


def _looks_like_connection_string(text: str) -> bool:
    keys = {part.partition("=")[0].strip().lower() for part in text.split(";") if "=" in part}
    return bool(keys & _CONN_HOST_KEYS) or (
        "," in text and "=" in text and not text.partition(",")[0].count("=")
    )


def _connection_string(text: str) -> Iterable[Address]:
    pairs: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            pairs.setdefault(key.strip().lower(), value.strip())
    host_value = next((pairs[k] for k in sorted(_CONN_HOST_KEYS) if k in pairs), None)
    if host_value is None:
        # StackExchange.Redis / Kafka style: ``host:port,host2:port,key=value,...``
        hosts = ",".join(p for p in text.split(",") if "=" not in p)
        yield from _host_list(hosts, scheme=None)
        return
    port_value = next((pairs[k] for k in _CONN_PORT_KEYS if k in pairs), None)
    host_value = re.sub(r"^(tcp|np|lpc):", "", host_value, flags=re.IGNORECASE)
    host_value = host_value.split("\\", 1)[0]  # SQL Server named instance
    host_value = host_value.replace(",", ":") if host_value.count(",") == 1 else host_value
    for address in _host_list(host_value, scheme=None):
        if address.port is None and port_value is not None:
            port, problem = _port(port_value)
            address = Address(address.host, port, address.scheme, problem=problem)
        yield address


def _host_list(text: str, *, scheme: str | None) -> list[Address]:
    found: list[Address] = []
    for item in text.split(",")[:MAX_ADDRESSES]:
        item = item.strip()
        if not item:
            continue
        if item.startswith("["):  # [ipv6]:port: never a component name
            continue
        host, sep, port_text = item.partition(":")
        if ":" in port_text or not _HOST.fullmatch(host):
            continue
        port, problem = _port(port_text) if sep else (None, None)
        defaulted = False
        if port is None and problem is None:
            port = default_port(scheme)
            defaulted = port is not None
        found.append(Address(host.lower(), port, scheme, defaulted, problem))
    return found


def _port(text: str) -> tuple[int | None, str | None]:
    text = text.strip().rstrip("/")
    if not text:
        return None, None
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None, "the port is not a number"
    number = int(text)
    if not 1 <= number <= MAX_PORT:
        return None, f"port {number} is out of range (1-{MAX_PORT})"
    return number, None
