"""What the payment-method routes take besides the kit's: the card providers enabled here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from altpay.core.http.connections import runtime_of
from altpay.payment_methods.cards import CardProvider
from altpay.payment_methods.providers import enabled_providers


async def card_providers(request: Request) -> Mapping[str, CardProvider]:
    return enabled_providers(sandbox=runtime_of(request).settings.sandbox_enabled)


CardProviders = Annotated[Mapping[str, CardProvider], Depends(card_providers)]
