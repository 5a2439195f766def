"""A newer server never breaks an older client: unknown fields and enum values are kept."""

from __future__ import annotations

from altpay_client import Customer, Page, PaymentMethod


def test_unknown_fields_are_kept_in_extra() -> None:
    customer = Customer.from_json({"id": "cus_1", "name": "Acme", "loyalty_tier": "gold"})
    assert customer.name == "Acme"
    assert customer.extra == {"loyalty_tier": "gold"}
    assert customer.email == ""  # a field the server left out: its "no value"


def test_unknown_enum_values_are_kept_as_sent() -> None:
    method = PaymentMethod.from_json({"id": "pm_1", "type": "sepa_debit", "default": False})
    assert method.type == "sepa_debit"


def test_a_page_keeps_unknown_fields() -> None:
    page = Page.from_json(
        {"data": [{"id": "cus_1"}], "has_next_page": True, "end_cursor": "c", "total": 9},
        Customer,
    )
    assert [c.id for c in page.data] == ["cus_1"]
    assert (page.has_next_page, page.end_cursor, page.extra) == (True, "c", {"total": 9})
