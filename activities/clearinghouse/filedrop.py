"""The file-drop adapter: folders synchronised with a real clearinghouse (e.g. over SFTP).

    {root}/outbox/     every document we send, under its stable name (written atomically)
    {root}/inbox/      files the clearinghouse drops for us
    {root}/processed/  inbox files stored and read (moved here after the database has them)
    {root}/failed/     inbox files that could not be read (kept, never deleted)

Exactly once: the inbox activity stores each file by the SHA-256 of its content before
it is moved; a file seen again after a crash (still in inbox/) is recognised by its hash
and only moved. A name already taken in processed/ or failed/ gets a numeric suffix.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .protocol import InboundFile, OutboundFile

__all__ = ["FileDrop"]

MAX_FILES_PER_POLL = 200


class FileDrop:
    name = "filedrop"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.processed = self.root / "processed"
        self.failed = self.root / "failed"
        for folder in (self.outbox, self.inbox, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def send(self, out: OutboundFile, *, now: datetime) -> None:
        target = self.outbox / Path(out.name).name
        if target.exists() and target.read_text(encoding="utf-8") == out.content:
            return  # a retried send: already there
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(out.content, encoding="utf-8", newline="")
        os.replace(tmp, target)

    def receive(self, *, now: datetime) -> list[InboundFile]:
        files = sorted(
            (p for p in self.inbox.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: (p.stat().st_mtime, p.name),
        )[:MAX_FILES_PER_POLL]
        out = []
        for path in files:
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")  # kept as read; the reader reports what is wrong
            out.append(InboundFile(name=path.name, content=text))
        return out

    def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
        source = self.inbox / inbound.name
        if not source.exists():
            return  # moved already (a retried poll)
        folder = self.processed if ok else self.failed
        target = folder / inbound.name
        n = 1
        while target.exists():
            target = folder / f"{inbound.name}.{n}"
            n += 1
        os.replace(source, target)
