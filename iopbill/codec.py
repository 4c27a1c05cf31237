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
from typing import ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import (
    PydanticJSONPlainPayloadConverter,
    PydanticPayloadConverter,
    pydantic_data_converter,
)
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
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


class SharedPayloadConverter(PydanticPayloadConverter):
    """Pydantic's payload converter, built once per process and then shared.

    The worker builds a payload converter from its class twice for every workflow
    activation (for the codec's per-command contexts) and once for every workflow
    instance it creates. Each build makes a new composite converter and, with it, an
    empty cache of pydantic ``TypeAdapter``s, so every instance rebuilt the adapters of
    its activity results, inputs and Update arguments. In a profile of the episodes
    benchmark, building converters and adapters took about 6 % of the worker's Python
    time. The converter holds no state but that cache (thread-safe, bounded at 1,024
    adapters) and none of its parts takes a serialization context, so one instance serves
    every caller: the class hands out the same object each time it is called.
    """

    _shared: ClassVar[SharedPayloadConverter | None] = None
    _built = False

    def __new__(cls) -> SharedPayloadConverter:
        shared = cls._shared
        if shared is None:
            shared = cls._shared = super().__new__(cls)
        return shared

    def __init__(self) -> None:
        if not self._built:
            super().__init__()
            self._built = True

    def with_context(self, context: SerializationContext) -> SharedPayloadConverter:
        # The base class would build ``type(self)()`` and set converters on it: on a
        # shared instance that would change every caller's converter.
        if self.get_converters_with_context(context) is not None:
            raise TypeError("a payload converter that takes a context cannot be shared")
        return self

    def adapters_built_and_reused(self) -> tuple[int, int]:
        """Type adapters in the cache, and how many times one was found there."""
        for converter in self.converters.values():
            if isinstance(converter, PydanticJSONPlainPayloadConverter):
                info = converter._type_adapter.cache_info()
                return info.currsize, info.hits
        raise LookupError("no pydantic JSON converter among the converters")


def data_converter(phi_key: str) -> DataConverter:
    """The converter every client and worker of ours uses: codec on payloads and failures.

    Pydantic's JSON conversion (dataclasses included) so that ``date`` and ``datetime``
    fields of domain objects round-trip through activities and Updates; one shared
    instance of it (``SharedPayloadConverter``).
    """
    SharedPayloadConverter()  # built here, before any worker thread asks for it
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=SharedPayloadConverter,
        payload_codec=EncryptionCodec(phi_key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
