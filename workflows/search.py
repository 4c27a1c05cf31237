"""Custom search attributes (registered at server start; values carry no PHI)."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("IopStage")
PAYER = SearchAttributeKey.for_keyword("IopPayer")

ALL = (STAGE, PAYER)
