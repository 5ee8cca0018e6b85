"""Compose port syntax: ``ports`` (short and long) and ``expose``.

Short syntax is ``[HOST_IP:][PUBLISHED[-END]:]TARGET[-END][/PROTOCOL]``; IPv6 host addresses
may be bracketed (``[::1]:80:8080``).  Ranges expand to one mapping per port.

Must not: raise anything but ``InvalidValue``, or expand a range of more than
``MAX_RANGE`` ports (a typo like ``1-65535`` must not allocate 65k objects).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dorgu.analysis.compose.coercing import InvalidValue, mapping_of, text_of
from dorgu.models.app import Protocol
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

MAX_RANGE = 1024
_RANGE = LazyPattern(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")
_PROTOCOLS = {p.value.lower(): p for p in Protocol}


@dataclass(frozen=True)
class PortMapping:
    """One container port and how it is published.  ``published_end`` marks a host range."""

    target: int
    published: int | None = None
    published_end: int | None = None
    host_ip: str | None = None
    protocol: Protocol = Protocol.TCP
    name: str | None = None
    app_protocol: str | None = None
    location: Location | None = None

    def merge_key(self) -> tuple[str | None, int, int | None, Protocol]:
        """The uniqueness key Compose uses when merging ``ports``."""
        return (self.host_ip, self.target, self.published, self.protocol)


def parse_port(value: object, location: Location | None = None) -> list[PortMapping]:
    """One ``ports`` item in short (string/int) or long (mapping) syntax."""
    if isinstance(value, dict):
        return _parse_long(mapping_of(value, "port"), location)
    text = text_of(value)
    if text is None or isinstance(value, bool | float):
        raise InvalidValue(f"port must be a string, a number or a mapping, not {value!r}")
    return _parse_short(text.strip(), location)


def parse_expose(value: object, location: Location | None = None) -> list[PortMapping]:
    """One ``expose`` item: ``3000``, ``"3000-3005"`` or ``"3000/udp"``."""
    text = text_of(value)
    if text is None or isinstance(value, bool | float):
        raise InvalidValue(f"expose must be a port number or range, not {value!r}")
    text, protocol = _split_protocol(text.strip())
    first, last = _range(text, "expose")
    return [PortMapping(p, protocol=protocol, location=location) for p in range(first, last + 1)]


def format_port(mapping: PortMapping) -> str:
    """The short syntax of a single mapping (the inverse of ``parse_port`` for one port)."""
    parts: list[str] = []
    if mapping.host_ip is not None:
        ip = mapping.host_ip
        parts.append(f"[{ip}]" if ":" in ip else ip)
    if mapping.published is not None:
        end = f"-{mapping.published_end}" if mapping.published_end is not None else ""
        parts.append(f"{mapping.published}{end}")
    elif mapping.host_ip is not None:
        parts.append("")
    parts.append(str(mapping.target))
    text = ":".join(parts)
    if mapping.protocol is not Protocol.TCP:
        text += "/" + mapping.protocol.value.lower()
    return text


def _parse_short(text: str, location: Location | None) -> list[PortMapping]:
    spec, protocol = _split_protocol(text)
    host_ip: str | None = None
    if spec.startswith("["):
        close = spec.find("]")
        if close < 0 or spec[close + 1 : close + 2] != ":":
            raise InvalidValue(f"port {text!r}: unbalanced '[' around the host address")
        host_ip = spec[1:close]
        published, sep, target = spec[close + 2 :].rpartition(":")
        if not sep:
            published, target = "", spec[close + 2 :]
    else:
        parts = spec.split(":")
        if len(parts) == 1:
            published, target = "", parts[0]
        elif len(parts) == 2:
            published, target = parts
        else:
            host_ip = ":".join(parts[:-2])
            published, target = parts[-2], parts[-1]
    if host_ip is not None:
        _check_ip(host_ip, text)
    return _expand(target, published or None, host_ip, protocol, None, None, location)


def _parse_long(data: dict[str, object], location: Location | None) -> list[PortMapping]:
    if "target" not in data:
        raise InvalidValue("long-syntax port needs a 'target'")
    target = text_of(data["target"])
    published = text_of(data.get("published"))
    host_ip = text_of(data.get("host_ip"))
    if host_ip is not None:
        _check_ip(host_ip, str(data))
    protocol = _protocol(text_of(data.get("protocol")) or "tcp")
    if target is None:
        raise InvalidValue("port target must be a number")
    name = text_of(data.get("name"))
    app_protocol = text_of(data.get("app_protocol"))
    return _expand(target, published or None, host_ip, protocol, name, app_protocol, location)


def _expand(
    target: str,
    published: str | None,
    host_ip: str | None,
    protocol: Protocol,
    name: str | None,
    app_protocol: str | None,
    location: Location | None,
) -> list[PortMapping]:
    t_first, t_last = _range(target.strip(), "container port")

    def make(port: int, host: int | None = None, host_end: int | None = None) -> PortMapping:
        return PortMapping(
            port,
            published=host or None,
            published_end=host_end if host else None,
            host_ip=host_ip or None,
            protocol=protocol,
            name=name,
            app_protocol=app_protocol,
            location=location,
        )

    if published is None:
        return [make(p) for p in range(t_first, t_last + 1)]
    p_first, p_last = _range(published.strip(), "published port", allow_zero=True)
    if t_first == t_last:
        return [make(t_first, p_first, p_last if p_last != p_first else None)]
    if p_last - p_first != t_last - t_first:
        raise InvalidValue(
            f"port range {published}:{target} maps {p_last - p_first + 1} host ports to "
            f"{t_last - t_first + 1} container ports"
        )
    return [make(t, p_first + i) for i, t in enumerate(range(t_first, t_last + 1))]


def _range(text: str, what: str, *, allow_zero: bool = False) -> tuple[int, int]:
    match = _RANGE.fullmatch(text)
    if not match:
        raise InvalidValue(f"{what} must be a number or a range like 9000-9002, not {text!r}")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    low = 0 if allow_zero else 1
    if not (low <= first <= 65535 and low <= last <= 65535):
        raise InvalidValue(f"{what} {text!r} is outside 1-65535")
    if last < first:
        raise InvalidValue(f"{what} range {text!r} ends before it starts")
    if last - first >= MAX_RANGE:
        raise InvalidValue(f"{what} range {text!r} is larger than {MAX_RANGE} ports")
    if first == 0 and last != 0:
        raise InvalidValue(f"{what} range {text!r} starts at 0")
    return first, last


def _split_protocol(text: str) -> tuple[str, Protocol]:
    spec, sep, proto = text.rpartition("/")
    if not sep:
        return text, Protocol.TCP
    return spec, _protocol(proto)


def _protocol(text: str) -> Protocol:
    protocol = _PROTOCOLS.get(text.strip().lower())
    if protocol is None:
        raise InvalidValue(f"port protocol must be tcp, udp or sctp, not {text!r}")
    return protocol


def _check_ip(ip: str, text: str) -> None:
    try:
        ipaddress.ip_address(ip)
    except ValueError as e:
        raise InvalidValue(f"port {text!r}: {ip!r} is not an IP address") from e
