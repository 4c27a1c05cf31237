"""The one protocol every clearinghouse adapter speaks.

Outbound: the activities build X12 with ``models.x12`` and hand the text to ``send``.
Inbound: ``receive(now)`` returns the files that have arrived by ``now`` (the
workflow's clock, so time-skipping tests and a short demo day work); the inbox
activity stores, parses and matches each file exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class OutboundFile:
    kind: str  # 837P 837I 270 276 APPEAL AUTHREQ
    name: str  # stable: kind, our control number, a short hash
    content: str
    control_number: str = ""
    claim_ids: tuple[str, ...] = ()
    episode_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class InboundFile:
    name: str
    content: str


class Clearinghouse(Protocol):
    name: str

    def send(self, out: OutboundFile, *, now: datetime) -> None:
        """Deliver ``out``; sending the same file again must change nothing."""
        ...

    def receive(self, *, now: datetime) -> list[InboundFile]: ...

    def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
        """Called after an inbound file has been stored: move it out of the inbox.

        ``ok`` is False when the file could not be read (file drop: into failed/).
        """
        ...
