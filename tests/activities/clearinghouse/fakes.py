"""Test doubles for the Clearinghouse protocol."""

from __future__ import annotations

from datetime import datetime

from activities.clearinghouse.protocol import InboundFile, OutboundFile


class Replaying:
    """Hands out the same inbound files on every receive (a feed that re-sends)."""

    name = "replaying"

    def __init__(self, files: list[InboundFile]) -> None:
        self.files = list(files)
        self.sent: list[OutboundFile] = []
        self.acknowledged: list[tuple[str, bool]] = []

    def send(self, out: OutboundFile, *, now: datetime) -> None:
        self.sent.append(out)

    def receive(self, *, now: datetime) -> list[InboundFile]:
        return list(self.files)

    def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
        self.acknowledged.append((inbound.name, ok))
