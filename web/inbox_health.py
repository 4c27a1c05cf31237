"""Whether the clearinghouse inbox keeps up: files that have arrived and are not read yet.

The inbox workflow reads what the clearinghouse sent every ``default_poll_seconds`` of
the program's day. A file that has waited several of those polls means the polls are
not running or are late: the worker is down, the folder sync broke, or the Temporal
server is overloaded. Meanwhile claims waiting for those acknowledgements open "missing
acknowledgement" tasks (and episodes "no 271" tasks) that are the inbox's doing, not
the payer's. The admin's clearinghouse page says so, with the oldest waiting file.

Waiting files are found where the adapter keeps them: the simulator's answers are
stored rows not yet delivered; the file-drop adapter's are files in ``{root}/inbox/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from iopbill.settings import Settings
from models.db import x12files
from workflows.inbox import default_poll_seconds

# Polls a file may wait before the page calls the inbox behind, and never less than a
# minute: at the demo's 2.5-second polls a busy moment is not an outage.
BEHIND_POLLS = 3
BEHIND_AT_LEAST_S = 60.0


@dataclass(frozen=True, kw_only=True)
class InboxHealth:
    waiting: int  # files arrived (or due) and not read by a poll yet
    oldest: datetime | None  # when the longest-waiting of them arrived or became due
    last_read: datetime | None  # the newest poll that read a file
    poll_seconds: float
    now: datetime

    @property
    def waited_s(self) -> float:
        return 0.0 if self.oldest is None else (self.now - self.oldest).total_seconds()

    @property
    def behind(self) -> bool:
        return self.waiting > 0 and self.waited_s > self.behind_after_s

    @property
    def behind_after_s(self) -> float:
        return max(BEHIND_POLLS * self.poll_seconds, BEHIND_AT_LEAST_S)


def folder_waiting(inbox: Path) -> tuple[int, datetime | None]:
    """Files in a file-drop inbox folder (hidden ones are partial uploads, as the adapter
    skips them) and the modification time of the oldest."""
    if not inbox.is_dir():
        return 0, None
    times = [
        p.stat().st_mtime for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")
    ]
    if not times:
        return 0, None
    return len(times), datetime.fromtimestamp(min(times), UTC)


def inbox_health(db: Session, settings: Settings, now: datetime) -> InboxHealth:
    if settings.clearinghouse == "filedrop":
        waiting, oldest = folder_waiting(Path(settings.filedrop_dir) / "inbox")
    else:
        waiting, oldest = x12files.due_unread(db, now)
    return InboxHealth(
        waiting=waiting,
        oldest=oldest,
        last_read=x12files.last_read(db),
        poll_seconds=default_poll_seconds(settings.day_seconds),
        now=now,
    )
