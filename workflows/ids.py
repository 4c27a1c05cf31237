"""Workflow ids and Update ids: business ids only, never PHI."""

from __future__ import annotations


def episode_workflow_id(episode_id: str) -> str:
    return f"episode:{episode_id}"


def claim_workflow_id(claim_id: str) -> str:
    return f"claim:{claim_id}"


def task_workflow_id(task_id: str) -> str:
    return f"task:{task_id}"


def complete_update_id(task_id: str) -> str:
    """One id per task: a retried or double-clicked completion is de-duplicated by the server."""
    return f"complete:{task_id}"
