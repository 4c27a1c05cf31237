from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from iopbill.cli_x12 import app
from models.x12 import read_837

from .conformance import findings

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_read_prints_an_835_as_json_with_the_documented_keys():
    result = runner.invoke(app, ["read", str(FIXTURES / "era_reversal_plb_no_newlines.835")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (tx,) = data["transactions"]
    assert tx["paid_total_cents"] == 16050
    assert [p["amount_cents"] for p in tx["provider_adjustments"]] == [-50, -8000]
    claim = tx["claims"][0]
    for key in ("patient_control_number", "status", "charge_cents", "paid_cents",
                "patient_responsibility_cents", "adjustments", "lines"):  # fmt: skip
        assert key in claim
    adj = claim["lines"][0]["adjustments"][0]
    assert adj == {"group": "CO", "reason": "45", "amount_cents": 4000, "quantity": ""}


def test_read_of_a_bad_file_prints_where_and_exits_1():
    result = runner.invoke(app, ["read", str(FIXTURES / "era_unbalanced_claim.835")])
    assert result.exit_code == 1
    message = result.stderr
    for part in ("era_unbalanced_claim.835", "interchange 000000013", "transaction 0007",
                 "segment 9 (CLP)", "element 4", "does not balance"):  # fmt: skip
        assert part in message


def test_read_of_binary_junk_exits_1(tmp_path):
    junk = tmp_path / "junk.x12"
    junk.write_bytes(b"\xff\xfe\x00ISA")
    result = runner.invoke(app, ["read", str(junk)])
    assert result.exit_code == 1 and "not text" in result.stderr


def test_sample_writes_valid_claims_one_interchange_per_file(tmp_path):
    result = runner.invoke(
        app, ["sample", "837i", "--count", "2", "--seed", "7", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.x12"))
    assert len(files) == 2
    for f in files:
        text = f.read_text()
        assert text.count("ISA*") == 1
        assert len(read_837(text).transactions[0].claims) == 1
        assert findings(text) == []


def test_sample_is_deterministic_for_a_seed(tmp_path):
    for out in ("a", "b"):
        runner.invoke(
            app, ["sample", "837p", "--count", "3", "--seed", "1", "--out", str(tmp_path / out)]
        )
    a = sorted((tmp_path / "a").glob("*"))
    b = sorted((tmp_path / "b").glob("*"))
    assert [x.read_text() for x in a] == [y.read_text() for y in b]
