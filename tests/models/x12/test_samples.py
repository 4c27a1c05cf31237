"""Every shared sample file: read whole, or refused with the reason we expect.

The files live in ../shared/samples/x12 (not copied into the project).
"""

from __future__ import annotations

import pytest

from models.x12 import X12Error, read_x12

from .conformance import SAMPLES

COMPONENT = "component separator"
# relative path -> None (reads) or a fragment of the refusal message
EXPECTED: dict[str, str | None] = {
    # no ISA/GS envelope at all
    "edi_835_parser/blue_cross_nc_sample.txt": "does not start with ISA",
    "edi_835_parser/emedny_sample.txt": None,
    "edi_835_parser/united_healthcare_legacy_sample.txt": None,
    "linuxforhealth_x12/270_005010X279A1/dependent-health-benefit-check.270": None,
    "linuxforhealth_x12/270_005010X279A1/subscriber-health-benefit-check.270": None,
    "linuxforhealth_x12/271_005010X279A1/dependent-health-benefit-check.271": None,
    # its SE02 (4323) does not match ST02 (4321)
    "linuxforhealth_x12/271_005010X279A1/subscriber-health-benefit-check-error.271": "SE02",
    "linuxforhealth_x12/271_005010X279A1/subscriber-health-benefit-check.271": None,
    "linuxforhealth_x12/276_005010X212/claim-level-status-ncpdp.276": None,
    "linuxforhealth_x12/276_005010X212/claim-level-status.276": None,
    "linuxforhealth_x12/276_005010X212/information-receiver-level-status.276": None,
    "linuxforhealth_x12/276_005010X212/provider-level-status.276": None,
    "linuxforhealth_x12/277_005010X212/claim-level-status-ncpdp.277": None,
    "linuxforhealth_x12/277_005010X212/claim-level-status.277": None,
    "linuxforhealth_x12/277_005010X212/information-receiver-level-status.277": None,
    "linuxforhealth_x12/277_005010X212/provider-level-status.277": None,
    # SVC01 written with '>' while ISA16 says ':'
    "linuxforhealth_x12/835_005010X221A1/cob-contractural-adjustment.835": COMPONENT,
    # BPR16 20002316 is not a date
    "linuxforhealth_x12/835_005010X221A1/managed-care.835": "not a calendar date",
    "linuxforhealth_x12/835_005010X221A1/medicare-part-a.835": None,
    "linuxforhealth_x12/835_005010X221A1/secondary-payment.835": COMPONENT,
    # SVC01 is a bare 'HC' and the amounts sit one element off
    "linuxforhealth_x12/835_005010X221A1/tertiary-payment.835": "procedure composite",
    "linuxforhealth_x12/837_005010X222A2/demo.ambulance.example5.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.autoaccident.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.cob.2ndary.example4.837": COMPONENT,
    "linuxforhealth_x12/837_005010X222A2/demo.cob.example3.A.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.cob.example3.B.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.cob.example3.C.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.cob.example4.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.drug.example10.1.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.drug.example10.2.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.drug.example10.3.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.example1.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.example11.837": COMPONENT,
    "linuxforhealth_x12/837_005010X222A2/demo.example12.837": COMPONENT,
    "linuxforhealth_x12/837_005010X222A2/demo.example2.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.example6.837": COMPONENT,
    "linuxforhealth_x12/837_005010X222A2/demo.example7.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.example8.837": None,
    "linuxforhealth_x12/837_005010X222A2/demo.example9.837": COMPONENT,
    "linuxforhealth_x12/837_005010X223A3/institutional-claim.837i": None,
    "linuxforhealth_x12/837_005010X223A3/out-of-network-repriced-claim.837i": COMPONENT,
    "linuxforhealth_x12/837_005010X223A3/ppo-repriced-claim.837i": COMPONENT,
    "linuxforhealth_x12/837_005010X223A3/two-claims-single-provider.837i": None,
    "linuxforhealth_x12/demo-file/demo-single-line.270": None,
    "linuxforhealth_x12/demo-file/demo.270": None,
    "linuxforhealth_x12/demo-file/demo.271": None,
    "linuxforhealth_x12/demo-file/demo.276": None,
    "linuxforhealth_x12/demo-file/demo.277": None,
    # enrollment (834) is not something iopbill reads
    "linuxforhealth_x12/demo-file/demo.834": "not supported",
    "linuxforhealth_x12/demo-file/demo.835": None,
    "linuxforhealth_x12/demo-file/demo.837": None,
    "linuxforhealth_x12/demo-file/demo.837i": None,
    "pyx12/835_mult_loops.txt": None,
    "x12sdk_generated/gen_270.x12": None,
    "x12sdk_generated/gen_271.x12": None,
    "x12sdk_generated/gen_277.x12": None,
    "x12sdk_generated/gen_835.x12": None,
    "x12sdk_generated/gen_837i.x12": None,
    "x12sdk_generated/gen_837p.x12": None,
}


def _sample(name: str) -> str:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared sample {path} is not here (../shared/samples/x12 missing)")
    return path.read_text()


def test_the_table_covers_every_shared_sample():
    if not SAMPLES.exists():
        pytest.skip(f"{SAMPLES} is not here")
    on_disk = {
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize(("name", "problem"), sorted(EXPECTED.items()))
def test_shared_sample_reads_whole_or_is_refused_with_its_reason(name, problem):
    text = _sample(name)
    if problem is None:
        doc = read_x12(text, file=name)
        assert doc.transactions
    else:
        with pytest.raises(X12Error, match=problem) as info:
            read_x12(text, file=name)
        assert str(info.value).startswith(f"file {name}")


def test_npis_failing_the_check_digit_are_read_not_judged():
    # 1666666661 fails the Luhn check; reading a partner's file must not choke on it.
    doc = read_x12(_sample("linuxforhealth_x12/277_005010X212/claim-level-status.277"))
    (report,) = doc.transactions
    assert report.providers[0].id == "1666666661"
    assert [c.patient_control_number for c in report.claims] == ["SM123456", "J0234567", "MA345678"]


def test_remittance_samples_keep_plb_and_balance():
    (remit,) = read_x12(_sample("linuxforhealth_x12/demo-file/demo.835")).transactions
    assert [p.amount_cents for p in remit.provider_adjustments] == [-127]
    assert remit.paid_total_cents == 15_000_000
    (gen,) = read_x12(_sample("x12sdk_generated/gen_835.x12")).transactions
    assert gen.provider_adjustments[0].reason == "WO"
    assert gen.paid_total_cents == 358_503


def test_271_sample_reports_mental_health_benefits():
    (resp,) = read_x12(_sample("linuxforhealth_x12/demo-file/demo.271")).transactions
    (result,) = resp.results
    assert result.status == "active"
    assert any("MH" in b.service_types for b in result.mental_health_benefits)
