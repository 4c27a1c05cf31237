"""Small helpers the writers share: building segments and refusing text that breaks them."""

from __future__ import annotations

import re

from .errors import X12Error

__all__ = ["build", "clean", "has_delimiter"]

_FORBIDDEN = re.compile(r"[*^:~\r\n]").search

# Whether a text holds a delimiter (a match, or None). Writers test several fields
# joined at once, then ``clean`` them one by one only when it matches, to name the
# culprit. A bound C method: no Python frame per call.
has_delimiter = _FORBIDDEN


def clean(value: str, what: str) -> str:
    """Return ``value`` when it holds no delimiter characters, else raise X12Error."""
    if _FORBIDDEN(value) is not None:
        raise X12Error(f"{what} {value!r} contains an X12 delimiter (* ^ : ~ or a line break)")
    return value


def build(*elements: str) -> str:
    """Join elements with '*', dropping trailing empty ones (X12 forbids them)."""
    if elements[-1]:
        return "*".join(elements)
    items = list(elements)
    while items and items[-1] == "":
        items.pop()
    return "*".join(items)
