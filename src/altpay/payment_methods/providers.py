"""The card providers by name. A card reaches altpay only as a provider's token.

A real tokenisation provider is one module implementing ``cards.CardProvider`` (as
``sandbox_cards`` does) and one entry in ``_PROVIDERS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from altpay.payment_methods.cards import CardProvider
from altpay.payment_methods.sandbox_cards import SANDBOX, SandboxCards


@dataclass(frozen=True, slots=True)
class _Registered:
    provider: CardProvider
    sandbox_only: bool


_PROVIDERS: dict[str, _Registered] = {
    SANDBOX: _Registered(SandboxCards(), sandbox_only=True),
}


def enabled_providers(*, sandbox: bool) -> Mapping[str, CardProvider]:
    """The providers this process offers, by name; the sandbox's only when ``sandbox``
    (``Settings.sandbox_enabled``, the switch of every sandbox feature)."""
    return {
        name: entry.provider
        for name, entry in _PROVIDERS.items()
        if sandbox or not entry.sandbox_only
    }
