"""Canonical JSON: the exact bytes that hashes are taken of (the audit chain, document
content hashes, import digests), so they must never change between versions."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # json.dumps's, ensure_ascii=False
from typing import Any

# One encoder for every call: ``json.dumps`` with options builds a new one each time,
# which costs more than encoding a short payload (imports call this twice a record).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(obj: Any) -> str:
    """``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``."""
    return _CANONICAL.encode(obj)


# What json escapes in a string besides non-ASCII (which ensure_ascii=False keeps).
_JSON_ESCAPED = bytes(range(0x20)) + b'"\\'


def json_string(text: str) -> str:
    """A string as ``json.dumps(text, ensure_ascii=False)`` writes it. That escapes only
    quotes, backslashes and control characters; ASCII text without them (nearly every
    abstract) is just quoted, and one C pass over its bytes proves it has none, a third
    of what json's own character-by-character pass costs."""
    if text.isascii():
        data = text.encode("ascii")
        if len(data.translate(None, _JSON_ESCAPED)) == len(data):
            return f'"{text}"'
    return encode_basestring(text)
