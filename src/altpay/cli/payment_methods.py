"""``altpay payment-methods add``: the operator's way to attach a payment method."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from altpay.cli.common import JsonOption, emit, fail, in_transaction, load_settings, option_name
from altpay.payment_methods.schemas import MethodType, NewPaymentMethod

payment_methods = typer.Typer(help="Customers' payment methods.", no_args_is_help=True)


@payment_methods.command("add")
def add(
    customer: Annotated[str, typer.Option(help="The customer (cus_…).")],
    type_: Annotated[MethodType, typer.Option("--type", help="card or ach.")],
    brand: Annotated[str, typer.Option(help="Card network (visa…) or the bank's name.")],
    last4: Annotated[str, typer.Option(help="Last four digits; never the full number.")],
    exp_month: Annotated[str, typer.Option(help="Cards: 01-12.")] = "",
    exp_year: Annotated[str, typer.Option(help="Cards: four digits.")] = "",
    default: Annotated[bool, typer.Option("--default", help="Make it the default.")] = False,
    as_json: bool = JsonOption,
) -> None:
    """Attach a payment method to a customer and print it."""
    from altpay.payment_methods import service

    try:
        method = NewPaymentMethod(
            type=type_,
            brand=brand,
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
            default=default,
        )
    except ValidationError as error:
        fail(
            "; ".join(
                f"{option_name(str(item['loc'][0]))}: {item['msg'].removeprefix('Value error, ')}"
                for item in error.errors()
            )
        )
    created = in_transaction(
        load_settings(), lambda connection: service.add_method(connection, customer, method)
    )
    emit(created, as_json)
