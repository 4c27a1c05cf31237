"""Inbox speed with 100,000 open and 1,000,000 closed tasks, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.inbox [--open 100000] [--closed 1000000] [--runs 200]
                                    [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-pg]

Builds the read model with bulk inserts (sqlite3 ``executemany``; PostgreSQL ``COPY``
into a schema of its own, dropped afterwards), then times inside the process, through
the ASGI app (no network), the first inbox page with a filter (``POST /inbox`` with a
payer filter, the whole HTML page as a biller gets it) and the queue counts (the
indexed GROUP BY the page and the live refresh use). Prints p50/p95 and the page size.
A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from iopbill.settings import Settings
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import User
from models.db.users import hash_password
from web import inbox, security
from web.access import ALL_QUEUES
from web.app import create_app

QUEUES = ALL_QUEUES  # the task catalogue's queues
PAYERS = ("medicare", "medicaid_state", "aetna", "cigna", "bcbs", "uhc")
BILLERS = [f"biller{i:02d}" for i in range(20)]
EPISODES = 50_000
TASK_COLS = (
    "id",
    "kind",
    "queue",
    "title",
    "form_schema",
    "status",
    "assignee",
    "priority",
    "due_at",
    "escalation_level",
    "overdue",
    "episode_id",
    "claim_id",
    "payer_id",
    "amount_at_risk_cents",
    "filing_deadline",
    "reason",
    "context",
    "created_at",
    "updated_at",
    "closed_at",
)


def task_rows(n_open: int, n_closed: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(7)
    for i in range(n_open + n_closed):
        closed = i >= n_open
        ep = rng.randrange(EPISODES)
        created = now - timedelta(minutes=rng.randrange(60 * 24 * (90 if closed else 20)))
        due = created + timedelta(days=rng.choice((1, 2, 3, 5, 10)))
        claimed = not closed and rng.random() < 0.3
        status = "completed" if closed else ("claimed" if claimed else "open")
        assignee = rng.choice(BILLERS) if claimed or closed else None
        yield (
            f"task-{i:07d}",
            "complete_intake",
            rng.choice(QUEUES),
            f"Task {i} for E-{ep}",
            "intake",
            status,
            assignee,
            rng.randint(1, 5),
            due,
            rng.choice((0, 0, 0, 1, 2)),
            due < now,
            f"E-{ep}",
            f"CLM-{rng.randrange(10**7):07d}",
            rng.choice(PAYERS),
            rng.randrange(10**6),
            (due + timedelta(days=rng.randrange(30, 365))).date(),
            "bench",
            "{}",
            created,
            created,
            due if closed else None,
        )


def people(now: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(3)
    first = ("Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo")
    last = ("Quill", "Rivers", "Stone", "Vale", "Moss", "North", "Park", "Reyes", "Shaw")
    patients = [
        (f"P-{i}", rng.choice(first), f"{rng.choice(last)}{i}", "U", f"M{i:07d}", "{}", now)
        for i in range(EPISODES)
    ]
    episodes = [
        (
            f"E-{i}",
            f"P-{i}",
            rng.choice(PAYERS),
            "psychiatric",
            rng.choice(("intake", "eligibility")),
            "active",
            "{}",
            now - timedelta(days=rng.randrange(20)),
            now,
            now,
        )
        for i in range(EPISODES)
    ]
    return patients, episodes


PATIENT_SQL = (
    "INSERT INTO patients (id, first_name, last_name, gender, member_id, address, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
EPISODE_SQL = (
    "INSERT INTO episodes (id, patient_id, payer_id, program, stage, status, intake,"
    " stage_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


RECOUNT = (
    "INSERT INTO task_queue_counts (queue, open_count) SELECT queue, count(*) FROM tasks"
    " WHERE status IN ('open', 'claimed') GROUP BY queue"
)


def load_sqlite(engine: Engine, n_open: int, n_closed: int, now: datetime) -> None:
    """Indexes and triggers on ``tasks`` are dropped for the load and made again after."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        saved = cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks'"
            " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        ).fetchall()
        for kind, name, _ in saved:
            cur.execute(f'DROP {kind.upper()} "{name}"')
        patients, episodes = people(now)
        cur.executemany(PATIENT_SQL, [tuple(map(_sqlite_value, r)) for r in patients])
        cur.executemany(EPISODE_SQL, [tuple(map(_sqlite_value, r)) for r in episodes])
        sql = (
            f"INSERT INTO tasks ({', '.join(TASK_COLS)}) VALUES ({', '.join('?' * len(TASK_COLS))})"
        )
        batch: list[tuple[Any, ...]] = []
        for row in task_rows(n_open, n_closed, now):
            batch.append(tuple(map(_sqlite_value, row)))
            if len(batch) == 50_000:
                cur.executemany(sql, batch)
                batch.clear()
        cur.executemany(sql, batch)
        for _, _, ddl in saved:
            cur.execute(ddl)
        cur.execute("DELETE FROM task_queue_counts")
        cur.execute(RECOUNT)
        raw.commit()
        cur.execute("PRAGMA analysis_limit=1000")  # sampled statistics, as production would
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def load_pg(engine: Engine, n_open: int, n_closed: int, now: datetime) -> None:
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        patients, episodes = people(now)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tasks'"
                " AND schemaname = current_schema() AND indexname <> 'pk_tasks'"
            )
            saved = cur.fetchall()
            for name, _ in saved:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute("ALTER TABLE tasks DISABLE TRIGGER USER")
            with cur.copy(
                "COPY patients (id, first_name, last_name, gender, member_id, address,"
                " created_at) FROM STDIN"
            ) as copy:
                for r in patients:
                    copy.write_row(r)
            with cur.copy(
                "COPY episodes (id, patient_id, payer_id, program, stage, status, intake,"
                " stage_changed_at, created_at, updated_at) FROM STDIN"
            ) as copy:
                for r in episodes:
                    copy.write_row(r)
            with cur.copy(f"COPY tasks ({', '.join(TASK_COLS)}) FROM STDIN") as copy:
                for r in task_rows(n_open, n_closed, now):
                    copy.write_row(r)
            for _, ddl in saved:
                cur.execute(ddl)
            cur.execute("ALTER TABLE tasks ENABLE TRIGGER USER")
            cur.execute("DELETE FROM task_queue_counts")
            cur.execute(RECOUNT)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        conn.autocommit = False
    finally:
        raw.close()


