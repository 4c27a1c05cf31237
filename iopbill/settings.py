"""One settings class, read from environment variables (prefix ``IOPBILL_``).

Every variable is documented in the README's "Settings" table; the docker-compose test
checks that the production file sets only names this class reads.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# A development-only key: `iopbill dev` warns when it is in use; production sets its own.
DEV_PHI_KEY = "ZGV2LW9ubHktcGhpLWtleS0zMi1ieXRlcy1sb25nISE="
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOPBILL_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'iopbill.db'}",
        description="SQLAlchemy URL of the app database (SQLite default, PostgreSQL in prod).",
    )
    temporal_address: str = Field(
        default="127.0.0.1:7233", description="Temporal frontend host:port."
    )
    temporal_namespace: str = Field(default="default", description="Temporal namespace.")
    task_queue: str = Field(default="iopbill", description="Task queue the worker polls.")
    secret_key: str = Field(
        default=DEV_SECRET_KEY, description="Signs session cookies and CSRF tokens."
    )
    phi_key: str = Field(
        default=DEV_PHI_KEY,
        description="Base64 of a 32-byte AES-GCM key that encrypts every Temporal payload.",
    )
    day_seconds: float = Field(
        default=86400.0, gt=0, description="Length of one billing day in seconds (demo: shorter)."
    )
    simulator_delay_scale: float = Field(
        default=1.0,
        gt=0,
        description="Simulated payers' delays as a share of their configured business days "
        "(the demo: payers answer sooner than its SLA clock runs).",
    )
    clearinghouse: str = Field(
        default="simulator", description="Clearinghouse adapter: simulator|filedrop."
    )
    filedrop_dir: str = Field(
        default=str(ROOT / "var" / "filedrop"),
        description="Root of outbox/ and inbox/ for filedrop.",
    )
    billing_npi: str = Field(default="1234567893", description="Billing provider NPI (837 2010AA).")
    billing_taxonomy: str = Field(default="261QM0801X", description="Billing provider taxonomy.")
    billing_tax_id: str = Field(default="123456789", description="Billing provider EIN (9 digits).")
    billing_name: str = Field(default="Harbor Light IOP", description="Billing provider name.")
    web_host: str = Field(default="127.0.0.1", description="Address the web app binds.")
    web_port: int = Field(default=8000, description="Port the web app binds.")
    temporal_ui_port: int = Field(default=8233, description="Port of the Temporal UI (dev server).")
    codec_cors_origin: str = Field(
        default="http://127.0.0.1:8233", description="Origin allowed to call the codec endpoint."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
