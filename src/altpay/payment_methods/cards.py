"""What a card provider is: something that turns a token of its own into a card's details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Card:
    """What a provider tells of a card: never its number."""

    brand: str
    funding: str  # "credit" or "debit"
    last4: str
    exp_month: str  # "01".."12"
    exp_year: str  # four digits


class CardProvider(Protocol):
    async def card_for(self, token: str) -> Card:
        """The card behind ``token``; CardExpired or InvalidCardToken when there is none."""
        ...
