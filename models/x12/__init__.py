"""Pure X12 5010 readers and writers (stdlib only). See docs/x12.md."""

from .errors import X12Error

__all__ = ["X12Error"]
