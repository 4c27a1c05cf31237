"""Admin users page: create, set roles, deactivate and reactivate."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import users as user_repo


async def test_admin_creates_a_user_who_can_then_log_in(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    response = await admin.post(
        "/admin/users",
        {
            "username": "nora",
            "display_name": "Nora N",
            "password": "long-enough-1",
            "roles": ["biller", "intake"],
            "team": "east",
        },
    )
    assert response.status_code == 200 and "User nora created." in response.text
    with web_sessions() as s:
        nora = user_repo.get_by_username(s, "nora")
        assert nora is not None and nora.role_set == {"biller", "intake"} and nora.team == "east"


async def test_bad_user_input_is_explained_and_nothing_is_created(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    short = await admin.post(
        "/admin/users", {"username": "x1", "password": "short", "roles": "biller"}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    taken = await admin.post(
        "/admin/users", {"username": "biller", "password": "long-enough-1", "roles": "biller"}
    )
    assert taken.status_code == 422 and "is taken" in taken.text
    with web_sessions() as s:
        assert user_repo.get_by_username(s, "x1") is None


async def test_admin_sets_roles_and_deactivates(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    await admin.post("/admin/users/biller2/roles", {"roles": ["biller", "supervisor"]})
    await admin.post("/admin/users/biller2/active", {"active": "0"})
    with web_sessions() as s:
        u = user_repo.get_by_username(s, "biller2")
        assert u is not None and u.role_set == {"biller", "supervisor"} and not u.active
    none = await admin.post("/admin/users/biller2/roles", {})
    assert none.status_code == 422 and "at least one role" in none.text
    myself = await admin.post("/admin/users/admin/active", {"active": "0"})
    assert myself.status_code == 422
