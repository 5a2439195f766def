"""Card numbers in request bodies: found before anything else reads the body, never kept.

A card reaches altpay only as a provider's token. A card number is a run of 13 to 19 digits
(single spaces or dashes allowed between them, as people write ``4242 4242 4242 4242``)
that passes the Luhn check (``stdnum.luhn``, not arithmetic of our own). Within a run that
has separators, every stretch of whole groups is a candidate, so a number followed by more
digits (``4242 4242 4242 4242 12``) is still found; a run without separators counts whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from stdnum import luhn

MIN_DIGITS, MAX_DIGITS = 13, 19
# Digits with at most one space or dash between any two of them, at least as many as a card
# number has: a shorter run (a date, a postal code) cannot hold one, and is never looked at.
_RUN = re.compile(rf"[0-9](?:[ -]?[0-9]){{{MIN_DIGITS - 1},}}")
_SEPARATOR = re.compile(r"[ -]")


def holds_card_number(text: str) -> bool:
    return any(_card_number_in(run.group()) for run in _RUN.finditer(text))


def without_card_numbers(text: str, mask: str) -> str:
    """``text`` with each run of digits that holds a card number replaced by ``mask``."""
    return _RUN.sub(lambda run: mask if _card_number_in(run.group()) else run.group(), text)


def _card_number_in(run: str) -> bool:
    groups = _SEPARATOR.split(run)
    for start in range(len(groups)):
        digits = ""
        for group in groups[start:]:
            digits += group
            if len(digits) > MAX_DIGITS:
                break
            if len(digits) >= MIN_DIGITS and luhn.is_valid(digits):
                return True
    return False


def fields_with_card_numbers(document: Any, exempt: Collection[str] = ()) -> list[str]:
    """The dotted names (``a.b``, ``items.0``) of every string in ``document`` that holds a
    card number, but those named in ``exempt``."""
    return [
        name
        for name, value in _strings(document, "")
        if name not in exempt and holds_card_number(value)
    ]


def _strings(value: Any, name: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{name}.{index}" if name else str(index))
