"""What the request log keeps of a body or a query: the text, less every secret in it.

Redacted before anything is cut to size, so that no part of a secret is ever kept: the
values of fields that hold secrets (JSON members and form fields by name), and wherever
they appear, access tokens (JWTs), client secrets (``sk_…``), webhook secrets (``whsec_…``)
and card-like numbers (Luhn-valid runs of 13 to 19 digits).
"""

from __future__ import annotations

import re

from altpay.core.card_numbers import without_card_numbers

MASK = "[redacted]"
# Bytes of a body (or a query) the log keeps; the text is redacted first, in full.
KEPT_BYTES = 16 * 1024

_SECRET_FIELDS = (
    "client_secret",
    "secret_key",
    "access_token",
    "refresh_token",
    "password",
    "account_number",
    "routing_number",
    "transit_number",
)
_FIELD_NAMES = "|".join(_SECRET_FIELDS)
_JSON_MEMBER = re.compile(rf'("(?:{_FIELD_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"')
_FORM_FIELD = re.compile(rf"(?:^|(?<=[&;?]))((?:{_FIELD_NAMES})=)[^&;]*")
_SECRET_VALUES = re.compile(
    r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT: header.claims.signature
    r"|\bsk_[A-Za-z0-9_-]+"  # a client secret
    r"|\bwhsec_[A-Za-z0-9+/=]+"  # a webhook signing secret
)


def redacted(text: str) -> str:
    text = _JSON_MEMBER.sub(rf'\1"{MASK}"', text)
    text = _FORM_FIELD.sub(rf"\1{MASK}", text)
    text = _SECRET_VALUES.sub(MASK, text)
    return without_card_numbers(text, MASK)


def kept(raw: bytes) -> str | None:
    """What the log keeps of a body: None for none, else its redacted text, cut to size."""
    if not raw:
        return None
    text = redacted(raw.decode("utf-8", errors="replace")).encode()
    return text[:KEPT_BYTES].decode("utf-8", errors="ignore")
