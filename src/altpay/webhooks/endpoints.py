"""Which endpoint URLs altpay may post to: the SSRF guard, at subscription and at delivery.

The host is resolved and every address it resolves to is checked with ``ipaddress``:
link-local addresses (cloud metadata among them) are always refused; outside development
anything that is not a public address is refused too; ``http`` is for loopback outside
production only. Deliveries never follow redirects, so the check holds for the request made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedEndpoint(ValueError):
    """The URL is not one altpay posts to; its message says why."""


def _address(text: str) -> IpAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_endpoint(url: str) -> tuple[str, str]:
    """The URL's scheme and host, or ``RefusedEndpoint`` for a URL that is not absolute."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError as error:
        raise RefusedEndpoint("must be a valid URL") from error
    if parts.scheme not in ("http", "https"):
        raise RefusedEndpoint("must be an https URL (http only to loopback outside production)")
    if not parts.hostname:
        raise RefusedEndpoint("must name a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedEndpoint("must not carry credentials")
    return parts.scheme, parts.hostname


async def resolve(host: str) -> list[IpAddress]:
    """Every address ``host`` resolves to (itself when it is an address)."""
    try:
        return [_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedEndpoint("names a host that does not resolve") from error
    return [_address(str(info[4][0])) for info in infos]


def check_addresses(scheme: str, addresses: list[IpAddress], *, env: str) -> None:
    """Refuses ``addresses`` (those of one URL's host) by the rules of the module."""
    if not addresses:
        raise RefusedEndpoint("names a host that does not resolve")
    for address in addresses:
        if address.is_link_local or address.is_unspecified or address.is_multicast:
            raise RefusedEndpoint("resolves to a link-local or reserved address")
        if env != "development" and not address.is_global:
            raise RefusedEndpoint("resolves to a loopback, private or non-public address")
    if scheme == "http" and (env == "production" or not all(a.is_loopback for a in addresses)):
        raise RefusedEndpoint("must be an https URL (http only to loopback outside production)")


async def check_endpoint(url: str, *, env: str) -> list[IpAddress]:
    """The addresses a delivery to ``url`` may use, or ``RefusedEndpoint``."""
    scheme, host = parse_endpoint(url)
    if scheme == "http" and env == "production":
        raise RefusedEndpoint("must be an https URL (http only to loopback outside production)")
    addresses = await resolve(host)
    check_addresses(scheme, addresses, env=env)
    return addresses
