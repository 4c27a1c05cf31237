"""Task kinds and forms of the EpisodeWorkflow (beyond intake). Owned by the episode."""

from __future__ import annotations

from models.forms import FieldType, FormField, FormSchema, register
from models.task_kinds import TaskKind, register_kind
