"""The rater's identity (name, ID number, phone) encrypted at rest with the hall's own key."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from queue_server.ratings.errors import RatingsError

_NONCE_BYTES = 12
_LABEL = b"hallq rater v1"  # bound into every ciphertext: it is only ever a rater


class RaterVault:
    """Seals a rater's details with AES-GCM; only the ciphertext reaches the journal."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the rater key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, rater: Mapping[str, Any]) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(dict(rater), ensure_ascii=False, sort_keys=True).encode()
        sealed = self._aead.encrypt(nonce, plain, _LABEL)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _LABEL)
        except (ValueError, InvalidTag) as exc:
            raise RatingsError("a rater record cannot be opened with this hall's key") from exc
        value = json.loads(plain)
        if not isinstance(value, dict):
            raise RatingsError("a rater record is not an object")
        return value
