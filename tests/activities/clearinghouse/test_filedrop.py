"""The file-drop adapter: stable outbox names; every inbox file processed exactly once,
across a worker restart (two activity instances over the same folder and database)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.filedrop import FileDrop
from activities.clearinghouse.protocol import InboundFile, OutboundFile
from activities.clearinghouse.simulator import Simulator
from models.db.billing_tables import X12File
from models.db.engine import make_sessionmaker
from tests.conftest import make_test_engine
from workflows.claim_types import PollInboxInput, SubmitClaimInput

from .builders import setup
from .conftest import DAY, at

pytestmark = pytest.mark.db


def payer_answers(outbox_file: Path, tmp: Path) -> list[tuple[str, str]]:
    """What a payer (a simulator with its own database) answers to an 837 from our outbox."""
    engine = make_test_engine("sqlite", tmp)
    payer = make_sessionmaker(engine)
    Simulator(payer, day_seconds=DAY).send(
        OutboundFile(kind="837P", name=outbox_file.name, content=outbox_file.read_text()),
        now=datetime.fromisoformat(at(0)),
    )
    with payer() as s:
        rows = s.scalars(select(X12File).where(X12File.direction == "in").order_by(X12File.id))
        found = [(r.name.replace(".", "_") + ".x12", r.content) for r in rows]
    engine.dispose()
    return found


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_outbound_documents_land_in_the_outbox_under_their_stable_name(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",))
    drop = FileDrop(tmp_path / "drop")
    acts = ClearinghouseActivities(sessions, drop)
    sent = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    assert names(drop.outbox) == [sent.name]
    assert (drop.outbox / sent.name).read_text().startswith("ISA*")
    drop.send(OutboundFile(kind="837P", name=sent.name,
                           content=(drop.outbox / sent.name).read_text()),
              now=datetime.fromisoformat(at(0)))  # fmt: skip
    assert names(drop.outbox) == [sent.name]


def test_inbox_files_are_processed_exactly_once_across_a_restart(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",))
    root = tmp_path / "drop"
    sent = ClearinghouseActivities(sessions, FileDrop(root)).submit_claim(
        SubmitClaimInput(claim_id="E1:c:1", now=at(0))
    )
    for name, content in payer_answers(root / "outbox" / sent.name, tmp_path / "payer"):
        (root / "inbox" / name).write_text(content)
    (root / "inbox" / "garbled.x12").write_bytes(b"ISA*00*\xff\xfe broken")

    class DiesAfterCommit(FileDrop):
        def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
            raise SystemExit("worker killed")

    first = ClearinghouseActivities(sessions, DiesAfterCommit(root))
    with pytest.raises(SystemExit):
        first.poll_inbox(PollInboxInput(now=at(3)))
    assert len(names(root / "inbox")) == 4  # stored in the database, not moved yet

    restarted = ClearinghouseActivities(sessions, FileDrop(root))
    retry = restarted.poll_inbox(PollInboxInput(now=at(3)))  # Temporal retries the same input
    assert sorted((d.payload_type, d.payload.get("source")) for d in retry.deliveries) == [
        ("AckNotice", "277CA"), ("AckNotice", "999"), ("RemitNotice", None),
    ]  # fmt: skip
    (bad,) = retry.unmatched
    assert bad.name == "garbled.x12" and "ISA" in bad.error
    assert names(root / "inbox") == []
    assert len(names(root / "processed")) == 3 and names(root / "failed") == ["garbled.x12"]

    later = restarted.poll_inbox(PollInboxInput(now=at(4)))
    assert later.deliveries == [] and later.unmatched == []

    # the sync delivers a file again: recognised by its hash, only moved
    again = names(root / "processed")[0]
    (root / "inbox" / again).write_text((root / "processed" / again).read_text())
    assert restarted.poll_inbox(PollInboxInput(now=at(5))).deliveries == []
    assert names(root / "inbox") == [] and f"{again}.1" in names(root / "processed")
    with sessions() as s:
        assert len(s.scalars(select(X12File).where(X12File.direction == "in")).all()) == 4
