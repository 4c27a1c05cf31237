"""Configuration of the clearinghouse adapters: trading partners and simulated payers.

``partners.toml`` holds the identities every outbound file carries (submitter,
clearinghouse, billing provider, each payer's X12 ids); ``simulator_payers.toml`` holds
the personality of each simulated payer. Both ship beside this module.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from models.x12 import Address, BillingProvider, Party, Payer, Provider

__all__ = [
    "PartnerConfig",
    "PayerIdentity",
    "PayerPersonality",
    "SimulatorConfig",
    "load_partners",
    "load_simulator",
]


@dataclass(frozen=True, kw_only=True)
class PayerIdentity:
    id: str  # our payer id (rule-set id)
    name: str
    payer_id: str  # the payer's X12 id (NM1*PR)
    interchange_id: str  # ISA06 of the files it sends
    filing_indicator: str = "CI"

    def x12(self) -> Payer:
        return Payer(name=self.name, payer_id=self.payer_id)


@dataclass(frozen=True, kw_only=True)
class PartnerConfig:
    submitter: Party
    receiver: Party
    billing_provider: BillingProvider
    attending_provider: Provider
    payers: dict[str, PayerIdentity]

    def payer(self, payer_id: str) -> PayerIdentity:
        try:
            return self.payers[payer_id]
        except KeyError:
            raise KeyError(f"payer {payer_id!r} is not in partners.toml") from None


@dataclass(frozen=True, kw_only=True)
class PayerPersonality:
    id: str
    member_id_pattern: str = r"^[A-Za-z0-9-]{3,30}$"
    inactive_member_pattern: str = r"0000$"
    eligibility_days: float = 0
    auth_days: float = 2
    auth_partial_rate: float = 0.0
    auth_units: int = 20
    ack_days: float = 1
    pay_days: tuple[int, int] = (14, 30)
    slow_pay_days: int = 50  # the SLOWPAY marker: the 835 comes this many days after the 837
    status_days: float = 1
    appeal_days: tuple[int, int] = (20, 40)
    appeal_overturn_rate: float = 0.5
    denial_mix: dict[str, float] = field(default_factory=dict)
    patient_responsibility: dict[str, float] = field(default_factory=dict)
    coinsurance_percent: int = 20
    deductible_cents: int = 0
    copay_cents: int = 0


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    seed: int
    payers: dict[str, PayerPersonality]

    def payer(self, payer_id: str) -> PayerPersonality:
        return self.payers.get(payer_id) or PayerPersonality(id=payer_id)


def _read(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def parse_partners(data: dict[str, Any]) -> PartnerConfig:
    bp, at = data["billing_provider"], data["attending_provider"]
    return PartnerConfig(
        submitter=Party(**data["submitter"]),
        receiver=Party(**data["receiver"]),
        billing_provider=BillingProvider(
            name=bp["name"],
            npi=bp["npi"],
            tax_id=bp["tax_id"],
            taxonomy=bp.get("taxonomy", ""),
            address=Address(
                line1=bp["line1"], city=bp["city"], state=bp["state"], postal_code=bp["postal_code"]
            ),
        ),
        attending_provider=Provider(
            last_name=at["last_name"], first_name=at["first_name"], npi=at["npi"]
        ),
        payers={pid: PayerIdentity(id=pid, **p) for pid, p in data.get("payers", {}).items()},
    )


def parse_simulator(data: dict[str, Any]) -> SimulatorConfig:
    payers: dict[str, PayerPersonality] = {}
    for pid, p in data.get("payers", {}).items():
        values = dict(p)
        for key in ("pay_days", "appeal_days"):
            if key in values:
                low, high = values[key]
                values[key] = (int(low), int(high))
        payers[pid] = PayerPersonality(id=pid, **values)
    return SimulatorConfig(seed=int(data.get("seed", 0)), payers=payers)


@cache
def load_partners() -> PartnerConfig:
    return parse_partners(_read("partners.toml"))


@cache
def load_simulator() -> SimulatorConfig:
    return parse_simulator(_read("simulator_payers.toml"))
