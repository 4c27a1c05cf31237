"""`iopbill seed-demo`: a believable IOP program to click through.

Users (one or two per role), 36 patients across the shipped payers, and their episodes
started at once. Member ids carry the simulator's scenario markers (see
docs/workflows.md), so within minutes of a short demo day every queue has work:
incomplete intakes, inactive coverage, a denied authorization, a day attended and not
documented, claims rejected by a 277CA, claims never acknowledged or never paid, CO-50
denials that go to appeal, a CO-16 to correct, a CO-170 for credentialing, a CO-109 to
review, paid claims with coinsurance. Episodes admitted in the past get their past days
documented through the same Update the web form uses, so claims for closed weeks go
out at once. Runs only on an empty database unless forced; every id is deterministic.

`arrive` registers one more patient, as admissions do: `iopbill dev` calls it every
quarter of a demo day, up to ``MAX_PATIENTS``, so the front queues (intake, eligibility,
authorizations, clinical) keep work while escalations move older tasks on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowUpdateStage

from iopbill.client import connect
from iopbill.settings import Settings
from models.db import episodes as episode_repo
from models.db import users as user_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.tables import Patient, User
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    DischargeInput,
    DocumentDayInput,
    RecordAttendanceInput,
    StartEpisodeInput,
)
from workflows.ids import episode_workflow_id
from workflows.starters import start_episode

DEMO_PASSWORD = "demo-pass-1"
DEMO_LOGINS = (
    ("biller1", "biller"),
    ("biller2", "biller"),
    ("intake1", "intake"),
    ("clinician1", "clinician"),
    ("super1", "supervisor"),
    ("admin1", "admin"),
)
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
DIAGNOSES = ["F33.1", "F32.2", "F41.1", "F43.10", "F10.20", "F11.20", "F31.81", "F60.3"]


@dataclass(frozen=True)
class Scenario:
    marker: str  # simulator marker in the member id ("" = the payer's usual mix)
    intake_complete: bool = True
    past_days: int = 8  # documented days before today
    payer: str = ""  # "" = the next of PAYERS
    attended_today: bool = False  # attendance recorded today and never documented
    discharged: bool = False  # discharged on the last documented day: claims, then closed


# One row per patient, cycling over the payers: what each one shows in the demo.
SCENARIOS = [
    Scenario(""),
    Scenario("", payer="commercial_gamma", discharged=True),  # billed once, paid, closed
    Scenario("", intake_complete=False, past_days=0),
    Scenario("PRCOINS"),
    Scenario("DENY50", payer="commercial_alpha"),
    Scenario("REJ277"),
    Scenario("NOACK"),
    Scenario("NOPAY", discharged=True),  # closing, its claim never paid
    Scenario("INACT", past_days=0),
    Scenario("AMBIG", past_days=0),
    Scenario("AUTHPART", past_days=12),
    Scenario("AUTHDENY", past_days=3),
    Scenario("", discharged=True),
    Scenario("", intake_complete=False, past_days=0),
    Scenario("DENY50", payer="medicaid_state"),
    Scenario(""),
    Scenario("PRCOINS"),
    Scenario("NOELIG", past_days=0),
    Scenario("", past_days=3, payer="commercial_gamma", attended_today=True),  # clinical
    # Weekly payers, so that last week's claim goes out at once:
    Scenario("DENY16", payer="medicaid_state"),  # a corrected claim: coding
    Scenario("DENY170", payer="commercial_alpha"),  # credentialing
    Scenario("DENY109", payer="medicaid_state"),  # a denial to review: denials
]
PATIENTS = 36
# Admissions after the seed, in turn: one of each front-queue task.
ARRIVALS = [
    Scenario("", intake_complete=False, past_days=0),
    Scenario("INACT", past_days=0),
    Scenario("AUTHDENY", past_days=0, payer="commercial_alpha"),
    Scenario("", past_days=0, payer="commercial_gamma", attended_today=True),
    Scenario("AMBIG", past_days=0),
]
MAX_PATIENTS = 126  # 90 arrivals: 45 minutes of a 120-second demo day


def demo_day(day: date, rng: random.Random, program: str) -> DocumentDayInput:
    group = rng.choice([120, 135, 150])
    individual = rng.choice([0, 30, 45, 55])
    services = [{"kind": "group", "minutes": group}]
    if individual:
        services.append({"kind": "individual", "minutes": individual})
    if rng.random() < 0.2:
        services.append({"kind": "family_with_patient", "minutes": 50})
    return DocumentDayInput(
        day={
            "date": day.isoformat(),
            "program": program,
            "telehealth": "none",
            "services": services,
        },
        note="Attended group and individual therapy; engaged; safety plan reviewed.",
        signed_by="clinician1",
    )


async def seed(
    settings: Settings,
    *,
    force: bool,
    client: Client | None = None,
    sessions: sessionmaker[Session] | None = None,
    today: date | None = None,
) -> str:
    """Load the demo (``client``, ``sessions`` and ``today`` default to the settings' and
    the calendar's; tests pass their own)."""
    sessions = sessions or make_sessionmaker(make_engine(settings.database_url))
    with sessions() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
    if users and not force:
        return "demo data: database already has users, nothing loaded"
    rng = random.Random(2026)
    today = today or date.today()
    plans: list[tuple[StartEpisodeInput, Scenario, date]] = []
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
            scenario = SCENARIOS[(n - 1) % len(SCENARIOS)]
            plans.append(_register(session, settings, n, scenario, rng, today))
    client = client or await connect(settings)
    documented = 0
    for plan in plans:
        documented += await _begin(client, settings, plan, today, rng)
    return (
        f"demo data: {len(DEMO_LOGINS)} users, {len(plans)} patients and episodes started, "
        f"{documented} past days documented"
    )


async def arrive(
    settings: Settings,
    *,
    client: Client | None = None,
    sessions: sessionmaker[Session] | None = None,
    today: date | None = None,
) -> str | None:
    """Register and start the next admission of the demo program: its episode id, or None
    when the database holds no demo (no patient P0001) or ``MAX_PATIENTS`` already."""
    sessions = sessions or make_sessionmaker(make_engine(settings.database_url))
    today = today or date.today()
    with sessions() as session, session.begin():
        if (
            session.get(Patient, "P0001") is None
            or user_repo.get_by_username(session, "super1") is None
        ):
            return None  # not the demo's database
        n = (session.scalar(select(func.count()).select_from(Patient)) or 0) + 1
        if n > MAX_PATIENTS or session.get(Patient, f"P{n:04d}") is not None:
            return None  # full, or numbered by someone else: leave it alone
        rng = random.Random(f"arrival:{n}")
        scenario = ARRIVALS[(n - PATIENTS - 1) % len(ARRIVALS)]
        plan = _register(session, settings, n, scenario, rng, today)
    await _begin(client or await connect(settings), settings, plan, today, rng)
    return plan[0].episode_id


def _register(
    session: Session,
    settings: Settings,
    n: int,
    scenario: Scenario,
    rng: random.Random,
    today: date,
) -> tuple[StartEpisodeInput, Scenario, date]:
    """Patient ``n``, its coverage, episode and intake rows; what starting it needs."""
    payer = scenario.payer or PAYERS[(n - 1) % len(PAYERS)]
    program = "substance_use" if n % 4 == 0 else "psychiatric"
    patient_id, episode_id = f"P{n:04d}", f"E{n:04d}"
    member = f"M{rng.randrange(10**6):06d}" + (f"-{scenario.marker}" if scenario.marker else "")
    admit = today - timedelta(days=scenario.past_days + rng.randrange(0, 3))
    episode_repo.create_patient(
        session,
        patient_id=patient_id,
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST) if scenario.intake_complete else "",
        birth_date=date(1958, 1, 1) + timedelta(days=rng.randrange(20000)),
        gender=rng.choice("FMU"),
        member_id=member,
    )
    episode_repo.create_episode(
        session,
        episode_id=episode_id,
        patient_id=patient_id,
        payer_id=payer,
        program=program,
        admit_date=admit,
    )
    if scenario.intake_complete:
        codes = [rng.choice(DIAGNOSES[4:] if program == "substance_use" else DIAGNOSES[:4])]
        episode_repo.store_intake(session, episode_id, {"diagnosis_codes": ", ".join(codes)})
    inp = StartEpisodeInput(
        episode_id=episode_id, payer_id=payer, program=program, day_seconds=settings.day_seconds
    )
    return inp, scenario, admit


