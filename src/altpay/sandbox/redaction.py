"""What the request log keeps of a body or a query: the text, less every secret in it.

Redacted before anything is cut to size, so that no part of a secret is ever kept: the
values of fields that hold secrets (JSON members and form fields by name), and wherever
they appear, access tokens (JWTs), client secrets (``sk_…``), webhook secrets (``whsec_…``)
and card-like numbers (Luhn-valid runs of 13 to 19 digits).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

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
# A secret-named member's value, whatever its JSON type (a number is a secret too).
_JSON_MEMBER = re.compile(
    rf'("(?:{_FIELD_NAMES})"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|[-+.0-9eE]+|true|false|null)'
)
# Each pattern first looks ahead for the first letters it can start with: the engine then
# skips most positions of a body at once (a third of the time on a page of customers,
# docs/performance.md).
_FIRST_LETTERS = "".join(sorted({name[0] for name in _SECRET_FIELDS}))
_FORM_FIELD = re.compile(rf"(?<![^&;?])(?=[{_FIRST_LETTERS}])((?:{_FIELD_NAMES})=)[^&;]*")
_SECRET_VALUES = re.compile(
    r"(?=[esw])(?:"
    r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT: header.claims.signature
    r"|\bsk_[A-Za-z0-9_-]+"  # a client secret
    r"|\bwhsec_[A-Za-z0-9+/=]+"  # a webhook signing secret
    r")"
)


def redacted(text: str) -> str:
    # NUL cannot be stored in PostgreSQL text: kept as U+FFFD, as an undecodable byte is.
    text = text.replace("\x00", "\ufffd")
    text = _JSON_MEMBER.sub(rf'\1"{MASK}"', text)
    text = _FORM_FIELD.sub(rf"\1{MASK}", text)
    text = _SECRET_VALUES.sub(MASK, text)
    return without_card_numbers(text, MASK)


def kept_query(raw: bytes) -> str:
    """What the log keeps of a query string: decoded (so that ``4242+4242+…`` is seen as
    the digits it is), redacted, cut to size."""
    # Fields by name while still encoded (a decoded value may hold "&"), then the rest.
    text = _FORM_FIELD.sub(rf"\1{MASK}", raw.decode("latin-1"))
    return _cut(redacted(unquote_plus(text)))


def kept(raw: bytes) -> str | None:
    """What the log keeps of a body: None for none, else its redacted text, cut to size."""
    if not raw:
        return None
    return _cut(redacted(raw.decode("utf-8", errors="replace")))


def _cut(text: str) -> str:
    """The first KEPT_BYTES of ``text`` in UTF-8, never half a character."""
    return text.encode()[:KEPT_BYTES].decode("utf-8", errors="ignore")
