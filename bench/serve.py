"""The process the HTTP benchmark measures: ``altpay serve``, the reference routes in front.

``python -m bench.serve --host 127.0.0.1 --port P --workers N``: the same checks, migration,
JSON logs, uvicorn options and worker processes as ``altpay serve`` (its own code runs them),
with ``bench.reference:create_app`` as the app factory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import typer

from altpay.cli.operations import serve_app

APP_FACTORY = "bench.reference:create_app"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        serve_app(APP_FACTORY, host=args.host, port=args.port, workers=args.workers)
    except typer.Exit as stop:  # a refused start-up: altpay's message is on stderr already
        return stop.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
