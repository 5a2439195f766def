"""``Altpay-Simulate``, the sandbox's faults on demand: a request names the answer it wants
to test its code against, and gets it exactly as the real fault would answer.

The check runs once the caller is authenticated and before anything else of the
operation, its Idempotency-Key claim included: a simulated failure reads and writes nothing
and is stored for no key. ``latency=<ms>`` answers normally after the delay, waited on the
event loop (no thread, and no database connection, is held meanwhile).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from fastapi.routing import APIRoute
from starlette.requests import Request

from altpay.core.errors import (
    RETRY_UNAVAILABLE_AFTER,
    AppError,
    InvalidParameter,
    RateLimited,
    Unavailable,
)
from altpay.core.http.declarations import errors_of
from altpay.core.ratelimit import Rate

HEADER = "Altpay-Simulate"
MAX_LATENCY_MS = 30_000
# The modes that are a name of their own, and the error code each answers with.
NAMED_FAULTS = {
    "rate_limited": RateLimited.code,
    "server_error": AppError.code,
    "unavailable": Unavailable.code,
}
DESCRIPTION = (
    "Extension, sandbox only: answer this request with a fault, to test the caller's handling "
    "of it. `rate_limited` (429 with Retry-After, as the real limit answers), `server_error` "
    "(500), `unavailable` (503 with Retry-After), `latency=<ms>` (the normal answer after that "
    "many milliseconds, at most 30000), or `error=<code>` for any code this operation can "
    "answer (its status and HttpError body). A simulated failure writes nothing and is stored "
    "for no Idempotency-Key. Ignored when the sandbox is off."
)
PATTERN = (
    r"^(rate_limited|server_error|unavailable|latency=(30000|[12]?[0-9]{1,4})|error=[a-z_]{1,64})$"
)
_VALUE = re.compile(PATTERN)

# The headers a real answer of these codes carries.
_CHALLENGES = {
    "unauthorized": {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    "forbidden": {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
    "unavailable": {"Retry-After": str(RETRY_UNAVAILABLE_AFTER)},
    "rate_limited": {"Retry-After": "1"},
}


@dataclass(frozen=True, slots=True)
class Simulation:
    """What the header asks for: a delay, or the code of an error to answer with."""

    latency_ms: int = 0
    error_code: str | None = None


def _refused(problem: str) -> InvalidParameter:
    return InvalidParameter(
        f"The {HEADER} header is malformed.", validation_errors={HEADER: problem}
    )


def parse_simulation(value: str) -> Simulation:
    """The header's value, or InvalidParameter naming what is wrong with it (what the served
    document's pattern does not match is refused)."""
    if _VALUE.fullmatch(value) is None:
        raise _refused(
            "must be rate_limited, server_error, unavailable, latency=<ms> (at most "
            f"{MAX_LATENCY_MS}) or error=<code>"
        )
    mode, _, argument = value.partition("=")
    if mode in NAMED_FAULTS:
        return Simulation(error_code=NAMED_FAULTS[mode])
    if mode == "latency":
        return Simulation(latency_ms=int(argument))
    return Simulation(error_code=argument)


# Per route (which lives as long as its app, and is not hashable): read once.
_ERRORS_BY_ROUTE: dict[int, dict[str, type[AppError]]] = {}


def _specificity(kind: type[AppError]) -> tuple[int, str]:
    return len(kind.__mro__), kind.__qualname__


def errors_by_code(route: APIRoute) -> dict[str, type[AppError]]:
    """Each code ``route`` can answer, with its most specific class (whose message is the
    operation's own: ``No such customer.`` rather than ``Not found.``)."""
    known = _ERRORS_BY_ROUTE.get(id(route))
    if known is None:
        known = {}
        # Deeper classes last (they win), ties by name: the same choice in every process.
        for kind in sorted(
            errors_of(route), key=lambda kind: (len(kind.__mro__), kind.__qualname__)
        ):
            known[kind.code] = kind
        known.setdefault(Unavailable.code, Unavailable)
        _ERRORS_BY_ROUTE[id(route)] = known
    return known


def simulated_error(route: APIRoute, code: str) -> AppError:
    """The error ``route`` answers with for ``code``, with the headers the real one has."""
    kind = errors_by_code(route).get(code)
    if kind is None:
        known = ", ".join(sorted(errors_by_code(route)))
        raise _refused(f"error={code} is not a code of this operation (one of: {known})")
    return kind(headers=_CHALLENGES.get(code, {}))


async def simulate(request: Request, *, rate_limit: int) -> None:
    """Answers the request with the fault its ``Altpay-Simulate`` header names, if any."""
    value = request.headers.get(HEADER)
    if value is None:
        return
    simulation = parse_simulation(value)
    if simulation.error_code is None:
        await asyncio.sleep(simulation.latency_ms / 1000)
        return
    if simulation.error_code == RateLimited.code and rate_limit:
        # The rate headers a real refusal carries.
        Rate.refused("api", rate_limit).remember(request.state)
    raise simulated_error(request.scope["route"], simulation.error_code)
