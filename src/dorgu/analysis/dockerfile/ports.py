"""Reading one EXPOSE port spec: ``80``, ``80/tcp``, ``53/udp``, ``8000-8002/tcp``.

Must not: build ``Port`` models or emit diagnostics; it returns numbers and a problem string.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.models.app import Protocol
from dorgu.models.patterns import LazyPattern

MAX_RANGE = 100  # ports taken from one range such as 30000-40000

_SPEC = LazyPattern(r"^(\d{1,5})(?:-(\d{1,5}))?(?:/([A-Za-z]+))?$")
_PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}


@dataclass(frozen=True)
class PortSpec:
    numbers: tuple[int, ...] = ()
    protocol: Protocol = Protocol.TCP
    problem: str | None = None
    capped: bool = False


def parse_port_spec(spec: str) -> PortSpec:
    """Numbers and protocol of one EXPOSE word, or a ``problem`` saying why it is invalid."""
    match = _SPEC.match(spec.strip())
    if match is None:
        if ":" in spec:
            return PortSpec(problem="EXPOSE takes container ports only, not host:container")
        return PortSpec(problem="not a port number, range or port/protocol")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    proto_name = (match.group(3) or "tcp").lower()
    protocol = _PROTOCOLS.get(proto_name)
    if protocol is None:
        return PortSpec(problem=f"unknown protocol {proto_name!r} (use tcp, udp or sctp)")
    if not 1 <= first <= 65535 or not 1 <= last <= 65535:
        return PortSpec(problem="port numbers must be between 1 and 65535")
    if last < first:
        return PortSpec(problem="port range ends before it starts")
    capped = last - first + 1 > MAX_RANGE
    stop = min(last, first + MAX_RANGE - 1)
    return PortSpec(numbers=tuple(range(first, stop + 1)), protocol=protocol, capped=capped)
