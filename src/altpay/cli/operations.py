"""``altpay serve`` and ``altpay db …``: running the service and its migrations."""

from __future__ import annotations

import math
import os
import shutil
import signal
import tempfile
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from altpay.auth.schemas import NewClientOut
    from altpay.core.db import SqlConnection

from altpay.cli.common import EXIT_USAGE, fail, guarded, in_transaction, load_settings, say
from altpay.core.http.listening import SocketPerWorker, bound_socket
from altpay.core.observability import configure_logging
from altpay.core.settings import Settings, check_production_ready

db = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)

SANDBOX_ACCOUNT = "Sandbox"


@db.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from altpay.core import migrate

    settings = load_settings()
    guarded(lambda: migrate.upgrade(settings, revision))
    say(f"Database at revision {revision}.")


@db.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, or base.")]) -> None:
    """Revert migrations down to REVISION."""
    from altpay.core import migrate

    settings = load_settings()
    guarded(lambda: migrate.downgrade(settings, revision))
    say(f"Database at revision {revision}.")


@db.command("current")
def current() -> None:
    """Print the database's current revision."""
    from altpay.core import migrate

    settings = load_settings()
    typer.echo(guarded(lambda: migrate.current(settings)) or "base")


async def _create_sandbox(connection: SqlConnection) -> NewClientOut | None:
    from altpay.auth import repository as auth_repository
    from altpay.auth import service as auth_service
    from altpay.auth.tokens import ALL_SCOPES

    if await auth_repository.any_account(connection):
        return None
    account = await auth_service.create_account(connection, SANDBOX_ACCOUNT)
    return await auth_service.create_client(
        connection, account_id=account.id, name="Sandbox client", scopes=" ".join(ALL_SCOPES)
    )


def _print_sandbox_credentials(client: NewClientOut, base_url: str) -> None:
    typer.echo(
        "\n".join(
            [
                "A sandbox account and API client were created (shown once):",
                f"  account_id:    {client.account_id}",
                f"  client_id:     {client.client_id}",
                f"  client_secret: {client.client_secret}",
                "Paste into your shell for the README's walk-through:",
                f"  export BASE={base_url} CLIENT_ID={client.client_id} "
                f"CLIENT_SECRET={client.client_secret}",
                "Get a token:",
                f"  curl -s -u '{client.client_id}:{client.client_secret}' "
                f"-d grant_type=client_credentials {base_url}/oauth/token",
                "",
            ]
        )
    )


CREDENTIALS_AGAIN = (
    "The sandbox's client secret was shown on the first start only. For new credentials: "
    "altpay accounts list, then altpay clients create --account acct_… --name NAME."
)


def _check_can_listen(host: str, port: int) -> None:
    """Binds ``host:port`` as uvicorn will (SO_REUSEADDR), before anything is announced.

    uvicorn binds only after the app has started, and reports a busy port as a log line;
    this way a busy port is one plain line and exit status 2, before the sandbox is made.
    """
    try:
        bound_socket(host, port).close()
    except OSError as error:
        reason = error.strerror or str(error)
        fail(
            f"cannot listen on {host}:{port}: {reason.lower()} "
            "(another server there? choose another --port, e.g. make serve PORT=8001)",
            EXIT_USAGE,
        )


SERVED_APP = "altpay.app:create_served_app"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Migrate the database and serve the API."""
    serve_app(SERVED_APP, host=host, port=port, workers=workers)


def serve_app(factory: str, *, host: str, port: int, workers: int) -> None:
    """``altpay serve``, serving the app that ``factory`` (``module:function``) makes.

    The benchmark serves its reference routes in front of the API this way (``bench/serve.py``),
    so that what it measures is the process ``altpay serve`` runs.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from altpay.core import migrate

    settings = load_settings()
    guarded(lambda: check_production_ready(settings))
    _check_can_listen(host, port)
    guarded(lambda: migrate.upgrade(settings))
    if settings.uses_embedded_default and settings.env == "development":
        client = in_transaction(settings, _create_sandbox)
        if client is not None:
            _print_sandbox_credentials(client, f"http://{_reachable(host)}:{port}")
        else:
            say(CREDENTIALS_AGAIN)
    metrics_dir = None
    if workers > 1:
        # Every worker writes its metrics here, so that /metrics on any worker shows all.
        metrics_dir = tempfile.mkdtemp(prefix="altpay-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    say(f"altpay serving on http://{host}:{port} ({_describe_database(settings)})")
    # The JSON log lines of the server: with several workers, the supervisor's own messages
    # (a worker died and was replaced…) would otherwise be dropped.
    configure_logging(settings.log_level)
    signal.signal(signal.SIGTERM, _stopped)
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
        # Whole seconds, rounded up: a grace that rounded down to 0 would be none at all.
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_grace),
        # Slow and idle clients (docs/operations.md).
        "http": "altpay.core.http.protocol:HeaderTimeoutProtocol",
        "timeout_keep_alive": settings.keepalive_timeout,  # ALTPAY_MAX_CONNECTIONS: there too
        # asyncio's own loop, not uvloop: under uvloop a list page's p99 was 6-10x its
        # p50 at one worker (requests left waiting for rounds while the app itself
        # answered each in 2 ms); under asyncio 1.4-1.6x, at the same throughput
        # (docs/performance.md, "The tail").
        "loop": "asyncio",
    }
    try:
        if workers > 1:
            # uvicorn.run's own supervisor, each worker on a socket of its own.
            config = uvicorn.Config(factory, **options)
            Multiprocess(config, sockets=SocketPerWorker(host, port)).run()
        else:
            uvicorn.run(factory, **options)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _stopped(_signal: int, _frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handling ends ``serve`` with status 0: a requested stop.

    uvicorn handles SIGTERM while it serves (it stops accepting connections and lets the
    requests in flight finish), then raises the signal again once it has shut down; with
    the default action the process would die *by* the signal (status 143) after a clean
    shutdown. The same holds for a SIGTERM that arrives while the app is still loading.
    """
    raise SystemExit(0)


def _reachable(host: str) -> str:
    """Where a local client reaches a server bound to ``host``."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)


def _describe_database(settings: Settings) -> str:
    if settings.uses_embedded_default:
        return f"SQLite at {settings.sqlite_default_path}"
    return settings.database_url_or_default().split("://", 1)[0]
