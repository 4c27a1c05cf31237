"""The console's finance figures: charts built from ``models.db.reports``, each bar a
link to the list behind it (``/supervisor/ar``, ``/denials``, ``/clean``, ``/auths``,
``/unbilled``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from models.db import reports
from web.charts import Bar, BarChart, bar_chart


def _href(path: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


@dataclass(frozen=True, kw_only=True)
class Finance:
    aging: list[BarChart]
    over_90_percent: float
    denial_by_payer: BarChart
    denial_by_carc: BarChart
    clean: BarChart
    clean_all: reports.Rate
    days_in_ar: reports.DaysInAR
    auths_running_out: int
    unbilled: int  # charges no claim will carry unless someone acts
    unbilled_cents: int


def aging_charts(cells: list[reports.AgingCell]) -> list[BarChart]:
    """One chart per payer: open dollars in each bucket (bars link to the claims)."""
    by_payer: dict[str, dict[str, reports.AgingCell]] = {}
    for cell in cells:
        by_payer.setdefault(cell.payer_id, {})[cell.bucket] = cell
    charts = []
    for payer, row in sorted(by_payer.items()):
        total = sum(c.open_cents for c in row.values())
        bars = []
        for label, low, _ in reports.AGING_BUCKETS:
            found = row.get(label)
            bars.append(
                Bar(
                    label=f"{label} ({found.claims if found else 0})",
                    value=(found.open_cents if found else 0) // 100,
                    href=_href("/supervisor/ar", payer=payer, bucket=label),
                    tone="bad" if low > 90 else ("warn" if low > 60 else "base"),
                )
            )
        charts.append(
            bar_chart(
                f"{payer}: ${total // 100:,} open",
                bars,
                width=320,
                label_width=90,
            )
        )
    return charts


def _rate_bars(rates: list[reports.Rate], path: str, param: str) -> list[Bar]:
    return [
        Bar(
            label=f"{r.key} {r.numerator}/{r.denominator}",
            value=round(r.percent),
            href=_href(path, **{param: r.key}),
            tone="bad" if r.percent >= 10 else ("warn" if r.percent >= 5 else "base"),
        )
        for r in rates
    ]


def build(session: Session, *, now: datetime, today: date, day_seconds: float) -> Finance:
    cells = reports.ar_aging(session, now=now, day_seconds=day_seconds)
    open_total = sum(c.open_cents for c in cells)
    over_90 = sum(c.open_cents for c in cells if c.bucket == "90+")
    clean = reports.clean_claim_rate(session)
    unbilled = reports.unbilled_charges(session)
    clean_bars = [
        Bar(
            label=f"{r.key} {r.numerator}/{r.denominator}",
            value=round(r.percent),
            href=_href("/supervisor/clean", payer="" if r.key == "all" else r.key),
            tone="base" if r.percent >= 95 else "warn",
        )
        for r in clean
    ]
    return Finance(
        aging=aging_charts(cells),
        over_90_percent=100.0 * over_90 / open_total if open_total else 0.0,
        denial_by_payer=bar_chart(
            "Denial rate by payer (% of submitted claims)",
            _rate_bars(reports.denial_rate_by_payer(session), "/supervisor/denials", "payer"),
            label_width=170,
        ),
        denial_by_carc=bar_chart(
            "Denial rate by CARC (% of submitted claims)",
            _rate_bars(reports.denial_rate_by_carc(session)[:12], "/supervisor/denials", "carc"),
            label_width=120,
        ),
        clean=bar_chart(
            "Clean-claim rate, first pass (%; target ≥ 95)", clean_bars, label_width=170
        ),
        clean_all=clean[0],
        days_in_ar=reports.days_in_ar(session, today=today),
        auths_running_out=len(reports.authorizations_running_out(session, today=today)),
        unbilled=len(unbilled),
        unbilled_cents=sum(c.charge_cents for c in unbilled),
    )
