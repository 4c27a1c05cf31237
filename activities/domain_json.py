"""Domain objects ⇄ JSON for the database's JSON columns (pydantic does the typing).

``models.domain`` stays framework-free; this adapter layer rebuilds its frozen
dataclasses (dates, enums, tuples) from what ``to_dict()`` stored.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(kind: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def from_json(kind: type[T], data: Any) -> T:
    result: T = _adapter(kind).validate_python(data)
    return result


def to_json(value: Any) -> Any:
    return _adapter(type(value)).dump_python(value, mode="json")
