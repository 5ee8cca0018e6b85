from __future__ import annotations

import socket
from pathlib import Path

from dorgu.devcluster import ports


def test_allocated_ports_are_distinct_and_bindable(tmp_path: Path) -> None:
    reservation = ports.Reservation(directory=tmp_path)
    try:
        allocated = [reservation.allocate() for _ in range(6)]

        assert len(set(allocated)) == 6
        assert all(ports.is_free(port) for port in allocated)
        assert reservation.ports == tuple(allocated)
    finally:
        reservation.release()


def test_a_reserved_port_is_never_handed_to_another_run(tmp_path: Path, monkeypatch) -> None:
    first = ports.Reservation(directory=tmp_path)
    second = ports.Reservation(directory=tmp_path)
    taken = first.allocate()
    offered = iter([taken, taken, taken + 1 if taken < 65535 else taken - 1])
    monkeypatch.setattr(ports, "_kernel_free_port", lambda: next(offered))
    try:
        assert second.allocate() != taken
    finally:
        first.release()
        second.release()


def test_released_ports_can_be_reserved_again(tmp_path: Path, monkeypatch) -> None:
    first = ports.Reservation(directory=tmp_path)
    port = first.allocate()
    first.release()
    monkeypatch.setattr(ports, "_kernel_free_port", lambda: port)
    second = ports.Reservation(directory=tmp_path)
    try:
        assert second.allocate() == port
    finally:
        second.release()


def test_is_free_sees_a_listening_socket() -> None:
    with socket.socket() as sock:
        sock.bind((ports.LOOPBACK, 0))
        sock.listen()
        assert not ports.is_free(sock.getsockname()[1])
