"""Which stored files' notices a workflow has already taken.

The inbox's delivery activity (activities/clearinghouse/deliver.py) sends a poll's
notices again when it is retried, so a claim or an episode may be signalled twice with
the notice of one file. It takes the first and ignores the rest. A notice without a
stored file (``x12_file_id`` 0: recorded by hand, or a test's) is always taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SeenNotices:
    keys: set[str] = field(default_factory=set)

    def first_sight(self, kind: str, x12_file_id: int) -> bool:
        """True the first time the ``kind`` notice of file ``x12_file_id`` arrives."""
        if not x12_file_id:
            return True
        key = f"{kind}@{x12_file_id}"
        if key in self.keys:
            return False
        self.keys.add(key)
        return True
