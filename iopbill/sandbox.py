"""The SDK's workflow sandbox without two costs it pays on every payload.

The sandboxed runner reaches into a workflow's sandbox by compiling and executing a short
code string, with the sandbox's importer applied around it. It does that for every
activation and, through the worker's command-aware data converter, for every sequence of
payloads it encodes or decodes, to ask the workflow which serialization context the
payloads belong to. A profile of the episodes benchmark put about a sixth of the worker's
Python time there: compiling the same few strings again and again, and swapping
``sys.modules``, ``__import__`` and the restricted builtins in and out.

``workflow_runner()`` keeps the sandbox and its restrictions as they are and changes two
things:

* each code string is compiled once per process (the SDK executes it unchanged);
* the serialization-context question goes straight to the in-sandbox instance. The
  answer is computed from the instance's pending-command tables and built from
  ``temporalio.converter`` classes, which the sandbox passes through: no import, no
  restricted call, so the importer has nothing to guard.

Both lean on the runner's private ``_Instance``; ``requirements.lock`` pins the SDK, and
``tests/sandbox/test_runner.py`` fails if the private parts this relies on move.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.converter import SerializationContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance

_COMPILED: dict[str, CodeType] = {}


def _compiled(code: str) -> CodeType:
    found = _COMPILED.get(code)
    if found is None:
        found = _COMPILED.setdefault(code, compile(code, "<workflow sandbox>", "exec"))
    return found


class _Sandboxed(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        # exec() takes a code object as readily as a string.
        super()._run_code(_compiled(code), **extra_globals)  # type: ignore[arg-type]

    def get_serialization_context(self, command_info: Any) -> SerializationContext | None:
        in_sandbox: Any = self.globals_and_locals["__temporal_in_sandbox"]
        return in_sandbox.get_serialization_context(command_info)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Runner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Sandboxed(det, self.runner_class, self.restrictions)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandboxed runner every iopbill worker and replayer uses."""
    return _Runner()
