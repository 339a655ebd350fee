"""Which address a request comes from: the peer, or what trusted proxies say in ``X-Forwarded-For``."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(proxies: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address.

    ``X-Forwarded-For`` is believed only when the peer is a trusted proxy, and then read from the right: each
    trusted proxy appended the address it saw, and the first untrusted one is the client (anything further left
    was written by the client itself and may be forged).
    """
    address = peer or ""
    if not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a hop we cannot read: stop at the last address we could vouch for
        address = hop
        if not _trusted(hop, trusted):
            return hop
    return address
