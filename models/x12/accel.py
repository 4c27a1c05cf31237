"""The optional C accelerator of the X12 readers, and the switch tests use to turn it off.

``_speedups`` (built from ``_speedups.c`` by ``pip install -e .``) holds C twins of
two hot loops: splitting a file into segments and elements (noting where envelope
segments and malformed segment ids sit), and reading the claims of an 835. Each
twin either returns exactly what its Python twin returns, or ``None`` ("not the
plain case"), and then the Python twin runs and raises the located X12Error. When
the extension is not built, the Python twins do all the work, with the same
results and the same errors, only slower.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["available", "native_enabled", "pure_python", "read_claims", "split_segments"]

_native: ModuleType | None
try:
    from . import _speedups as _native
except ImportError:  # pragma: no cover - only when the extension was not built
    _native = None

_enabled = True


def available() -> bool:
    """Whether the C accelerator is built and importable."""
    return _native is not None


def native_enabled() -> bool:
    """Whether the readers use the C accelerator right now."""
    return _native is not None and _enabled


@contextmanager
def pure_python() -> Iterator[None]:
    """Run the Python twins only (tests compare both paths)."""
    global _enabled
    was = _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = was


def split_segments(
    text: str, element: str, terminator: str
) -> tuple[list[list[str]], list[int]] | None:
    if _native is None or not _enabled:
        return None
    result: tuple[list[list[str]], list[int]] | None = _native.split_segments(
        text, element, terminator
    )
    return result


def read_claims(
    segments: list[list[str]], start: int, component: str, spec: tuple[Any, ...]
) -> tuple[list[Any], int] | None:
    if _native is None or not _enabled:
        return None
    result: tuple[list[Any], int] | None = _native.read_claims(segments, start, component, spec)
    return result
