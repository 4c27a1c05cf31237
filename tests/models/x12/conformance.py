"""Run the payer-front-end validation that ../shared/tools/x12check runs, inside pytest.

pyx12 validates against the implementation guide; x12_semantic.py (loaded by path
from the shared tools folder) checks NPIs, claim totals and 835 balancing.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SAMPLES = SHARED / "samples" / "x12"
SEMANTIC = SHARED / "tools" / "x12_semantic.py"


def _semantic() -> ModuleType:
    if not SEMANTIC.exists():
        pytest.skip(f"{SEMANTIC} is not here: the shared checking tools are not installed")
    spec = importlib.util.spec_from_file_location("x12_semantic", SEMANTIC)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.open = _closing_open  # type: ignore[attr-defined]  # it never closes its file
    return module


def _closing_open(path: str, **kwargs: object) -> io.StringIO:
    with open(path, encoding="ascii", errors="replace") as fh:
        return io.StringIO(fh.read())


_ST03_NOT_USED = 'Data element "Implementation Convention Reference" (ST03) is marked as Not Used'


def findings(text: str) -> list[str]:
    """Everything a payer's front end would object to; empty means accepted.

    pyx12 4.0.0 cannot build its 999 for an 835 whose ST has no ST03 (EngineError
    "err_st.vriic was not set"), and the 835 guide marks ST03 as not used. So for
    835s we validate a copy with ST03 added, drop exactly that one finding, and rely
    on pyx12's logged errors (its 999 builder then fails on the ST03 finding).
    """
    workaround = "ST*835*" in text
    is_999 = "ST*999*" in text  # pyx12 validates a 999 but never acknowledges one
    if workaround:
        text = re.sub(r"(?m)(ST\*835\*[0-9]+)~", r"\1*005010X221A1~", text)
    import pyx12.params
    import pyx12.x12n_document

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.x12"
        path.write_text(text, encoding="ascii")
        param = pyx12.params.params()
        param.set("exclude_external_codes", "")
        ack, js, log = io.StringIO(), io.StringIO(), io.StringIO()
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger = logging.getLogger("pyx12")
        logger.addHandler(handler)
        logger.setLevel(logging.ERROR)
        try:
            ok = pyx12.x12n_document.x12n_document(
                param=param, src_file=io.StringIO(text), fd_997=ack, fd_html=None, fd_json=js
            )
        finally:
            logger.removeHandler(handler)
        out = [
            line
            for line in log.getvalue().splitlines()
            if line.startswith("ERROR")
            and "999 response" not in line
            and not (workaround and _ST03_NOT_USED in line)
        ]
        accepted = "AK9*A" in ack.getvalue() or "AK9*E" in ack.getvalue()
        if not workaround and (not ok or (not is_999 and not accepted)):
            out.append("pyx12 does not accept it: " + ack.getvalue().replace("\n", " ")[-200:])
        semantic = _semantic()
        semantic.check._prev = None
        errors, _warnings = semantic.check(str(path))
        out.extend(f"semantic: {e}" for e in errors)
    return out
