"""Which webhook URLs and addresses may receive deliveries (the server-side request forgery rules).

A URL is checked when an endpoint is created or changed (its shape, and the addresses its host names
when it is an IP literal or resolves now), and again before every attempt against the addresses DNS
answers at that moment, so a name that later resolves to an internal address (DNS rebinding) is
refused too. Loopback, private, link-local (cloud metadata), shared, multicast, reserved and
unspecified addresses are refused unless the deployment allows private targets (tests, a demo).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from server_impl.domain.errors import FieldError, ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain")


def forbidden_address(address: IPAddress) -> bool:
    """Return whether ``address`` is not a public unicast address (and so never receives a webhook)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def ip_literal(host: str) -> IPAddress | None:
    """Return the address when ``host`` is an IP literal (``[::1]`` or ``10.0.0.1``), else ``None``."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse_url(url: str, *, live: bool, pointer: str = "/url") -> SplitResult:
    """Check the shape of a webhook URL and return its parts.

    Args:
        url: The URL as sent.
        live: Live endpoints need ``https``; test endpoints may use ``http``.
        pointer: Where the URL is in the request (the 422's field).

    Returns:
        The split URL (scheme, host, port...).

    Raises:
        ValidationFailed: Not an absolute http(s) URL, credentials in it, or ``http`` for a live endpoint.
    """

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed((FieldError(pointer, message),))

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("Not a valid URL.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        raise refuse("Give an absolute https:// URL.")
    if parts.scheme == "http" and live:
        raise refuse("Live endpoints need an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise refuse("Credentials in the URL are not allowed; authenticate with the webhook signature.")
    if port == 0:
        raise refuse("Not a valid port.")
    return parts


def check_target(host: str, addresses: Iterable[IPAddress], *, allow_private: bool, pointer: str = "/url") -> None:
    """Refuse a host whose name or addresses are internal.

    Args:
        host: The URL's host name.
        addresses: What it resolves to (the literal itself for an IP host).
        allow_private: The deployment allows internal targets (tests, the local demo).
        pointer: Where the URL is in the request.

    Raises:
        ValidationFailed: A local-only name, or any address that is not public.
    """
    if allow_private:
        return
    name = host.lower().rstrip(".")
    if name.endswith(_LOCAL_NAMES) or name == "localhost":
        raise ValidationFailed((FieldError(pointer, f"{host} is a local name; give a public host."),))
    for address in addresses:
        if forbidden_address(address):
            message = f"{host} resolves to {address}, a private, loopback or link-local address."
            raise ValidationFailed((FieldError(pointer, message),))
