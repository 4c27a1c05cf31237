"""Jinja2 rendering: whole pages, or one named block for an htmx request.

Each partial endpoint names its block explicitly; a block is named after the DOM id it
replaces, with '-' written as '_' (``id="task-list"`` ↔ ``{% block task_list %}``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"


def _money(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["when"] = _when
    env.filters["day"] = _day
    return env


ENV = make_env()


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page, or only ``block`` when given (the caller decides, never the DOM id)."""
    tmpl = ENV.get_template(template)
    ctx = {"request": request, **getattr(request.state, "page", {}), **context}
    if block is not None:
        return HTMLResponse(
            "".join(tmpl.blocks[block](tmpl.new_context(ctx))),
            status_code=status_code,
            headers=headers,
        )
    body = tmpl.render(ctx)
    return HTMLResponse(body, status_code=status_code, headers=headers)
