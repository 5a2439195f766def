"""A customer's payment methods: ``client.customers.payment_methods``.

Cards arrive only as a provider's token (``provider="sandbox"`` takes ``tok_visa`` and the
other test tokens); bank accounts as US or Canadian account data, of which the service keeps
the last four digits.
"""

from __future__ import annotations

import uuid
from typing import Unpack

from altpay_client._retry import RequestSpec
from altpay_client.models import ChangeDefaultResponse, PaymentMethod
from altpay_client.params import BankAccountParams, CardParams
from altpay_client.resources._base import AsyncRequester, SyncRequester, path, post

METHODS = "/customers/{}/payment-methods"
METHOD = "/customers/{}/payment-methods/{}"


def _methods(body: dict[str, object]) -> list[PaymentMethod]:
    data = body.get("data")
    return [PaymentMethod.from_json(item) for item in data] if isinstance(data, list) else []


def _make_default(customer_id: str, method_id: str, idempotency_key: str | None) -> RequestSpec:
    return RequestSpec(
        "PATCH",
        path(METHOD + "/default", customer_id, method_id),
        idempotency_key=idempotency_key or str(uuid.uuid4()),
    )


class PaymentMethods:
    def __init__(self, client: SyncRequester) -> None:
        self._client = client

    def list(self, customer_id: str) -> list[PaymentMethod]:
        """Every payment method of the customer, newest first (the API sends one list)."""
        return _methods(self._client.request(RequestSpec("GET", path(METHODS, customer_id))))

    def get(self, customer_id: str, method_id: str) -> PaymentMethod:
        spec = RequestSpec("GET", path(METHOD, customer_id, method_id))
        return PaymentMethod.from_json(self._client.request(spec))

    def add_card(
        self, customer_id: str, *, idempotency_key: str | None = None, **params: Unpack[CardParams]
    ) -> PaymentMethod:
        spec = post(path(METHODS + "/card", customer_id), params, idempotency_key)
        return PaymentMethod.from_json(self._client.request(spec))

    def add_bank(
        self,
        customer_id: str,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[BankAccountParams],
    ) -> PaymentMethod:
        spec = post(path(METHODS + "/bank", customer_id), params, idempotency_key)
        return PaymentMethod.from_json(self._client.request(spec))

    def delete(self, customer_id: str, method_id: str) -> PaymentMethod:
        """Deletes the method and returns it as it was; deleting the default leaves none."""
        spec = RequestSpec("DELETE", path(METHOD, customer_id, method_id))
        return PaymentMethod.from_json(self._client.request(spec))

    def make_default(
        self, customer_id: str, method_id: str, *, idempotency_key: str | None = None
    ) -> ChangeDefaultResponse:
        spec = _make_default(customer_id, method_id, idempotency_key)
        return ChangeDefaultResponse.from_json(self._client.request(spec))


class AsyncPaymentMethods:
    def __init__(self, client: AsyncRequester) -> None:
        self._client = client

    async def list(self, customer_id: str) -> list[PaymentMethod]:
        """Every payment method of the customer, newest first (the API sends one list)."""
        spec = RequestSpec("GET", path(METHODS, customer_id))
        return _methods(await self._client.request(spec))

    async def get(self, customer_id: str, method_id: str) -> PaymentMethod:
        spec = RequestSpec("GET", path(METHOD, customer_id, method_id))
        return PaymentMethod.from_json(await self._client.request(spec))

    async def add_card(
        self, customer_id: str, *, idempotency_key: str | None = None, **params: Unpack[CardParams]
    ) -> PaymentMethod:
        spec = post(path(METHODS + "/card", customer_id), params, idempotency_key)
        return PaymentMethod.from_json(await self._client.request(spec))

    async def add_bank(
        self,
        customer_id: str,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[BankAccountParams],
    ) -> PaymentMethod:
        spec = post(path(METHODS + "/bank", customer_id), params, idempotency_key)
        return PaymentMethod.from_json(await self._client.request(spec))

    async def delete(self, customer_id: str, method_id: str) -> PaymentMethod:
        """Deletes the method and returns it as it was; deleting the default leaves none."""
        spec = RequestSpec("DELETE", path(METHOD, customer_id, method_id))
        return PaymentMethod.from_json(await self._client.request(spec))

    async def make_default(
        self, customer_id: str, method_id: str, *, idempotency_key: str | None = None
    ) -> ChangeDefaultResponse:
        spec = _make_default(customer_id, method_id, idempotency_key)
        return ChangeDefaultResponse.from_json(await self._client.request(spec))
