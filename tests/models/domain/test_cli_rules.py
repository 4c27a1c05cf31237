import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from iopbill.cli_rules import app

runner = CliRunner()


def write_day(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "day.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


DAY = {
    "date": "2026-03-02",
    "program": "psychiatric",
    "telehealth": "none",
    "services": [{"kind": "group", "minutes": 120}, {"kind": "individual", "minutes": 70}],
}


def test_preview_prints_charges_held_and_findings_as_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", "--payer", "medicaid_state", write_day(tmp_path, DAY)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "charges": [
            {
                "code": "S9480",
                "revenue_code": "",
                "units": 1,
                "modifiers": ["HE", "U6"],
                "pos": "52",
                "charge_cents": 45000,
                "reason": "3 h 10 min documented ≥ 180 min threshold → S9480 × 1",
            }
        ],
        "held": [],
        "findings": [],
    }


def test_preview_lists_unbilled_services_as_held(tmp_path: Path) -> None:
    day = {**DAY, "telehealth": "audio"}
    result = runner.invoke(
        app, ["preview", "--payer", "commercial_alpha", write_day(tmp_path, day)]
    )
    out = json.loads(result.stdout)
    assert out["charges"] == []
    assert [h["kind"] for h in out["held"]] == ["group", "individual"]
    assert out["findings"][0]["edit"] == "telehealth_not_covered"


def test_preview_runs_line_edits_against_the_rule_set(tmp_path: Path) -> None:
    day = {
        **DAY,
        "services": [{"kind": "individual", "minutes": 45}, {"kind": "crisis", "minutes": 60}],
    }
    result = runner.invoke(app, ["preview", "--payer", "medicare", write_day(tmp_path, day)])
    out = json.loads(result.stdout)
    assert [c["code"] for c in out["charges"]] == ["90834", "90839"]
    assert [c["revenue_code"] for c in out["charges"]] == ["0914", "0914"]
    assert [f["edit"] for f in out["findings"]] == ["same_day_conflict"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({**DAY, "program": "php"}, "program: must be one of psychiatric, substance_use"),
        ({**DAY, "date": "02/03/2026"}, "date: must be a date"),
        ({k: v for k, v in DAY.items() if k != "date"}, "date: missing"),
        ({**DAY, "services": "lots"}, "services: must be a list"),
        ({**DAY, "services": [5]}, "services[0]: must be an object"),
        ({**DAY, "services": [{"kind": "group", "minutes": -5}]}, "services[0].minutes"),
        ({**DAY, "services": [{"kind": "yoga", "minutes": 5}]}, "services[0].kind"),
        ({**DAY, "services": [{"kind": "group", "minutes": 5, "mood": 1}]}, "services[0].mood"),
        (
            {**DAY, "services": [{"kind": "group", "minutes": 5, "telehealth": "fax"}]},
            "services[0].telehealth",
        ),
        (
            {**DAY, "services": [{"kind": "group", "minutes": 5, "clinician_npi": "1"}]},
            "services[0].clinician_npi",
        ),
        ({**DAY, "extra": 1}, "extra: unknown field"),
        ([1, 2], "day: must be a JSON object"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_day_file_names_the_field_and_exits_1(
    tmp_path: Path, content: Any, message: str
) -> None:
    result = runner.invoke(
        app, ["preview", "--payer", "medicaid_state", write_day(tmp_path, content)]
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_per_service_telehealth_is_accepted(tmp_path: Path) -> None:
    day = {
        **DAY,
        "services": [
            {
                "kind": "individual",
                "minutes": 45,
                "telehealth": "video",
                "clinician_npi": "9876543213",
            }
        ],
    }
    result = runner.invoke(
        app, ["preview", "--payer", "commercial_alpha", write_day(tmp_path, day)]
    )
    assert json.loads(result.stdout)["charges"][0]["modifiers"] == ["95"]


def test_unknown_payer_and_missing_file_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", "--payer", "nobody", write_day(tmp_path, DAY)])
    assert (result.exit_code, "payer_id" in result.stderr) == (1, True)
    missing = runner.invoke(app, ["preview", "--payer", "medicare", str(tmp_path / "no.json")])
    assert (missing.exit_code, "cannot read" in missing.stderr) == (1, True)


def test_payers_lists_every_shipped_rule_set_version() -> None:
    result = runner.invoke(app, ["payers"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {
        "id": "medicare",
        "name": "Medicare Part B — hospital outpatient IOP",
        "claim_form": "837I",
        "version": "2025.1",
    } in rows
    assert all(set(r) == {"id", "name", "claim_form", "version"} for r in rows)
    assert len(rows) == 6


def test_payers_as_of_shows_the_version_in_effect() -> None:
    rows = json.loads(runner.invoke(app, ["payers", "--as-of", "2025-06-01"]).stdout)
    assert rows == [
        {
            "id": "medicare",
            "name": "Medicare Part B — hospital outpatient IOP",
            "claim_form": "837I",
            "version": "2025.1",
        }
    ]
    bad = runner.invoke(app, ["payers", "--as-of", "June"])
    assert bad.exit_code == 1 and "--as-of" in bad.stderr
