"""Finance figures of the console (models/db/reports.py) on SQLite and PostgreSQL, and the
console pages that draw them and drill down to their lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import episodes as episode_repo
from models.db import reports
from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow, Coverage, Denial
from models.db.tables import Episode
from models.domain.denials import Action

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = 86400.0


def claim(
    n: int,
    payer: str,
    *,
    age_days: float | None,
    open_cents: int = 10000,
    clean: bool | None = True,
) -> ClaimRow:
    return ClaimRow(
        id=f"C-{n}",
        episode_id=f"E-{n}",
        payer_id=payer,
        form="837P",
        period_start=date(2026, 8, 1),
        period_end=date(2026, 8, 7),
        total_cents=20000,
        open_cents=open_cents,
        status="submitted" if age_days is not None else "draft",
        first_submitted_at=None if age_days is None else NOW - timedelta(days=age_days),
        clean_first_pass=clean,
    )


def denial(n: int, payer: str, carc: str, group: str = "CO", action: str = "appeal") -> Denial:
    return Denial(
        id=f"p{n}:{group}:{carc}",
        claim_id=f"C-{n}",
        payer_id=payer,
        group_code=group,
        carc=carc,
        queue="denials",
        action=action,
    )


def seed(s: Session) -> None:
    s.add_all(
        [
            claim(1, "medicare", age_days=5),
            claim(2, "medicare", age_days=45, open_cents=25000),
            claim(3, "medicare", age_days=120, clean=False),
            claim(4, "commercial_alpha", age_days=70),
            claim(5, "commercial_alpha", age_days=30.5, open_cents=0),  # paid: not in A/R
            claim(6, "commercial_alpha", age_days=None, clean=None),  # never submitted
            denial(3, "medicare", "197"),
            denial(4, "commercial_alpha", "197"),
            Denial(
                id="p4:CO:16",
                claim_id="C-4",
                payer_id="commercial_alpha",
                group_code="CO",
                carc="16",
                queue="billing",
                action="correct",
            ),
        ]
    )
    for i, (day, cents, status) in enumerate(
        [
            (TODAY, 9000, "billable"),
            (TODAY - timedelta(days=89), 9000, "billed"),
            (TODAY - timedelta(days=90), 50000, "billed"),
            (TODAY, 70000, "held"),
        ]
    ):
        s.add(
            ChargeRow(
                id=f"ch{i}",
                episode_id="E-1",
                payer_id="medicare",
                day=day,
                code="S9480",
                charge_cents=cents,
                status=status,
            )
        )
    s.add_all(
        [
            AuthorizationRow(
                id="a-soon",
                episode_id="E-1",
                payer_id="medicare",
                start=TODAY - timedelta(days=20),
                end=TODAY + timedelta(days=30),
                units=20,
                units_used=18,
                run_out=TODAY + timedelta(days=3),
            ),
            AuthorizationRow(
                id="a-review",
                episode_id="E-2",
                payer_id="medicare",
                start=TODAY,
                end=TODAY + timedelta(days=60),
                units=40,
                review_due=TODAY + timedelta(days=6),
                run_out=TODAY + timedelta(days=40),
            ),
            AuthorizationRow(
                id="a-later",
                episode_id="E-3",
                payer_id="medicare",
                start=TODAY,
                end=TODAY + timedelta(days=60),
                units=40,
                run_out=TODAY + timedelta(days=30),
            ),
            AuthorizationRow(
                id="a-ended",
                episode_id="E-4",
                payer_id="medicare",
                start=TODAY - timedelta(days=60),
                end=TODAY - timedelta(days=1),
                units=10,
                run_out=TODAY - timedelta(days=5),
            ),
        ]
    )
    s.flush()


def test_ar_aging_buckets_open_balance_by_payer_and_days_since_submission(session: Session) -> None:
    seed(session)
    cells = {
        (c.payer_id, c.bucket): (c.claims, c.open_cents)
        for c in reports.ar_aging(session, now=NOW, day_seconds=DAY)
    }
    assert cells == {
        ("medicare", "0-30"): (1, 10000),
        ("medicare", "31-60"): (1, 25000),
        ("medicare", "90+"): (1, 10000),
        ("commercial_alpha", "61-90"): (1, 10000),
    }
    behind = reports.ar_claims(
        session, now=NOW, day_seconds=DAY, payer_id="medicare", bucket="31-60"
    )
    assert [c.id for c in behind] == ["C-2"]
    assert [c.id for c in reports.ar_claims(session, now=NOW, day_seconds=DAY)] == [
        "C-3",
        "C-4",
        "C-2",
        "C-1",
    ]


def test_a_short_business_day_ages_claims_faster(session: Session) -> None:
    seed(session)
    cells = reports.ar_aging(session, now=NOW, day_seconds=DAY / 10)
    assert {c.bucket for c in cells} == {"31-60", "90+"}  # 5 real days = 50 business days


def test_denial_rate_by_payer_and_by_carc(session: Session) -> None:
    seed(session)
    by_payer = {r.key: (r.numerator, r.denominator) for r in reports.denial_rate_by_payer(session)}
    assert by_payer == {"medicare": (1, 3), "commercial_alpha": (1, 2)}
    by_carc = [(r.key, r.numerator, r.denominator) for r in reports.denial_rate_by_carc(session)]
    assert by_carc == [("197", 2, 5), ("16", 1, 5)]
    assert [c.id for c, _ in reports.denied_claims(session, carc="16")] == ["C-4"]


def test_patient_cost_sharing_is_not_a_denial(session: Session) -> None:
    """A copay or coinsurance routed to patient responsibility is the plan paying as
    agreed: it neither makes a claim denied nor shows on the CARC bars or their list."""
    seed(session)
    cost_sharing = str(Action.PATIENT_RESPONSIBILITY)
    session.add_all(
        [
            denial(1, "medicare", "2", group="PR", action=cost_sharing),
            denial(5, "commercial_alpha", "3", group="PR", action=cost_sharing),
        ]
    )
    session.flush()
    by_payer = {r.key: (r.numerator, r.denominator) for r in reports.denial_rate_by_payer(session)}
    assert by_payer == {"medicare": (1, 3), "commercial_alpha": (1, 2)}
    by_carc = [(r.key, r.numerator, r.denominator) for r in reports.denial_rate_by_carc(session)]
    assert by_carc == [("197", 2, 5), ("16", 1, 5)]
    assert reports.denied_claims(session, carc="3") == []
    assert {c.id for c, _ in reports.denied_claims(session)} == {"C-3", "C-4"}
    assert str(Action.PATIENT_RESPONSIBILITY) == reports.COST_SHARING_ACTION


def test_clean_claim_rate_counts_claims_whose_first_pass_is_known(session: Session) -> None:
    seed(session)
    rates = {r.key: (r.numerator, r.denominator) for r in reports.clean_claim_rate(session)}
    assert rates == {"all": (4, 5), "commercial_alpha": (2, 2), "medicare": (2, 3)}
    assert [c.id for c in reports.first_pass_claims(session, clean=False)] == ["C-3"]


def test_days_in_ar_is_open_ar_over_average_daily_charges_of_ninety_days(session: Session) -> None:
    seed(session)
    figure = reports.days_in_ar(session, today=TODAY)
    assert figure.open_cents == 55000  # submitted claims still owed
    assert figure.charges_cents == 18000  # held and older-than-window charges left out
    assert figure.days == 55000 / (18000 / 90)
    assert reports.days_in_ar(session, today=TODAY - timedelta(days=400)).days is None


def test_authorizations_running_out_this_week(session: Session) -> None:
    seed(session)
    rows = reports.authorizations_running_out(session, today=TODAY)
    assert [a.id for a in rows] == ["a-soon", "a-review"]


def test_an_authorization_continued_under_a_new_number_is_not_running_out(
    session: Session,
) -> None:
    seed(session)
    session.add(  # E-1's continued stay: a new number, reaching past a-soon's end
        AuthorizationRow(
            id="a-continued",
            episode_id="E-1",
            payer_id="medicare",
            start=TODAY + timedelta(days=3),
            end=TODAY + timedelta(days=90),
            units=30,
            review_due=TODAY + timedelta(days=60),
            run_out=TODAY + timedelta(days=80),
        )
    )
    session.flush()
    rows = reports.authorizations_running_out(session, today=TODAY)
    assert [a.id for a in rows] == ["a-review"]


async def test_the_console_draws_the_finance_figures_and_each_drills_down(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    now = datetime.now(UTC)
    with web_sessions() as s, s.begin():
        seed(s)
        for c in s.query(ClaimRow).all():  # age the claims from the real clock
            if c.first_submitted_at is not None:
                c.first_submitted_at = now - (NOW - c.first_submitted_at)
        s.add(
            AuthorizationRow(
                id="a-now",
                episode_id="E-77",
                payer_id="medicare",
                start=now.date(),
                end=now.date() + timedelta(days=30),
                units=10,
                run_out=now.date() + timedelta(days=2),
            )
        )
    sup = await as_role("supervisor")
    html = (await sup.get("/supervisor")).text
    assert "medicare: $450 open" in html
    assert 'href="/supervisor/ar?payer=medicare&amp;bucket=90%2B"' in html
    assert 'href="/supervisor/denials?carc=197"' in html
    assert 'href="/supervisor/denials?payer=medicare"' in html
    assert 'href="/supervisor/clean?payer=medicare"' in html
    assert "80.0%" in html  # clean-claim rate, all payers
    ar = (await sup.get("/supervisor/ar?payer=medicare&bucket=90%2B")).text
    assert "C-3" in ar and "C-2" not in ar
    denials = (await sup.get("/supervisor/denials?carc=197")).text
    assert "C-3" in denials and "C-4" in denials and "authorization missing" in denials
    clean = (await sup.get("/supervisor/clean?clean=0")).text
    assert "C-3" in clean and "C-1" not in clean
    auths = (await sup.get("/supervisor/auths")).text
    assert "E-77" in auths and "E-3" not in auths


def seed_unbilled(s: Session) -> None:
    """Four episodes' charges: what nobody will bill is listed, what the next bill takes
    is not."""
    stages = {
        "E-open": "active",
        "E-closed": "closed",
        "E-self": "closed",
        "E-mcr": "active",
        "E-auth": "authorization",
    }
    for eid, stage in stages.items():
        episode_repo.create_patient(s, patient_id=f"P{eid}", first_name="Una")
        payer = "medicare" if eid == "E-mcr" else "commercial_alpha"
        episode_repo.create_episode(
            s, episode_id=eid, patient_id=f"P{eid}", payer_id=payer, program="psychiatric"
        )
        s.get(Episode, eid).stage = stage  # type: ignore[union-attr]
    s.get(Coverage, "E-self:primary").status = "self_pay"  # type: ignore[union-attr]
    week = ClaimRow(
        id="C-week",
        episode_id="E-open",
        payer_id="commercial_alpha",
        form="837P",
        period_start=date(2026, 8, 3),
        period_end=date(2026, 8, 9),
        total_cents=40000,
        open_cents=40000,
        status="submitted",
    )
    interim = ClaimRow(
        id="C-month",
        episode_id="E-mcr",
        payer_id="medicare",
        form="837I",
        frequency="2",
        period_start=date(2026, 8, 1),
        period_end=date(2026, 8, 31),
        total_cents=90000,
        open_cents=0,
        status="paid",
        claim={"interim_sequence": 1},
    )
    s.add_all([week, interim])
    for cid, eid, day, status, extra in (
        ("late-week", "E-open", date(2026, 8, 5), "billable", {}),  # next bill: late claim
        ("open-week", "E-open", date(2026, 8, 12), "billable", {}),  # its period is open
        ("held", "E-open", date(2026, 8, 6), "held", {"held_reason": "no units left"}),
        ("left", "E-closed", date(2026, 8, 4), "billable", {}),
        ("on-claim", "E-closed", date(2026, 8, 3), "billed", {"claim_id": "C-x"}),
        ("self", "E-self", date(2026, 8, 4), "billable", {}),
        ("late-month", "E-mcr", date(2026, 8, 20), "billable", {}),
        ("asked", "E-auth", date(2026, 8, 4), "held", {"held_reason": "none covers S9480"}),
    ):
        s.add(
            ChargeRow(
                id=cid,
                episode_id=eid,
                payer_id="x",
                day=day,
                code="S9480",
                charge_cents=22500,
                status=status,
                **extra,
            )
        )
    s.flush()


def test_unbilled_charges_lists_what_no_bill_will_carry_and_why(session: Session) -> None:
    seed_unbilled(session)
    rows = {c.charge_id: c for c in reports.unbilled_charges(session)}
    assert sorted(rows) == ["asked", "held", "late-month", "left"]
    assert rows["held"].why == "held: no units left"
    assert rows["asked"].why == (
        "held until the payer decides the authorization request: none covers S9480"
    )
    assert rows["left"].why == "the episode has closed and no claim carries it"
    assert "after interim claim C-month billed its period" in rows["late-month"].why
    assert "frequency 7" in rows["late-month"].why
    session.get(Episode, "E-open").stage = "closed"  # type: ignore[union-attr]
    session.flush()
    rows = {c.charge_id: c for c in reports.unbilled_charges(session)}
    assert rows["late-week"].why == (
        "documented after claim C-week billed its period, and the episode has closed"
    )
    assert rows["held"].why == "held: no units left; the episode has closed"
    assert "open-week" in rows  # closed before its period was billed


async def test_the_console_counts_unbilled_charges_and_lists_them(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    with web_sessions() as s, s.begin():
        seed_unbilled(s)
    sup = await as_role("supervisor")
    html = (await sup.get("/supervisor")).text
    card = html.split('id="unbilled-card"')[1].split("</section>")[0]
    assert '<a href="/supervisor/unbilled">4</a>' in card and "$900.00" in card
    listing = (await sup.get("/supervisor/unbilled")).text
    assert 'data-charge="late-month"' in listing and 'data-charge="late-week"' not in listing
    assert "only an adjustment of that claim" in listing
