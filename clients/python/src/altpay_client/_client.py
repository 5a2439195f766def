"""``Client`` and ``AsyncClient``: a token, retries and idempotency keys around httpx.

Every call goes through ``request``: it sends the call with a cached access token, retries
what is safe to retry (``_retry``), renews the token once when the service answers 401, and
raises the error of a final error answer. A ``POST`` carries one ``Idempotency-Key`` for
all its attempts, so a retry never creates a second object.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import httpx

from altpay_client._auth import TOKEN_PATH, Token, is_fresh, token_from, token_request
from altpay_client._retry import (
    DEFAULT_MAX_RETRIES,
    RequestSpec,
    delay_after_error,
    delay_after_response,
)
from altpay_client._version import __version__
from altpay_client.errors import ConnectionError, error_from_response
from altpay_client.resources.customers import AsyncCustomers, Customers

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = f"altpay-client/{__version__} python-httpx/{httpx.__version__}"
TOKEN_SPEC = RequestSpec("POST", TOKEN_PATH, repeatable=True)
TOKEN_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


class _Settings:
    """What both clients are made of; ``scope`` narrows the token (default: all of the client's)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None,
        max_retries: int,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.max_retries = max_retries
        self.token: Token | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self, spec: RequestSpec, access_token: str) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {access_token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if spec.idempotency_key:
            headers["Idempotency-Key"] = spec.idempotency_key
        return headers

    def connection_error(self, error: httpx.TransportError, spec: RequestSpec) -> ConnectionError:
        return ConnectionError(
            f"{spec.method} {spec.path}: {type(error).__name__}: {error}".rstrip(": "),
            code="connection_error",
        )

    def drop(self, token: Token | None) -> None:
        """Forgets ``token`` (refused with 401), unless another call has renewed it already."""
        if self.token is token:
            self.token = None


class Client(_Settings):
    """The synchronous client; safe to share between threads. Close it, or use ``with``."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, client_id, client_secret, scope, max_retries)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._lock = threading.Lock()
        self.customers = Customers(self)

    def request(self, spec: RequestSpec) -> Any:
        """Sends ``spec`` (retried as it allows) and returns the JSON body of its success."""
        for renewal in (False, True):
            token = self._fresh_token()
            send = functools.partial(
                self._http.request,
                spec.method,
                self.url(spec.path),
                params=spec.params,
                json=spec.json,
                headers=self.headers(spec, token.access_token),
            )
            response = self._with_retries(spec, send)
            if response.status_code == 401 and not renewal:
                self.drop(token)
                continue
            break
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.json()

    def _fresh_token(self) -> Token:
        with self._lock:
            if self.token is None or not is_fresh(self.token):
                form, auth = token_request(self.client_id, self.client_secret, self.scope)
                response = self._with_retries(
                    TOKEN_SPEC,
                    functools.partial(
                        self._http.post,
                        self.url(TOKEN_PATH),
                        data=form,
                        auth=auth,
                        headers=TOKEN_HEADERS,
                    ),
                )
                self.token = token_from(response)
            return self.token

    def _with_retries(
        self, spec: RequestSpec, send: Callable[[], httpx.Response]
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = send()
            except httpx.TransportError as error:
                wait = delay_after_error(error, spec, attempt)
                if attempt >= self.max_retries or wait < 0:
                    raise self.connection_error(error, spec) from error
            else:
                wait = delay_after_response(response, attempt)
                if attempt >= self.max_retries or wait < 0:
                    return response
                response.close()
            time.sleep(wait)
            attempt += 1

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Settings):
    """The asyncio client: the same resources, each method awaited. ``async with`` closes it."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, client_id, client_secret, scope, max_retries)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._lock: asyncio.Lock | None = None  # made on first use, inside the running loop
        self.customers = AsyncCustomers(self)

    async def request(self, spec: RequestSpec) -> Any:
        """Sends ``spec`` (retried as it allows) and returns the JSON body of its success."""
        for renewal in (False, True):
            token = await self._fresh_token()
            send = functools.partial(
                self._http.request,
                spec.method,
                self.url(spec.path),
                params=spec.params,
                json=spec.json,
                headers=self.headers(spec, token.access_token),
            )
            response = await self._with_retries(spec, send)
            if response.status_code == 401 and not renewal:
                self.drop(token)
                continue
            break
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.json()

    async def _fresh_token(self) -> Token:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.token is None or not is_fresh(self.token):
                form, auth = token_request(self.client_id, self.client_secret, self.scope)
                response = await self._with_retries(
                    TOKEN_SPEC,
                    functools.partial(
                        self._http.post,
                        self.url(TOKEN_PATH),
                        data=form,
                        auth=auth,
                        headers=TOKEN_HEADERS,
                    ),
                )
                self.token = token_from(response)
            return self.token

    async def _with_retries(
        self, spec: RequestSpec, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await send()
            except httpx.TransportError as error:
                wait = delay_after_error(error, spec, attempt)
                if attempt >= self.max_retries or wait < 0:
                    raise self.connection_error(error, spec) from error
            else:
                wait = delay_after_response(response, attempt)
                if attempt >= self.max_retries or wait < 0:
                    return response
                await response.aclose()
            await asyncio.sleep(wait)
            attempt += 1

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
