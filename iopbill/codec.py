"""AES-GCM payload codec: every payload Temporal stores is encrypted with the PHI key.

Workflow ids, search attributes and task titles are not payloads and stay in clear:
they carry business ids only (see DESIGN.md, data rules).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
KEY_ID_META = "encryption-key-id"


class CodecKeyError(ValueError):
    pass


def decode_key(key_b64: str) -> bytes:
    try:
        key = base64.b64decode(key_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CodecKeyError("IOPBILL_PHI_KEY must be base64 of 32 random bytes") from exc
    if len(key) != 32:
        raise CodecKeyError(f"IOPBILL_PHI_KEY decodes to {len(key)} bytes; AES-256-GCM needs 32")
    return key


class EncryptionCodec(PayloadCodec):
    def __init__(self, key_b64: str) -> None:
        key = decode_key(key_b64)
        self._aead = AESGCM(key)
        # The key id is a fingerprint, not the key: lets a rotated key be told apart.
        self._key_id = base64.b16encode(
            AESGCM(key).encrypt(b"\0" * 12, b"key-id", None)[:6]
        ).decode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            sealed = self._aead.encrypt(nonce, p.SerializeToString(), None)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_META: self._key_id.encode()},
                    data=nonce + sealed,
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                out.append(p)
                continue
            key_id = p.metadata.get(KEY_ID_META, b"").decode()
            if key_id != self._key_id:
                raise CodecKeyError(f"payload was encrypted with key {key_id}, not {self._key_id}")
            out.append(Payload.FromString(self._aead.decrypt(p.data[:12], p.data[12:], None)))
        return out


def data_converter(phi_key: str) -> DataConverter:
    """The converter every client and worker of ours uses: codec on payloads and failures.

    Pydantic's JSON conversion (dataclasses included) so that ``date`` and ``datetime``
    fields of domain objects round-trip through activities and Updates.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(phi_key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
