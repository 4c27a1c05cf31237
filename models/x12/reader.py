"""``read_x12``: read any supported X12 file, picking the reader from its first ST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ack999 import parse_999
from .document import Document, assemble, paused_gc
from .envelope import RawTransaction, tokenize
from .errors import X12Error
from .read277 import parse_277
from .read835 import parse_835
from .read837 import parse_837
from .read_eligibility import parse_270, parse_271
from .status276 import parse_276
from .status277 import VERSION_277, VERSION_277CA

__all__ = ["SUPPORTED", "read_x12"]

_Parser = Callable[[RawTransaction], Any]


def _kind(raw: RawTransaction) -> tuple[str, _Parser] | None:
    sid = raw.set_id
    if sid == "835":
        return "835", parse_835
    if sid == "999":
        return "999", parse_999
    if sid == "277":
        if raw.version == VERSION_277CA:
            return "277CA", parse_277
        if raw.version == VERSION_277:
            return "277", parse_277
        return None
    if sid == "271":
        return "271", parse_271
    if sid == "270":
        return "270", parse_270
    if sid == "276":
        return "276", parse_276
    if sid == "837":
        return ("837P" if "X222" in raw.version else "837I"), parse_837
    return None


SUPPORTED = ("835", "999", "277CA", "277", "271", "270", "276", "837P", "837I")


def read_x12(text: str, file: str | None = None) -> Document[Any]:
    """Read a whole file of one transaction type; raise X12Error on anything bad."""
    with paused_gc():
        return _read(text, file)


def _read(text: str, file: str | None) -> Document[Any]:
    try:
        raws = tokenize(text, file)
        if not raws:
            raise X12Error("the interchange holds no transactions")
        found = _kind(raws[0])
        if found is None:
            raise raws[0].error(
                f"transaction set {raws[0].set_id} ({raws[0].version}) is not supported; "
                f"supported: {', '.join(SUPPORTED)}",
                0,
            )
        kind, parse = found
        return assemble(raws, kind, lambda raw: _kind(raw) == found, parse)
    except X12Error as err:
        raise err.with_file(file) from None
