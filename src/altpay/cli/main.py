"""The ``altpay`` command."""

from __future__ import annotations

import typer

from altpay.cli.credentials import accounts, clients
from altpay.cli.operations import db, serve
from altpay.cli.payment_methods import payment_methods
from altpay.cli.sandbox import sandbox
from altpay.cli.seed import seed
from altpay.cli.webhooks import webhooks, worker

app = typer.Typer(
    help="altpay: the Alternative Payments Customers API, and the tools to run it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.command("serve")(serve)
app.command("seed")(seed)
app.command("worker")(worker)
app.add_typer(db, name="db")
app.add_typer(accounts, name="accounts")
app.add_typer(clients, name="clients")
app.add_typer(payment_methods, name="payment-methods")
app.add_typer(sandbox, name="sandbox")
app.add_typer(webhooks, name="webhooks")
