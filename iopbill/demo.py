"""`iopbill seed-demo`: a believable IOP program to click through.

Loads users (one per role), patients across the shipped payers and their episodes,
then starts each episode's workflow. Runs only on an empty database unless forced;
every id is deterministic, so a second run changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from iopbill.client import connect
from iopbill.dev import DEMO_LOGINS
from iopbill.settings import Settings
from models.db import episodes as episode_repo
from models.db import users as user_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.tables import User
from workflows.episode_types import StartEpisodeInput
from workflows.starters import start_episode

DEMO_PASSWORD = "demo-pass-1"
FIRST = [
    "Avery",
    "Jordan",
    "Riley",
    "Casey",
    "Morgan",
    "Quinn",
    "Rowan",
    "Sage",
    "Emerson",
    "Harper",
    "Parker",
    "Reese",
    "Skyler",
    "Tatum",
    "Dakota",
    "Finley",
    "Hayden",
    "Jamie",
    "Kendall",
    "Logan",
]
LAST = [
    "Alder",
    "Brook",
    "Calloway",
    "Dunmore",
    "Ellery",
    "Fairweather",
    "Garrison",
    "Holloway",
    "Ingram",
    "Jessup",
    "Kingsley",
    "Lockwood",
    "Merriman",
    "Northcott",
    "Oakes",
    "Pemberton",
]
PAYERS = ["medicare", "medicaid_state", "commercial_alpha", "commercial_beta", "commercial_gamma"]
PATIENTS = 32


async def seed(settings: Settings, *, force: bool) -> str:
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with sessions() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
    if users and not force:
        return "demo data: database already has users, nothing loaded"
    rng = random.Random(2026)
    starts: list[StartEpisodeInput] = []
    with sessions() as session, session.begin():
        for username, role in DEMO_LOGINS:
            if user_repo.get_by_username(session, username) is None:
                user_repo.create_user(
                    session,
                    username=username,
                    password=DEMO_PASSWORD,
                    roles=[role],
                    display_name=username.rstrip("0123456789").title() + " " + username[-1],
                )
        for n in range(1, PATIENTS + 1):
            patient_id, episode_id = f"P{n:04d}", f"E{n:04d}"
            incomplete = n % 3 == 0  # every third intake arrives incomplete → a task
            episode_repo.create_patient(
                session,
                patient_id=patient_id,
                first_name=rng.choice(FIRST),
                last_name="" if incomplete else rng.choice(LAST),
                birth_date=None
                if incomplete
                else date(1960, 1, 1) + timedelta(days=rng.randrange(18000)),
                gender=rng.choice("FMU"),
                member_id="" if incomplete else f"M{rng.randrange(10**8):08d}",
            )
            payer = PAYERS[n % len(PAYERS)]
            program = "substance_use" if n % 4 == 0 else "psychiatric"
            episode_repo.create_episode(
                session,
                episode_id=episode_id,
                patient_id=patient_id,
                payer_id=payer,
                program=program,
                admit_date=date.today() - timedelta(days=rng.randrange(1, 40)),
            )
            starts.append(
                StartEpisodeInput(
                    episode_id=episode_id,
                    payer_id=payer,
                    program=program,
                    day_seconds=settings.day_seconds,
                )
            )
    client = await connect(settings)
    for inp in starts:
        await start_episode(client, settings.task_queue, inp)
    return f"demo data: {len(DEMO_LOGINS)} users, {len(starts)} patients and episodes started"
