"""models.domain stays pure: no framework, database or I/O imports (DESIGN › Import rules)."""

import ast
from pathlib import Path

import pytest

import models.domain

FORBIDDEN = {
    "sqlalchemy",
    "temporalio",
    "fastapi",
    "starlette",
    "jinja2",
    "activities",
    "workflows",
    "web",
    "iopbill",
    "models.db",
    "models.x12",
    "os",
    "io",
    "socket",
    "subprocess",
    "time",
    "random",
    "uuid",
    "httpx",
    "requests",
}
ROOT = Path(models.domain.__file__).parent
MODULES = sorted(ROOT.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_imports_no_framework_database_clock_or_io(path: Path) -> None:
    bad = {
        name
        for name in imported(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert bad == set()


def test_only_the_rule_set_loader_reads_files() -> None:
    readers = [
        p.relative_to(ROOT).as_posix() for p in MODULES if {"importlib", "tomllib"} & imported(p)
    ]
    assert readers == ["rulesets/__init__.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_never_reads_the_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "date.today(" not in text
    assert "datetime.now(" not in text
