"""Remote payload codec for the Temporal UI: decode/encode for a logged-in user.

The Temporal UI posts ``{"payloads": [{"metadata": {k: base64}, "data": base64}]}`` with
credentials from its own origin (``settings.codec_cors_origin``). A JSON body cannot be
sent cross-site without a CORS preflight, which only that origin passes: that is the
CSRF protection here (a form can't send it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from temporalio.api.common.v1 import Payload

from iopbill.codec import CodecKeyError, EncryptionCodec
from web.access import ANY_STAFF
from web.deps import AppSettings, Forbidden, current_user
from web.security import CurrentUser

router = APIRouter(prefix="/codec")


def _cors(settings: AppSettings) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": settings.codec_cors_origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type, x-namespace",
        "Vary": "Origin",
    }


def codec_user(
    request: Request, settings: AppSettings, user: Annotated[CurrentUser, Depends(current_user)]
) -> CurrentUser:
    origin = request.headers.get("origin")
    if origin and origin not in (settings.codec_cors_origin, str(request.base_url).rstrip("/")):
        raise Forbidden("This origin may not use the codec.")
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise Forbidden("The codec takes JSON.")
    if not ANY_STAFF & user.roles:
        raise Forbidden("Your role does not give access to the codec.")
    return user


CodecUser = Annotated[CurrentUser, Depends(codec_user)]


def _payloads(body: Any) -> list[Payload]:
    items = body.get("payloads") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ValueError("expected {'payloads': [...]}")
    return [
        Payload(
            metadata={k: base64.b64decode(v) for k, v in (p.get("metadata") or {}).items()},
            data=base64.b64decode(p.get("data") or ""),
        )
        for p in items
    ]


def _json(payloads: list[Payload]) -> dict[str, Any]:
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


async def _run(request: Request, settings: AppSettings, decode: bool) -> Response:
    codec = EncryptionCodec(settings.phi_key)
    try:
        payloads = _payloads(await request.json())
        out = await (codec.decode(payloads) if decode else codec.encode(payloads))
    except (ValueError, binascii.Error, AttributeError, CodecKeyError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400, headers=_cors(settings))
    return JSONResponse(_json(out), headers=_cors(settings))


@router.options("/decode")
@router.options("/encode")
def preflight(settings: AppSettings) -> Response:
    return Response(status_code=204, headers=_cors(settings))


@router.post("/decode")
async def decode(request: Request, settings: AppSettings, user: CodecUser) -> Response:
    return await _run(request, settings, decode=True)


@router.post("/encode")
async def encode(request: Request, settings: AppSettings, user: CodecUser) -> Response:
    return await _run(request, settings, decode=False)
