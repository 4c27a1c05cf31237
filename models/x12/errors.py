"""The one error every X12 reader and writer raises."""

from __future__ import annotations

__all__ = ["X12Error"]


class X12Error(ValueError):
    """A malformed, unbalanced or unsupported X12 document.

    Carries where the problem is: the file name (when the caller gave one), the
    interchange (ISA13), functional group (GS06) and transaction (ST02) control
    numbers, the 1-based position of the segment in the file, the segment id and
    the 1-based element position. ``str()`` shows all of it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        interchange: str | None = None,
        group: str | None = None,
        transaction: str | None = None,
        segment_position: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.interchange = interchange
        self.group = group
        self.transaction = transaction
        self.segment_position = segment_position
        self.segment_id = segment_id
        self.element = element

    def with_file(self, file: str | None) -> X12Error:
        """Return self after recording the file name (when not known yet)."""
        if self.file is None:
            self.file = file
        return self

    def __str__(self) -> str:
        where: list[str] = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.interchange is not None:
            where.append(f"interchange {self.interchange}")
        if self.group is not None:
            where.append(f"group {self.group}")
        if self.transaction is not None:
            where.append(f"transaction {self.transaction}")
        if self.segment_position is not None:
            seg = f"segment {self.segment_position}"
            if self.segment_id:
                seg += f" ({self.segment_id})"
            where.append(seg)
        elif self.segment_id:
            where.append(f"segment {self.segment_id}")
        if self.element is not None:
            where.append(f"element {self.element}")
        if not where:
            return self.message
        return ", ".join(where) + ": " + self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Keep keyword fields when pickled (Temporal/multiprocessing friendliness).
        return (_rebuild, (self.message, self.__dict__.copy()))


def _rebuild(message: str, fields: dict[str, object]) -> X12Error:
    err = X12Error(message)
    err.__dict__.update(fields)
    return err
