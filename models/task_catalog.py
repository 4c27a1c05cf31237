"""The one place to look up task kinds and form schemas.

Kinds and forms are registered by the modules that own them (intake in models.forms /
models.task_kinds, the episode's in models.episode_tasks, the claim's in
models.claim_tasks); importing this module loads them all, so workflows and the web
see the same catalogue.
"""

from __future__ import annotations

import models.inbox_tasks  # noqa: F401  (the clearinghouse inbox's unmatched-file task)
from models import claim_tasks, episode_tasks  # noqa: F401  (registers their kinds and forms)
from models.forms import SCHEMAS, FormSchema, get_schema
from models.task_kinds import KINDS, TaskKind, get_kind

__all__ = ["KINDS", "SCHEMAS", "FormSchema", "TaskKind", "get_kind", "get_schema"]
