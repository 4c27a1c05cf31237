"""Our own short labels for the adjustment codes billers meet (BILLING_RULES.md's table).

These are iopbill's plain-language summaries written for the task page and the
console, not the code sets' official descriptors (those are licensed; look them up
at the source when the wording matters).
"""

from __future__ import annotations

_GROUPS: dict[str, str] = {
    "CO": "contractual: not billable to the patient",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
}

_CARC: dict[tuple[str, ...], str] = {
    ("16",): "claim lacks information or has an error: fix the field the RARC points at",
    ("4", "11", "146", "181", "182"): "modifier, diagnosis or code invalid or inconsistent",
    ("5", "58", "282", "199"): "place of service, bill type or revenue code does not fit",
    ("18",): "looks like a duplicate of a claim already received",
    ("22", "23"): "another payer may be primary: coordination of benefits",
    ("26", "27", "31", "177", "239"): "coverage or eligibility problem for the dates",
    ("29",): "filed after the payer's timely-filing limit",
    ("50", "150", "151", "152"): "payer questions medical necessity or level of care",
    ("96", "204", "167", "119", "35"): "service not covered or benefit maximum reached",
    ("97", "231", "234", "236"): "bundled with another service (NCCI edit)",
    ("109", "300", "301"): "wrong payer: bill the payer or carve-out responsible",
    ("197", "39", "210"): "authorization missing, denied or obtained late",
    ("198", "222", "273"): "more units than authorized or allowed",
    ("170", "171", "185", "242", "299"): "rendering provider not eligible or not credentialed",
    ("206", "207", "208"): "provider NPI missing or invalid",
    ("252", "226", "163"): "payer wants records or an attachment",
    ("45",): "charge above the contracted amount (contractual write-down)",
    ("1",): "deductible",
    ("2",): "coinsurance",
    ("3",): "copay",
}

_RARC: dict[str, str] = {
    "N290": "rendering provider identifier missing or invalid",
    "N30": "patient not eligible for this service",
    "MA130": "claim incomplete: correct and submit as a new claim",
    "M76": "diagnosis missing or incomplete",
    "N54": "claim information differs from the authorization",
    "M62": "treatment authorization code missing or invalid",
    "N382": "patient identifier missing or invalid",
    "N4": "missing or incomplete prior-payer information",
}

CARC_LABELS: dict[str, str] = {code: label for codes, label in _CARC.items() for code in codes}


def carc_label(carc: str) -> str:
    return CARC_LABELS.get(carc.strip(), "")


def group_label(group: str) -> str:
    return _GROUPS.get(group.strip().upper(), "")


def rarc_label(rarc: str) -> str:
    return _RARC.get(rarc.strip().upper(), "")


def carc_labels() -> dict[str, str]:
    return dict(CARC_LABELS)
