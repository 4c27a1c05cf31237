"""The Temporal client every process of ours uses (web, worker, CLI): codec always on."""

from __future__ import annotations

from temporalio.client import Client

from iopbill.codec import data_converter
from iopbill.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings.phi_key),
    )
