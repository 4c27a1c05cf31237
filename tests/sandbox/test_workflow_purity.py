"""The modules of ``workflows`` are safe to pass through the sandbox (iopbill/sandbox.py).

The worker's trusted runner does not re-import ``workflows`` for each instance, so the
sandbox no longer intercepts their calls and every instance shares their globals. This
reads each module and refuses what the sandbox would have caught, or what sharing would
break: clocks, randomness, I/O, threads and processes, ``global`` statements and mutable
module-level or class-level values. The strict sandbox, which the rest of the suite runs
under, still catches what happens at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workflows

ROOT = Path(workflows.__file__).parent
MODULES = sorted(ROOT.glob("*.py"))

FORBIDDEN_MODULES = {
    "random",
    "secrets",
    "time",
    "uuid",
    "os",
    "io",
    "socket",
    "subprocess",
    "threading",
    "multiprocessing",
    "concurrent",
    "sqlalchemy",
    "httpx",
    "requests",
    "activities",
    "web",
}
# Calls that read the clock or the world; the workflow's own are workflow.now(),
# workflow.uuid4() and workflow.random().
FORBIDDEN_CALLS = {
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "open",
    "input",
    "exec",
    "eval",
    "breakpoint",
    "asyncio.get_event_loop",
    "asyncio.new_event_loop",
}
MUTABLE_CALLS = {"list", "dict", "set", "bytearray", "defaultdict", "Counter", "OrderedDict"}


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def is_mutable(value: ast.expr | None) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    return isinstance(value, ast.Call) and dotted(value.func).split(".")[-1] in MUTABLE_CALLS


def is_dataclass(cls: ast.ClassDef) -> bool:
    return any("dataclass" in ast.unparse(d) for d in cls.decorator_list)


def shared_state(body: list[ast.stmt], where: str) -> list[str]:
    """Mutable values bound in a module or class body (shared by every instance)."""
    found = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and is_mutable(stmt.value):
            found.append(
                f"line {stmt.lineno}: mutable {where} value {ast.unparse(stmt.targets[0])}"
            )
        elif isinstance(stmt, ast.AnnAssign) and is_mutable(stmt.value):
            found.append(f"line {stmt.lineno}: mutable {where} value {ast.unparse(stmt.target)}")
    return found


def problems(source: str) -> list[str]:
    """What in ``source`` would be unsafe in a module passed through the sandbox."""
    tree = ast.parse(source)
    found = shared_state(tree.body, "module-level")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name in FORBIDDEN_CALLS or any(name.endswith("." + c) for c in FORBIDDEN_CALLS):
                found.append(f"line {node.lineno}: calls {name}()")
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            found.append(f"line {node.lineno}: {type(node).__name__.lower()} statement")
        if isinstance(node, ast.ClassDef) and not is_dataclass(node):
            found += shared_state(node.body, f"class {node.name}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_workflow_module_is_safe_to_pass_through(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


def test_every_workflow_module_is_read() -> None:
    names = {p.name for p in MODULES}
    assert {"episode.py", "claim.py", "human_task.py", "inbox.py", "claim_steps.py"} <= names


BAD = """
import random
from datetime import datetime, date
from uuid import uuid4
CACHE = {}
SEEN: list[str] = []
ALLOWED = ("a", "b")

class Steps:
    pending = []

    def stamp(self):
        global CACHE
        return datetime.now(), date.today(), open("x")
"""


def test_the_check_finds_each_kind_of_problem() -> None:
    found = problems(BAD)
    assert found == [
        "line 5: mutable module-level value CACHE",
        "line 6: mutable module-level value SEEN",
        "line 2: imports random",
        "line 4: imports uuid",
        "line 10: mutable class Steps value pending",
        "line 13: global statement",
        "line 14: calls datetime.now()",
        "line 14: calls date.today()",
        "line 14: calls open()",
    ]
