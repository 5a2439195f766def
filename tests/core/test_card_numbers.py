"""What the card-number guard takes for a card number: a Luhn-valid run of 13 to 19 digits."""

from __future__ import annotations

import pytest

from altpay.core.card_numbers import fields_with_card_numbers, holds_card_number


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "card: 4000056655665556, thanks",
        "4242 4242 4242 4242 12",  # a number, then more digits
        "4222222222222",  # 13 digits
        "6011111111111117",
        "378282246310005",  # 15 digits, amex
        "4000000000000000006",  # 19 digits
        "x4242424242424242y",
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert holds_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424241",  # the check digit is wrong
        "424242424242",  # 12 digits
        "42424242424242424242",  # 20 digits in one run
        "4242  4242  4242  4242",  # two spaces: four short runs
        "4242_4242_4242_4242",
        "tok_visa",
        "",
        "+1 415 555 0100",
        "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢",  # not ASCII digits
    ],
)
def test_other_digits_are_not_card_numbers(text: str) -> None:
    assert not holds_card_number(text)


def test_fields_are_named_by_their_dotted_path_and_exemptions_hold() -> None:
    document = {
        "name": "4242424242424242",
        "nested": {"deep": ["ok", "5555 5555 5555 4444"], "n": 4242424242424242},
        "account": {"account_number": "4242424242424242"},
    }

    found = fields_with_card_numbers(document, exempt={"account.account_number"})

    assert found == ["name", "nested.deep.1"]
