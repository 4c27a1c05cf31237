"""What every reader returns: the whole file, grouped by interchange, or an X12Error."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from .envelope import Envelope, RawTransaction, tokenize
from .errors import X12Error

__all__ = ["Document", "Interchange", "assemble", "paused_gc", "read_with"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Interchange(Generic[T]):
    """One ISA/GS pair and the transactions it carried, in file order."""

    envelope: Envelope
    transactions: tuple[T, ...]


@dataclass(frozen=True, slots=True)
class Document(Generic[T]):
    kind: str  # "835", "999", "277CA", "277", "271", "837P", ...
    interchanges: tuple[Interchange[T], ...]

    @property
    def transactions(self) -> tuple[T, ...]:
        return tuple(t for ic in self.interchanges for t in ic.transactions)


def read_with(
    text: str,
    file: str | None,
    kind: str,
    accepts: Callable[[RawTransaction], bool],
    parse: Callable[[RawTransaction], T],
) -> Document[T]:
    """Tokenize ``text`` and parse every transaction with ``parse``; all or nothing."""
    with paused_gc():
        try:
            return assemble(tokenize(text, file), kind, accepts, parse)
        except X12Error as err:
            raise err.with_file(file) from None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC while a file is read.

    Reading allocates hundreds of thousands of small lists and objects and no
    cycles; with the collector on, its full passes over the growing heap made a
    20,000-claim 835 several times slower. Reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def assemble(
    raws: list[RawTransaction],
    kind: str,
    accepts: Callable[[RawTransaction], bool],
    parse: Callable[[RawTransaction], T],
) -> Document[T]:
    """Parse already tokenized transactions into a Document (raises X12Error)."""
    if not raws:
        raise X12Error("the interchange holds no transactions")
    groups: list[Interchange[T]] = []
    current: list[T] = []
    env: Envelope | None = None
    for raw in raws:
        if not accepts(raw):
            raise raw.error(
                f"expected {kind}, found transaction set {raw.set_id} ({raw.version})", 0
            )
        if raw.envelope is not env:
            if env is not None:
                groups.append(Interchange(env, tuple(current)))
            env, current = raw.envelope, []
        current.append(parse(raw))
    assert env is not None
    groups.append(Interchange(env, tuple(current)))
    return Document(kind, tuple(groups))