async def _begin(
    client: Client,
    settings: Settings,
    plan: tuple[StartEpisodeInput, Scenario, date],
    today: date,
    rng: random.Random,
) -> int:
    """Start the episode, send its past days (and today's attendance); days documented."""
    inp, scenario, admit = plan
    await start_episode(client, settings.task_queue, inp)
    documented = 0
    if scenario.intake_complete and scenario.past_days:
        documented = await _document_past_days(client, inp, admit, today, rng)
    handle = client.get_workflow_handle(episode_workflow_id(inp.episode_id))
    if scenario.discharged and documented:
        last = _weekdays(admit, today)[-1]
        await handle.start_update(
            EpisodeWorkflow.discharge,
            DischargeInput(date=last.isoformat(), user="clinician1"),
            id=f"seed:{inp.episode_id}:discharge",
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
    if scenario.attended_today:
        await handle.start_update(
            EpisodeWorkflow.record_attendance,
            RecordAttendanceInput(date=today.isoformat(), user="clinician1"),
            id=f"seed:{inp.episode_id}:attended:{today.isoformat()}",
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
    return documented


async def _document_past_days(
    client: Client, inp: StartEpisodeInput, admit: date, today: date, rng: random.Random
) -> int:
    """Send past days as the web form would: accepted now, captured once the episode is ready."""
    handle = client.get_workflow_handle(episode_workflow_id(inp.episode_id))
    sent = 0
    for day in _weekdays(admit, today):
        await handle.start_update(
            EpisodeWorkflow.document_day,
            demo_day(day, rng, inp.program),
            id=f"seed:{inp.episode_id}:{day.isoformat()}",
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        sent += 1
    return sent


def _weekdays(first: date, before: date) -> list[date]:
    """The program's days from ``first`` up to the day before ``before``: it meets on
    weekdays."""
    days = (first + timedelta(days=n) for n in range((before - first).days))
    return [d for d in days if d.weekday() < 5]
