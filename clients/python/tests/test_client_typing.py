"""A program that uses the client type-checks under ``mypy --strict``; a misuse does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GOOD = """
import asyncio
import os

from altpay_client import AsyncClient, Client, Customer, NotFoundError, Page, PaymentMethod


def names(client: Client) -> list[str]:
    created: Customer = client.customers.create(name="Acme", email="a@acme.example", ein="1")
    client.customers.update(created.id, legal_name=None, city="Austin")
    first: Page[Customer] = client.customers.list(limit=10, company_name="ac").first_page()
    try:
        client.customers.get("cus_missing")
    except NotFoundError as error:
        print(error.code, error.status, error.request_id, error.validation_errors)
    card: PaymentMethod = client.customers.payment_methods.add_card(
        created.id, provider="sandbox", card_provider_token="tok_visa"
    )
    client.customers.payment_methods.add_bank(
        created.id,
        account_data_type="US",
        subtype="checking",
        us_account_data={"routing_number": "011000015", "account_number": "000123456789"},
    )
    print(client.customers.payment_methods.make_default(created.id, card.id).response)
    return [customer.name for customer in client.customers.list(reverse=True)] + [
        c.id for c in first.data
    ]


async def emails() -> list[str]:
    async with AsyncClient(os.environ["BASE"], "cli", "sk", max_retries=3) as client:
        user = await client.customers.users.create(
            "cus_1", email="ana@acme.example", first_name="Ana", last_name="Lopez"
        )
        return [user.email] + [u.email async for u in client.customers.users.list("cus_1")]


with Client(os.environ["BASE"], "cli", "sk") as sync_client:
    print(names(sync_client), asyncio.run(emails()))
"""

BAD = """
from altpay_client import Client

client = Client("http://127.0.0.1:8000", "cli", "sk")
client.customers.create(name="No e-mail")
client.customers.update("cus_1", email="x@example.com")
count: int = client.customers.get("cus_1").name
"""


def test_mypy_strict_accepts_a_program_and_refuses_a_misuse(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--no-incremental",
         "good.py", "bad.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if line.startswith("good.py")], done.stdout
    assert [line.split(":")[1] for line in errors] == ["5", "6", "7"], done.stdout
