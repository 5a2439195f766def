"""Field types shared by every input schema: trimmed, bounded, printable text."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Strict, StringConstraints

MAX_EMAIL_LENGTH = 254


def reject_unstorable(value: str) -> str:
    """Control characters (NUL included) and lone surrogates are never valid text."""
    for character in value:
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise ValueError("must not contain control characters")
    return value


def check_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False, strict=True)
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid e-mail address: {error}") from error
    return value


def bounded_text(max_length: int, *, required: bool = False) -> object:
    """Marks a ``str`` as strict, trimmed, ``max_length`` long at most, printable."""
    return StringConstraints(
        strip_whitespace=True, min_length=1 if required else None, max_length=max_length
    )


RequiredText255 = Annotated[
    str, Strict(), bounded_text(255, required=True), AfterValidator(reject_unstorable)
]
OptionalText255 = Annotated[str, Strict(), bounded_text(255), AfterValidator(reject_unstorable)]
RequiredText100 = Annotated[
    str, Strict(), bounded_text(100, required=True), AfterValidator(reject_unstorable)
]
Email = Annotated[
    str,
    Strict(),
    bounded_text(MAX_EMAIL_LENGTH, required=True),
    AfterValidator(reject_unstorable),
    AfterValidator(check_email),
]
