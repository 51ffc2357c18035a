"""Webhook subscriptions and sending, per the Standard Webhooks convention.

Each request carries ``webhook-id`` (the notice's id: the same on every retry, so the
receiver can drop a duplicate), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed by the
subscription's secret ``whsec_<base64>``.

Server-side request forgery: only http(s) URLs without credentials; the host's addresses are
resolved when sending and a private, loopback, link-local or otherwise special address is
refused (unless ``BACKLOT_WEBHOOK_ALLOW_PRIVATE``), and the request goes to the address that
was checked. Redirects are not followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.config import get_settings
from app.errors import InvalidInput
from app.models import WebhookSubscription

SECRET_PREFIX = "whsec_"
MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryError(Exception):
    """A delivery attempt failed: retried later, the message kept in the delivery log."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value for one message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _special(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
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


def check_url(url: str) -> str:
    """A subscription's URL as written, or a 422 saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url: only http:// and https:// addresses with a host are accepted.")
    if parts.username or parts.password:
        raise InvalidInput("url: credentials in the address are not accepted.")
    try:
        _ = parts.port
    except ValueError as exc:
        raise InvalidInput("url: the port is not a number between 1 and 65535.") from exc
    if not get_settings().webhook_allow_private:
        host = parts.hostname
        if host == "localhost" or host.endswith(".localhost"):
            raise InvalidInput("url: addresses on this server are refused.")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and _special(literal):
            raise InvalidInput("url: private, loopback and link-local addresses are refused.")
    return url


def create(session: Session, user_id: int, url: str, kinds: list[str]) -> WebhookSubscription:
    hook = WebhookSubscription(
        user_id=user_id, url=check_url(url), secret=new_secret(), kinds=sorted(set(kinds))
    )
    session.add(hook)
    session.flush()
    return hook


def _resolve(host: str, port: int) -> str:
    """An address of ``host`` the server may connect to (DeliveryError otherwise)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DeliveryError(f"cannot resolve {host}: {exc}") from exc
    allow = get_settings().webhook_allow_private
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if allow or not _special(address):
            return str(address)
    raise DeliveryError(f"{host} resolves only to private or special addresses: refused")


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def send(url: str, secret: str, msg_id: str, at: datetime, body: bytes) -> int:
    """POST one message; its HTTP status when 2xx, else DeliveryError."""
    parts = urlsplit(check_url(url))
    host = parts.hostname
    assert host is not None
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _resolve(host, port)
    timestamp = int(at.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Backlot-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPS if https else _PinnedHTTP
    conn = connection_class(host, port, address, get_settings().webhook_timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from the receiver")
    return status
