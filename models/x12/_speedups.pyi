# The optional C accelerator (models/x12/_speedups.c); see models/x12/accel.py.
from typing import Any

def split_segments(
    text: str, element: str, terminator: str, /
) -> tuple[list[list[str]], list[int]] | None: ...
def read_claims(
    segments: list[list[str]], start: int, component: str, spec: tuple[Any, ...], /
) -> tuple[list[Any], int] | None: ...
