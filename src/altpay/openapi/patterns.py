"""Regular expressions that say in the document exactly what the input validators accept.

Each pattern mirrors one validator (``altpay.core.text``, ``altpay.customers.address``,
``altpay.core.http.params``), so that a value matches it if and only if the service accepts it.
They use only escapes that ECMA-262, Python and Rust regular expressions read alike, and
no surrogate code points (which a Rust engine cannot compile).
"""

from __future__ import annotations

# Unicode White_Space: what pydantic's ``strip_whitespace`` removes from both ends.
_WHITESPACE = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE = f"[{_WHITESPACE}]"
# Text may hold any character but a control character (Cc), which is never valid.
TEXT_CHAR = r"[^\x00-\x1f\x7f-\x9f]"
# Trimmed text starts and ends with a character that is neither control nor white space.
EDGE_CHAR = rf"[^\x00-\x1f\x7f-\x9f{_WHITESPACE}]"


def trimmed(inner: str, *, optional: bool) -> str:
    """``inner`` with any white space around it (trimmed away); empty too if ``optional``."""
    body = f"(?:{inner})?" if optional else inner
    return f"^{WHITESPACE}*{body}{WHITESPACE}*$"


def text(max_length: int, *, required: bool) -> str:
    """Text that, once trimmed, is 1..``max_length`` characters (or empty unless required)."""
    inner = f"{EDGE_CHAR}(?:{TEXT_CHAR}{{0,{max_length - 2}}}{EDGE_CHAR})?"
    return trimmed(inner, optional=not required)


EIN = trimmed(r"[0-9]{2}-?[0-9]{7}", optional=True)
# The code must also be one ISO 3166-1 assigns, which no short pattern can list.
COUNTRY = trimmed(r"[A-Za-z]{2,3}", optional=True)

# An RFC 3339 timestamp with an offset, as ``parse_rfc3339`` reads it (a space may stand
# for the T; up to nine fractional digits); empty means "no bound".
_YEAR = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_DATE = rf"{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
TIMESTAMP_BOUND = rf"^(?:{_DATE}[Tt ]{_TIME}{_OFFSET})?$"

# Printable ASCII; a header value never starts or ends with white space on the wire.
IDEMPOTENCY_KEY = r"^[!-~](?:[ -~]{0,253}[!-~])?$"
REQUEST_ID = r"^[A-Za-z0-9._:-]{1,128}$"


def prefixed_id(prefix: str, *, optional: bool = False) -> str:
    """An opaque id of one type, e.g. ``cus_…``; ``""`` too if ``optional``."""
    return f"^(?:{prefix}_[0-9a-z]+){'?' if optional else ''}$"


def one_of(values: tuple[str, ...]) -> str:
    """Exactly one of ``values`` (plain words: letters, digits and underscores)."""
    return f"^(?:{'|'.join(values)})$"
