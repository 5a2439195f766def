"""``altpay worker`` (webhook delivery) and ``altpay webhooks trigger`` (sandbox events)."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

    from altpay.core.db import SqlConnection

from altpay.cli.common import (
    EXIT_USAGE,
    JsonOption,
    emit,
    fail,
    guarded,
    in_transaction,
    load_settings,
    open_migrated,
    run_guarded,
    say,
)
from altpay.core.observability import configure_logging
from altpay.core.settings import check_production_ready

webhooks = typer.Typer(help="Webhook events.", no_args_is_help=True)


def worker(
    concurrency: Annotated[
        int, typer.Option(help="Deliveries in flight at once.", min=1, max=256)
    ] = 8,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's /metrics on 127.0.0.1:PORT.", min=1, max=65535),
    ] = None,
) -> None:
    """Deliver webhook events until SIGTERM or Ctrl-C (any number of workers may run)."""
    from altpay.webhooks.delivery import Deliverer

    settings = load_settings()
    guarded(lambda: check_production_ready(settings))
    configure_logging(settings.log_level)
    database = open_migrated(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stopping in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stopping, stop.set)
        try:
            await Deliverer(database, settings, concurrency=concurrency).run(stop)
        finally:
            await database.dispose()

    say(f"altpay worker delivering webhooks ({concurrency} at a time)")
    run_guarded(run)
    say("altpay worker stopped")


@webhooks.command("trigger")
def trigger(
    topic: Annotated[str, typer.Argument(help="A topic altpay fires, e.g. customer_updated.")],
    customer: Annotated[str, typer.Option("--customer", help="The customer (cus_…).")],
    as_json: bool = JsonOption,
) -> None:
    """Sandbox only: emit a real event of TOPIC for an existing customer, as its change would."""
    from altpay.webhooks.topics import FIRED

    settings = load_settings()
    if not settings.sandbox_enabled:
        fail("webhooks trigger is a sandbox command (ALTPAY_SANDBOX is off)", EXIT_USAGE)
    if topic not in FIRED:
        fail(f"unknown topic {topic!r}; one of: {', '.join(FIRED)}", EXIT_USAGE)

    async def fire(connection: SqlConnection) -> BaseModel:
        return await _fire(connection, topic, customer)

    emit(in_transaction(settings, fire), as_json)


async def _fire(connection: SqlConnection, topic: str, customer_id: str) -> BaseModel:
    """Writes the event of ``topic`` with the object as the API returns it now."""
    from altpay.customers import repository as customers
    from altpay.customers.errors import CustomerNotFound
    from altpay.customers.service import get_customer
    from altpay.payment_methods.errors import PaymentMethodNotFound
    from altpay.payment_methods.service import list_methods
    from altpay.webhooks import topics
    from altpay.webhooks.service import emit as emit_event

    account_id = await customers.account_of_customer(connection, customer_id)
    if account_id is None:
        raise CustomerNotFound()
    data: BaseModel = await get_customer(connection, account_id, customer_id)
    if topic in (topics.PAYMENT_METHOD_ADDED, topics.PAYMENT_METHOD_DELETED):
        methods = (await list_methods(connection, account_id, customer_id)).data
        if not methods:
            raise PaymentMethodNotFound("The customer has no payment method to report.")
        data = next((method for method in methods if method.default), methods[-1])
    await emit_event(connection, account_id, topic, customer_id, data)
    return data
