"""The sandbox card provider: fixed test tokens, as Stripe's test mode has them."""

from __future__ import annotations

from datetime import UTC, datetime

from altpay.payment_methods.cards import Card
from altpay.payment_methods.errors import CardExpired, InvalidCardToken

SANDBOX = "sandbox"
EXPIRED_TOKEN = "tok_expired"
# Token -> (brand, funding, last4).
TEST_TOKENS: dict[str, tuple[str, str, str]] = {
    "tok_visa": ("visa", "credit", "4242"),
    "tok_visa_debit": ("visa", "debit", "5556"),
    "tok_mastercard": ("mastercard", "credit", "4444"),
    "tok_mastercard_debit": ("mastercard", "debit", "8210"),
    "tok_amex": ("amex", "credit", "8431"),
    "tok_discover": ("discover", "credit", "1117"),
    "tok_interac": ("interac", "debit", "0000"),
}
_TOKEN_FIELD = "card_provider_token"


def sandbox_expiry(now: datetime | None = None) -> tuple[str, str]:
    """Month 12 of the current year + 3: a test card never expires during a test run."""
    year = (now or datetime.now(UTC)).year + 3
    return "12", str(year)


class SandboxCards:
    async def card_for(self, token: str) -> Card:
        if token == EXPIRED_TOKEN:
            raise CardExpired(validation_errors={_TOKEN_FIELD: "names an expired card"})
        known = TEST_TOKENS.get(token)
        if known is None:
            raise InvalidCardToken(
                validation_errors={_TOKEN_FIELD: "is not a token of this card provider"}
            )
        brand, funding, last4 = known
        exp_month, exp_year = sandbox_expiry()
        return Card(brand, funding, last4, exp_month, exp_year)
