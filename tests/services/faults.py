"""Fault injection shared by the service tests."""

from __future__ import annotations

import os

import pytest


def fail_replacing(
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    *,
    errno: int = 5,
    message: str = "Input/output error",
) -> None:
    """Make the atomic rename onto a path ending in ``suffix`` fail (EIO unless told; backups
    still move, so a rollback can run)."""
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if str(dst).endswith(suffix) and "backup" not in str(src):
            raise OSError(errno, message)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
