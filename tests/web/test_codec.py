"""The remote codec endpoint the Temporal UI calls with the user's cookie."""

from __future__ import annotations

import base64
import json
from typing import Any

from temporalio.api.common.v1 import Payload

from iopbill.codec import EncryptionCodec
from tests.conftest import TEST_PHI_KEY
from tests.web.conftest import settings

JSON = {"content-type": "application/json"}
ORIGIN = settings().codec_cors_origin


def body(payloads: list[Payload]) -> str:
    return json.dumps(
        {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                    "data": base64.b64encode(p.data).decode(),
                }
                for p in payloads
            ]
        }
    )


async def test_a_logged_in_user_decodes_what_the_worker_encrypted(as_role: Any) -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"first_name":"Ada"}')
    sealed = await EncryptionCodec(TEST_PHI_KEY).encode([plain])
    browser = await as_role("biller")
    response = await browser.client.post(
        "/codec/decode", content=body(sealed), headers={**JSON, "origin": ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    out = response.json()["payloads"][0]
    assert base64.b64decode(out["data"]) == b'{"first_name":"Ada"}'
    assert base64.b64decode(out["metadata"]["encoding"]) == b"json/plain"


async def test_encode_then_decode_round_trips(as_role: Any) -> None:
    browser = await as_role("supervisor")
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"42")
    sealed = await browser.client.post("/codec/encode", content=body([plain]), headers=JSON)
    assert b"42" not in base64.b64decode(sealed.json()["payloads"][0]["data"])
    back = await browser.client.post("/codec/decode", content=sealed.text, headers=JSON)
    assert base64.b64decode(back.json()["payloads"][0]["data"]) == b"42"


async def test_codec_refuses_strangers_other_origins_and_non_json(
    app_client: Any, as_role: Any
) -> None:
    anonymous = await app_client.post("/codec/decode", content='{"payloads": []}', headers=JSON)
    assert anonymous.status_code == 401
    browser = await as_role("biller")
    other = await browser.client.post(
        "/codec/decode", content='{"payloads": []}', headers={**JSON, "origin": "http://evil.test"}
    )
    assert other.status_code == 403
    form = await browser.client.post("/codec/decode", data={"payloads": "x"})
    assert form.status_code == 403
    bad = await browser.client.post("/codec/decode", content='{"nope": 1}', headers=JSON)
    assert bad.status_code == 400


async def test_preflight_answers_for_the_temporal_ui_origin(app_client: Any) -> None:
    response = await app_client.options(
        "/codec/decode",
        headers={"origin": ORIGIN, "access-control-request-method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
