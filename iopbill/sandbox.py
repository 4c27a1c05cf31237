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

**Strict and trusted.** The sandbox re-imports a workflow's own modules for every
workflow instance it creates: 5–9 ms for a ``ClaimWorkflow`` on the benchmark machine
(``claim.py`` and the four step modules it is split into, their classes and dataclasses
built again), against 0.2 ms with ``workflows`` passed through. An episode tree is six
or more instances, so a profile of the episodes benchmark put 9 % of the worker's
Python time there. A passed-through module is shared by every instance and its calls
are not intercepted: ``datetime.now()`` in it would run instead of failing the task.

* The **trusted** runner (the default of ``workflow_runner()``, used by the worker, the
  dev command and the benchmarks) passes ``workflows`` through. What keeps it honest:
  ``tests/sandbox/test_workflow_purity.py`` reads every module of ``workflows`` and
  refuses clocks, randomness, I/O, threads and module-level mutable state, and the
  recorded histories replay under it.
* The **strict** runner re-imports ``workflows`` per instance, with every runtime
  restriction. The test suite runs with it (``IOPBILL_STRICT_SANDBOX=1``, set by
  ``tests/conftest.py``), so every workflow test still fails on a non-deterministic call.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.converter import SerializationContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
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


STRICT_ENV = "IOPBILL_STRICT_SANDBOX"
TRUSTED_PACKAGES = ("workflows",)


def strict_by_default() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def workflow_runner(
    *, strict: bool | None = None, trusted: Sequence[str] = ()
) -> SandboxedWorkflowRunner:
    """The sandboxed runner every iopbill worker and replayer uses.

    Trusted (the default unless ``IOPBILL_STRICT_SANDBOX`` is set): ``workflows`` and the
    ``trusted`` modules (a benchmark's own workflow) are passed through, not re-imported
    for each instance. Strict: the SDK's restrictions as they are."""
    if strict is None:
        strict = strict_by_default()
    restrictions = SandboxRestrictions.default
    if not strict:
        restrictions = restrictions.with_passthrough_modules(*TRUSTED_PACKAGES, *trusted)
    return _Runner(restrictions=restrictions)
