"""The server caps glibc's malloc arenas unless the operator already did."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from claw_entrypoints.allocator import limit_malloc_arenas


def test_an_operators_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas(2) is False


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt's arena cap is glibc's",
)
def test_on_glibc_the_cap_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert ctypes.util.find_library("c") is not None
    assert limit_malloc_arenas(2) is True
