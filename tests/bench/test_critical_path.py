"""The benchmark's business-time floor: the patient's days, then the payer's waits along
each chain of claims, and nothing of the product's own time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bench.critical_path import (
    ClaimLink,
    episode_floor,
    floor_figures,
    load_floors,
    ratio_bound,
    target_line,
)
from models.db.billing_tables import ClaimRow, X12File
from workflows.clock import BusinessClock

START = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
CLOCK = BusinessClock.start(START, 5.0, today=date(2026, 11, 28))


def link(claim_id: str, end: date, wait: float, original: str | None = None) -> ClaimLink:
    return ClaimLink(id=claim_id, original_id=original, period_end=end, payer_wait_s=wait)


def test_a_corrected_claim_waits_for_the_denial_of_the_claim_it_replaces() -> None:
    floor = episode_floor(
        "E1",
        CLOCK,
        [
            link("E1:w1", date(2026, 11, 29), 100.0),  # day 1: 5 s, then 100 s
            link("E1:w2", date(2026, 12, 5), 90.0),  # day 7: 35 s, then 90 s
            link("E1:w2:r1", date(2026, 12, 5), 95.0, original="E1:w2"),
        ],
    )
    assert floor.chain == ("E1:w2", "E1:w2:r1")
    assert floor.payer_waits_s == (90.0, 95.0)
    assert floor.last_service == date(2026, 12, 5)
    assert floor.at == START + timedelta(seconds=35 + 90 + 95)
    assert floor.business_s == 35 + 90 + 95  # what the calendar baseline waits out


def test_the_latest_chain_wins_even_when_it_is_a_single_claim() -> None:
    floor = episode_floor(
        "E2",
        CLOCK,
        [link("E2:w1", date(2026, 11, 29), 200.0), link("E2:w2", date(2026, 12, 5), 10.0)],
    )
    assert floor.chain == ("E2:w1",)
    assert floor.at == START + timedelta(seconds=5 + 200)


def test_an_episode_without_claims_floors_at_its_clock_start_and_a_loop_ends() -> None:
    assert episode_floor("E3", CLOCK, []).at == START
    assert episode_floor("E3", CLOCK, []).business_s == 0.0
    looped = episode_floor(
        "E4",
        CLOCK,
        [
            link("a", date(2026, 11, 28), 1.0, original="b"),
            link("b", date(2026, 11, 28), 2.0, original="a"),
        ],
    )
    assert looped.at == START + timedelta(seconds=3)


def test_floors_come_from_the_read_models_claims_and_835_delays(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    with sqlite_sessions.begin() as s:
        for claim_id, original in (("E1:w2", None), ("E1:w2:r1", "E1:w2")):
            s.add(
                ClaimRow(
                    id=claim_id,
                    episode_id="E1",
                    payer_id="commercial_alpha",
                    form="837P",
                    period_start=date(2026, 11, 30),
                    period_end=date(2026, 12, 5),
                    original_claim_id=original,
                )
            )
        for n, (claim_id, wait) in enumerate((("E1:w2", 90), ("E1:w2", 40), ("E1:w2:r1", 95))):
            written = START + timedelta(seconds=60 + n)
            s.add(
                X12File(
                    direction="in",
                    kind="835",
                    name=f"{claim_id}.835.{n}",
                    sha256=str(n) * 64,
                    content="ISA",
                    claim_ids=[claim_id],
                    deliver_at=written + timedelta(seconds=wait),
                    created_at=written,
                )
            )
        s.add(  # a 277CA's delay is not a remittance's
            X12File(
                direction="in",
                kind="277CA",
                name="E1:w2.277CA.1",
                sha256="f" * 64,
                content="ISA",
                claim_ids=["E1:w2:r1"],
                deliver_at=START + timedelta(seconds=999),
                created_at=START,
            )
        )
    (floor,) = load_floors(sqlite_sessions, {"E1": CLOCK})
    assert floor.payer_waits_s == (90.0, 95.0)  # the longest 835 of each claim
    assert floor.at == START + timedelta(seconds=35 + 185)
    closed = {"E1": floor.at + timedelta(seconds=12.5)}
    text = floor_figures([floor], closed, START, baseline_s=110.0)
    assert "the latest is 220 s after the start (episode E1" in text
    assert "payer waits 90 + 95 s" in text
    assert "wall-clock ratio of 0.50 at most" in text
    assert "max 12.5 s" in text and "12.5 s beyond its floor" in text


def test_the_bound_is_the_baseline_over_the_latest_floor() -> None:
    floors = [
        episode_floor("E1", CLOCK, [link("E1:w1", date(2026, 11, 29), 195.0)]),  # 200 s
        episode_floor("E2", CLOCK, [link("E2:w1", date(2026, 11, 29), 95.0)]),  # 100 s
    ]
    assert ratio_bound(floors, START, baseline_s=90.0) == 90.0 / 200.0
    assert ratio_bound([], START, baseline_s=90.0) == float("inf")


def test_the_target_line_says_which_reading_met_it_and_why_one_cannot() -> None:
    bounded = target_line(calendar=0.91, capacity=0.57, ten_ms=0.41, bound=0.45)
    assert "calendar 0.91 (met)" in bounded and "capacity 0.57 (met)" in bounded
    assert "10 ms timers 0.41 (not met: the business time alone bounds it at 0.45" in bounded
    slow = target_line(calendar=0.48, capacity=0.49, ten_ms=0.41, bound=0.66)
    assert "calendar 0.48 (not met)" in slow and "capacity 0.49 (not met)" in slow
    assert "0.41 (not met; the business time bounds it at 0.66)" in slow
    assert "10 ms timers 0.56 (met)" in target_line(
        calendar=0.77, capacity=0.55, ten_ms=0.56, bound=0.74
    )
