"""``POST /oauth/token``: the client-credentials grant (RFC 6749 §4.4), RFC 6749 errors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from altpay.auth import service
from altpay.auth.dependencies import AuthRuntime, auth_of
from altpay.auth.errors import (
    OAUTH_ERROR_CODES,
    ClientAuthenticationFailed,
    InvalidScope,
    OAuthError,
)
from altpay.auth.schemas import TokenReply
from altpay.core.db import reading
from altpay.core.errors import RETRY_UNAVAILABLE_AFTER, AppError, PayloadTooLarge, Unavailable
from altpay.core.http.body import media_type_of, read_limited_body
from altpay.core.http.connections import database_of
from altpay.core.http.simulate import HEADER as SIMULATE_HEADER
from altpay.core.http.simulate import NAMED_FAULTS, parse_simulation
from altpay.core.ids import is_well_formed
from altpay.core.ratelimit import Rate, tightest

router = APIRouter(tags=["OAuth"])

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16 * 1024
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="altpay"'}
_basic = HTTPBasic(auto_error=False)


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str


def _invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def _authentication_failed() -> OAuthError:
    # RFC 9110 §15.5.2: every 401 names a scheme, not only the answer to a Basic attempt.
    return OAuthError(
        "invalid_client", "Client authentication failed.", status=401, headers=_BASIC_CHALLENGE
    )


_MISSING_GRANT_TYPE = (
    f"grant_type is missing: send grant_type=client_credentials in an {FORM_MEDIA_TYPE} body."
)


async def _read_form(request: Request) -> dict[str, str]:
    try:
        raw = await read_limited_body(request, MAX_FORM_BYTES)
    except PayloadTooLarge as error:
        raise _invalid_request("The body is not a valid form.") from error
    if media_type_of(request) != FORM_MEDIA_TYPE:
        # No body at all: what is missing is the grant, not a media type.
        raise _invalid_request(
            _MISSING_GRANT_TYPE if not raw else f"The body must be {FORM_MEDIA_TYPE}."
        )
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as error:
        raise _invalid_request("The body is not a valid form.") from error
    form = dict(pairs)
    if len(form) != len(pairs):
        raise _invalid_request("A parameter is repeated.")
    return form


async def _basic_credentials(request: Request) -> HTTPBasicCredentials | None:
    try:
        return await _basic(request)
    except HTTPException as error:
        raise OAuthError(
            "invalid_client", "Malformed Basic credentials.", status=401, headers=_BASIC_CHALLENGE
        ) from error


def _client_credentials(
    basic: HTTPBasicCredentials | None, form: dict[str, str]
) -> ClientCredentials:
    in_form = "client_id" in form or "client_secret" in form
    if basic is not None and in_form:
        raise _invalid_request("Use one client authentication method, not two.")
    if basic is not None:
        # RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
        return ClientCredentials(unquote_plus(basic.username), unquote_plus(basic.password))
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not client_secret:
        raise OAuthError(
            "invalid_client",
            "Client authentication is required.",
            status=401,
            headers=_BASIC_CHALLENGE,
        )
    return ClientCredentials(client_id, client_secret)


async def _enforce_rate(auth: AuthRuntime, request: Request, client_id: str) -> None:
    limiter = auth.token_limiter
    if limiter is None:
        return
    address = request.client.host if request.client else "unknown"
    rates: list[Rate | None] = []
    for key in (f"token-client:{client_id}", f"token-address:{address}"):
        rates.append(await limiter.count(key))
        if rates[-1] is not None and not rates[-1].allowed:
            break
    rate = tightest(rates)
    if rate is None:
        return
    rate.remember(request.state)
    if not rate.allowed:
        raise OAuthError(
            "rate_limited",
            "Too many token requests; retry later.",
            status=429,
            headers={"Retry-After": str(rate.retry_after)},
        )


def _simulated_error(code: str) -> Exception:
    """The token endpoint's answer to ``Altpay-Simulate`` naming ``code``: RFC 6749's errors
    as this endpoint answers them, its faults (500, 503) as every route does."""
    if code == NAMED_FAULTS["server_error"]:
        return AppError()
    if code == NAMED_FAULTS["unavailable"]:
        return Unavailable(headers={"Retry-After": str(RETRY_UNAVAILABLE_AFTER)})
    if code == NAMED_FAULTS["rate_limited"]:
        return OAuthError(
            "rate_limited",
            "Too many token requests; retry later.",
            status=429,
            headers={"Retry-After": "1"},
        )
    if code == "invalid_client":
        return _authentication_failed()
    if code in OAUTH_ERROR_CODES:
        return OAuthError(code, f"Simulated {code}.")
    known = ", ".join(sorted({*OAUTH_ERROR_CODES, *NAMED_FAULTS.values()}))
    return _invalid_request(f"error={code} is not a code of this endpoint (one of: {known}).")


async def _simulate(auth: AuthRuntime, request: Request) -> None:
    value = request.headers.get(SIMULATE_HEADER)
    if value is None or not auth.simulates_faults:
        return
    try:
        simulation = parse_simulation(value)
    except AppError as error:
        raise _invalid_request(f"The {SIMULATE_HEADER} header is malformed.") from error
    if simulation.error_code == NAMED_FAULTS["rate_limited"] and auth.rate_limit:
        # The rate headers a real refusal carries.
        Rate.refused("token", auth.rate_limit).remember(request.state)
    if simulation.error_code is not None:
        raise _simulated_error(simulation.error_code)
    await asyncio.sleep(simulation.latency_ms / 1000)


@router.post(
    "/oauth/token",
    operation_id="createAccessToken",
    summary="Get an access token",
    response_model=TokenReply,
)
async def create_access_token(
    request: Request,
    response: Response,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic_credentials)],
) -> TokenReply:
    """The client-credentials grant (RFC 6749 §4.4). Authenticate the client with HTTP Basic, or with client_id and client_secret in the form. The token lasts expires_in seconds (3600 by default); there is no refresh token."""  # noqa: E501
    form = await _read_form(request)
    credentials = _client_credentials(basic, form)
    auth = auth_of(request)
    await _enforce_rate(auth, request, credentials.client_id)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _invalid_request(_MISSING_GRANT_TYPE)
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")
    if not is_well_formed("cli", credentials.client_id):
        # Not an id we issue, so an unknown client, answered without a database read (which
        # could not even hold some such strings: PostgreSQL text has no NUL).
        raise _authentication_failed()
    try:
        async with reading(database_of(request)) as connection:
            issued = await service.grant_client_credentials(
                connection,
                auth.tokens,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                scope=form.get("scope"),
            )
    except ClientAuthenticationFailed as error:
        raise _authentication_failed() from error
    except InvalidScope as error:
        raise OAuthError("invalid_scope", str(error)) from error
    request.state.client_id = credentials.client_id
    request.state.account_id = issued.account_id
    # Once the client is known, as an API operation's simulation comes once its caller is.
    await _simulate(auth, request)
    response.headers["Pragma"] = "no-cache"
    return TokenReply(
        access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
    )
