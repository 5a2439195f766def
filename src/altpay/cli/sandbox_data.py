"""Realistic sandbox data: US and Canadian companies, their users and payment methods."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from faker import Faker

from altpay.customers.schemas import CreateCustomerInput
from altpay.payment_methods.schemas import Funding, MethodType, NewPaymentMethod
from altpay.users.schemas import CreateCustomerUserInput

CARD_BRANDS = ("visa", "mastercard", "amex", "discover")
BANKS = ("Chase", "Bank of America", "Wells Fargo", "RBC Royal Bank", "TD Bank", "Citibank")


@dataclass(frozen=True, slots=True)
class SandboxCustomer:
    customer: CreateCustomerInput
    users: list[CreateCustomerUserInput]
    payment_methods: list[NewPaymentMethod]
    archived: bool


POOL_SIZE = 400


class _Pool:
    """Values drawn from Faker once, then sampled: Faker costs milliseconds per customer."""

    def __init__(self, faker: Faker, rng: random.Random) -> None:
        self._faker = faker
        self._random = rng
        self._values: dict[str, list[str]] = {}

    def pick(self, kind: str, **options: bool) -> str:
        values = self._values.get(kind)
        if values is None:
            make = getattr(self._faker, kind)
            values = self._values[kind] = [make(**options) for _ in range(POOL_SIZE)]
        return self._random.choice(values)


class SandboxFactory:
    """Makes plausible customers; seeded, so the same seed makes the same data."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._year = date.today().year  # expiry dates in the future, whenever it runs
        us, ca = Faker("en_US"), Faker("en_CA")
        for faker in (us, ca):
            faker.seed_instance(self._random.random())
        self._us, self._ca = _Pool(us, self._random), _Pool(ca, self._random)

    def customer(self, number: int) -> SandboxCustomer:
        in_canada = self._random.random() < 0.2
        faker = self._ca if in_canada else self._us
        company = faker.pick("company")
        domain = f"{faker.pick('domain_word')}-{number}.{faker.pick('tld')}"
        customer = CreateCustomerInput(
            name=company,
            legal_name=company if self._random.random() < 0.5 else f"{company} Holdings",
            email=f"billing@{domain}",
            ein=self._us.pick("ein") if not in_canada else "",
            external_id=f"crm-{number:07d}",
            street_address=faker.pick("street_address"),
            sub_premise=f"Suite {self._random.randint(100, 999)}"
            if self._random.random() < 0.3
            else "",
            city=faker.pick("city"),
            state=self._region(faker, in_canada),
            postal_code=faker.pick("postalcode" if in_canada else "zipcode"),
            country="CA" if in_canada else self._random.choice(("US", "USA")),
        )
        return SandboxCustomer(
            customer=customer,
            users=[self._user(domain, index) for index in range(self._random.randint(0, 3))],
            payment_methods=self._payment_methods(in_canada),
            archived=self._random.random() < 0.05,
        )

    @staticmethod
    def _region(faker: _Pool, in_canada: bool) -> str:
        if in_canada:
            return faker.pick("province_abbr")
        return faker.pick(
            "state_abbr", include_territories=False, include_freely_associated_states=False
        )

    def _user(self, domain: str, index: int) -> CreateCustomerUserInput:
        first, last = self._us.pick("first_name"), self._us.pick("last_name")
        return CreateCustomerUserInput(
            email=f"{first}.{last}.{index}@{domain}".lower(), first_name=first, last_name=last
        )

    def _payment_methods(self, in_canada: bool) -> list[NewPaymentMethod]:
        methods = []
        for index in range(self._random.choice((0, 1, 1, 2))):
            last4 = f"{self._random.randint(0, 9999):04d}"
            if self._random.random() < 0.7:
                methods.append(
                    NewPaymentMethod(
                        type=MethodType.card,
                        brand=self._random.choice(CARD_BRANDS),
                        last4=last4,
                        exp_month=f"{self._random.randint(1, 12):02d}",
                        exp_year=str(self._year + self._random.randint(1, 6)),
                        funding=self._random.choice((Funding.credit, Funding.debit)),
                        default=index == 0,
                    )
                )
            else:
                methods.append(
                    NewPaymentMethod(
                        type=MethodType.ach,
                        brand=self._random.choice(BANKS),
                        last4=last4,
                        country="CA" if in_canada else "US",
                        default=index == 0,
                    )
                )
        return methods
