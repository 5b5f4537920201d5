"""Where an outbound request may go: URL checks, address classes, allowances, resolution.

The rule (see docs/security.md): a destination is resolved **once**; every
address it resolves to must be a public unicast address, unless a platform
admin allow-listed the host name or a network containing the address for the
business (``zhongtai access network allow 127.0.0.1/32 --business edu``).
Refused without an allowance: loopback, link-local (``169.254/16``,
``fe80::/10``), private (RFC 1918, ``fc00::/7``), shared/CGNAT (``100.64/10``),
multicast, unspecified, reserved and documentation ranges, and cloud metadata
addresses -- also when hidden inside IPv4-mapped, 6to4, NAT64 or Teredo IPv6
forms, or written as decimal/octal/hex numbers (the resolver turns those into
the address that is then judged).  A metadata address is admitted only by an
entry naming exactly that address, never by a wider network.

Callers connect to the resolved address (:class:`Target`), never to the name
again, so a DNS answer cannot change between the check and the connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import attrs

from zhongtai.core.errors import UserError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL = 2048
SCHEMES = ("http", "https")
#: Cloud instance metadata services (some sit on public or CGNAT addresses).
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "fd00:ec2::254", "100.100.100.200",
    "168.63.129.16", "192.0.0.192",
))
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")


class OutboundRefused(UserError):
    """A destination the guard does not let a business reach, or a malformed one."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64, Teredo client), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96") or address in ipaddress.IPv6Network("64:ff9b:1::/48"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def internal_reason(address: IPAddress) -> str | None:
    """Why *address* is not a public unicast address (``None``: it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            why = internal_reason(inner)
            if why is not None:
                return f"{why} (inside {address})"
    if address in METADATA:
        return "a cloud metadata address"
    checks = (
        ("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
        ("link-local", address.is_link_local), ("multicast", address.is_multicast),
        ("private", address.is_private), ("reserved", address.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return f"a {name} address"
    if not address.is_global:
        return "not a public address (shared/CGNAT or special-purpose range)"
    return None


def parse_entry(text: str) -> str:
    """A normalised allowance entry: a network in CIDR form or a lower-case host name.

    ``127.0.0.1`` becomes ``127.0.0.1/32``; host bits set in a CIDR are refused.
    """
    value = text.strip().lower()
    if not value or len(value) > 253 or _CONTROL.search(value):
        raise UserError(f"{text!r} is neither a host name nor an address/CIDR")
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        if "/" in value or ":" in value or re.fullmatch(r"[0-9.]+", value):
            raise UserError(f"{text!r} is not a valid address or CIDR: {exc}") from None
    if not _HOST_NAME.match(value):
        raise UserError(f"{text!r} is neither a host name nor an address/CIDR")
    return value.rstrip(".")


@attrs.frozen
class Allowance:
    """What a platform admin allowed one business to reach beyond the public internet."""

    entries: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[str]) -> Allowance:
        return cls(tuple(sorted({parse_entry(e) for e in entries})))

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(e) for e in self.entries if "/" in e)

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(e for e in self.entries if "/" not in e)

    def admits(self, host: str, address: IPAddress) -> bool:
        """Whether the allowance covers *address* (reached as *host*)."""
        if host.lower().rstrip(".") in self.hosts:
            return True
        plain = address
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            plain = address.ipv4_mapped
        for network in self.networks:
            if plain in network and (plain not in METADATA or network.num_addresses == 1):
                return True
        return False


NOTHING = Allowance()


@attrs.frozen
class Target:
    """A checked destination: the host as written (Host header, TLS SNI) and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str = "/"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def check_text(what: str, value: str, *, limit: int = 998) -> str:
    """*value* if it is one line without control characters (headers, subjects); else one-line refusal."""
    if not isinstance(value, str):
        raise UserError(f"{what} must be text")
    if "\r" in value or "\n" in value:
        raise UserError(f"{what} must be one line (it contains a line break)")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value):
        raise UserError(f"{what} contains a control character")
    if len(value) > limit:
        raise UserError(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def check_url(url: str, *, what: str = "URL") -> tuple[str, str, int, str]:
    """Syntax of an outbound URL, without resolving it: (scheme, host, port, path?query).

    Refuses non-http(s) schemes, user info, control characters or whitespace
    anywhere, malformed hosts (``http://[::1``) and ports, and URLs over 2048
    characters -- each with one line.
    """
    if not isinstance(url, str) or not url:
        raise OutboundRefused(f"{what} must be a non-empty http(s):// URL")
    if len(url) > MAX_URL:
        raise OutboundRefused(f"{what} is {len(url)} characters long; the limit is {MAX_URL}")
    if _CONTROL.search(url):
        raise OutboundRefused(f"{what} contains whitespace or a control character")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"{what} {url!r} is malformed: {exc}") from None
    if parts.scheme not in SCHEMES:
        raise OutboundRefused(f"{what} must start with http:// or https://, not {url[:20]!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise OutboundRefused(f"{what} must not carry user info (credentials) before the host")
    host = (parts.hostname or "").lower()
    if not host:
        raise OutboundRefused(f"{what} {url!r} has no host")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            raise OutboundRefused(f"{what} {url!r} has an invalid IPv6 host") from None
        if "%" in host:
            raise OutboundRefused(f"{what} {url!r} names an IPv6 zone; zones are not allowed")
    elif not _HOST_NAME.match(host):
        raise OutboundRefused(f"{what} {url!r} has an invalid host name")
    default = 443 if parts.scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port if port is not None else default, path


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise OutboundRefused(f"cannot resolve host {host!r}: {exc}") from None
    found: list[IPAddress] = []
    for info in infos:
        raw = str(info[4][0]).split("%")[0]
        address = ipaddress.ip_address(raw)
        if address not in found:
            found.append(address)
    if not found:
        raise OutboundRefused(f"host {host!r} resolves to no address")
    return found


def resolve_host(host: str, port: int, allowance: Allowance = NOTHING, *, business: str = "") -> IPAddress:
    """The address to connect to for *host*, after checking *every* address it resolves to.

    Raises :class:`OutboundRefused` naming the host, the address and why, and
    how a platform admin admits it.
    """
    host = host.lower().strip("[]")
    if not host or _CONTROL.search(host):
        raise OutboundRefused(f"invalid host {host!r}")
    addresses = _resolve(host, port)
    for address in addresses:
        why = internal_reason(address)
        if why is not None and not allowance.admits(host, address):
            suffix = f"/{address.max_prefixlen}"
            hint = (f"; a platform admin may allow it: zhongtai access network allow {address}{suffix}"
                    f" --business {business or 'CODE'}")
            shown = host if host == str(address) else f"{host} ({address})"
            raise OutboundRefused(f"refused to connect to {shown}: {why}{hint}")
    return addresses[0]


def resolve_url(url: str, allowance: Allowance = NOTHING, *, business: str = "", what: str = "URL") -> Target:
    """:func:`check_url`, then :func:`resolve_host`: the pinned :class:`Target` of *url*."""
    scheme, host, port, path = check_url(url, what=what)
    address = resolve_host(host, port, allowance, business=business)
    return Target(scheme, host, port, str(address), path)