class ReadOnlyGateway:
    """The pages measured here only read; any Update would be a bug in the bench."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"bench called gateway.{name}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(sessions: sessionmaker[Session], runs: int) -> dict[str, float]:
    with sessions() as s, s.begin():
        s.add(
            User(
                username="bea",
                display_name="Bea",
                password_hash=hash_password("x" * 10),
                roles="biller",
                team="billing",
            )
        )
        sid = security.start_session(s, "bea")
    settings = Settings(secret_key="bench-secret")
    signer = security.Signer(settings.secret_key)
    app = create_app(settings, sessions=sessions, gateway=ReadOnlyGateway())
    transport = httpx.ASGITransport(app=app)
    form = {"csrf_token": signer.csrf_token(sid), "payer": "aetna"}
    page_ms: list[float] = []
    count_ms: list[float] = []
    size = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(security.SESSION_COOKIE, signer.sign(sid))
        for i in range(runs + 10):
            t0 = time.perf_counter()
            response = await client.post("/inbox", data=form)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200 and response.text.count("data-task=") == 50
            size = len(response.content)
            t1 = time.perf_counter()
            with sessions() as s:
                counts = inbox.queue_counts(s, frozenset({"biller"}))
            counted = (time.perf_counter() - t1) * 1000
            assert sum(counts.values()) > 0
            if i >= 10:  # warm-up
                page_ms.append(elapsed)
                count_ms.append(counted)
    return {
        "page_p50": statistics.median(page_ms),
        "page_p95": pct(page_ms, 0.95),
        "counts_p50": statistics.median(count_ms),
        "counts_p95": pct(count_ms, 0.95),
        "page_kb": size / 1024,
    }


def run(kind: str, url: str, args: argparse.Namespace) -> dict[str, float]:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    (load_sqlite if kind == "sqlite" else load_pg)(engine, args.open, args.closed, now)
    build = time.perf_counter() - t0
    figures = asyncio.run(measure(make_sessionmaker(engine), args.runs))
    engine.dispose()
    return {**figures, "build_s": build}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results["SQLite"] = run("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if not args.no_pg:
        schema = f"bench_inbox_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.pg else "?"
            results["PostgreSQL"] = run(
                "pg", f"{args.pg}{sep}options=-csearch_path%3D{schema}", args
            )
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"{args.open:,} open + {args.closed:,} closed tasks, {args.runs} runs each")
    print("backend     | page p50 | page p95 | counts p50 | counts p95 | page KB | build s")
    for name, r in results.items():
        print(
            f"{name:<11} | {r['page_p50']:6.1f} ms | {r['page_p95']:6.1f} ms | "
            f"{r['counts_p50']:7.1f} ms | {r['counts_p95']:7.1f} ms | {r['page_kb']:6.1f} | "
            f"{r['build_s']:6.0f}"
        )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
