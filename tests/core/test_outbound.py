"""The one outbound-request guard (zhongtai.core.outbound), against real servers on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.receivers import Receiver
from zhongtai.core import outbound
from zhongtai.core.errors import UserError
from zhongtai.core.outbound import Allowance, OutboundFailed, OutboundHttp, OutboundRefused

LOOPBACK = Allowance.of(["127.0.0.1/32"])

INTERNAL = [
    "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::127.0.0.1",
    "169.254.169.254", "169.254.1.1", "fe80::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1", "fd00:ec2::254",
    "100.64.0.1", "100.100.100.200", "224.0.0.1", "239.1.2.3", "ff02::1", "ff0e::1", "0.0.0.0", "::", "240.0.0.1",
    "255.255.255.255", "192.0.2.1", "198.18.0.1", "2001:db8::1", "64:ff9b::7f00:1", "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "168.63.129.16",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2001:4860:4860::8888", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_recognised(address: str) -> None:
    assert outbound.internal_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert outbound.internal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0", "[::1]", "::ffff:127.0.0.1",
    "[::ffff:7f00:1]",
])
def test_hosts_that_resolve_to_loopback_are_refused(host: str) -> None:
    with pytest.raises(OutboundRefused) as caught:
        outbound.resolve_host(host, 80, business="edu")
    message = caught.value.message
    assert "refused to connect" in message and "zhongtai access network allow" in message and "--business edu" in message
    assert "\n" not in message


def test_an_allowance_admits_exactly_what_it_names() -> None:
    assert str(outbound.resolve_host("127.0.0.1", 80, LOOPBACK)) == "127.0.0.1"
    assert str(outbound.resolve_host("2130706433", 80, LOOPBACK)) == "127.0.0.1"  # decimal form of 127.0.0.1
    assert str(outbound.resolve_host("::ffff:127.0.0.1", 80, LOOPBACK)) == "::ffff:7f00:1"
    with pytest.raises(OutboundRefused):
        outbound.resolve_host("127.0.0.2", 80, LOOPBACK)
    with pytest.raises(OutboundRefused):
        outbound.resolve_host("::1", 80, LOOPBACK)
    assert str(outbound.resolve_host("::1", 80, Allowance.of(["::1/128"]))) == "::1"
    # a host-name entry admits that name whatever it resolves to, and nothing else
    assert outbound.resolve_host("localhost", 80, Allowance.of(["localhost"]))
    with pytest.raises(OutboundRefused):
        outbound.resolve_host("127.0.0.1", 80, Allowance.of(["localhost"]))


def test_metadata_addresses_need_an_entry_naming_them_exactly() -> None:
    wide = Allowance.of(["169.254.0.0/16", "100.64.0.0/10"])
    assert not wide.admits("x", ipaddress.ip_address("169.254.169.254"))
    assert not wide.admits("x", ipaddress.ip_address("100.100.100.200"))
    assert wide.admits("x", ipaddress.ip_address("169.254.1.1"))
    assert Allowance.of(["169.254.169.254"]).admits("x", ipaddress.ip_address("169.254.169.254"))


@pytest.mark.parametrize(("text", "normal"), [
    ("127.0.0.1/32", "127.0.0.1/32"), ("127.0.0.1", "127.0.0.1/32"), ("10.0.0.0/8", "10.0.0.0/8"),
    ("::1", "::1/128"), ("FD00::/8", "fd00::/8"), ("Mail.Internal.Example.", "mail.internal.example"),
])
def test_allowance_entries_are_normalised(text: str, normal: str) -> None:
    assert outbound.parse_entry(text) == normal


@pytest.mark.parametrize("text", ["10.0.0.1/8", "1.2.3", "300.1.1.1", "::g", "a b", "x/33", "", "a\nb", "-x.com"])
def test_bad_allowance_entries_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        outbound.parse_entry(text)


@pytest.mark.parametrize("url", [
    "http://[::1", "http://x/\r\nX: y", "http://x/ y", "ftp://example.com/", "file:///etc/passwd",
    "http://user:pw@example.com/", "http://example.com:99999/", "http://", "example.com/hook",
    "http://exa mple.com/", "http://[fe80::1%25eth0]/", "http://" + "a" * 3000 + ".com/", "http://x\x00y/",
])
def test_malformed_urls_are_refused_in_one_line(url: str) -> None:
    with pytest.raises(OutboundRefused) as caught:
        outbound.check_url(url)
    assert "\n" not in caught.value.message and "\r" not in caught.value.message


def test_check_url_splits_a_good_url() -> None:
    assert outbound.check_url("https://Example.com/a?b=1") == ("https", "example.com", 443, "/a?b=1")
    assert outbound.check_url("http://[2001:db8::1]:8080") == ("http", "2001:db8::1", 8080, "/")


# -- real HTTP ------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def client() -> Iterator[OutboundHttp]:
    http = OutboundHttp()
    yield http
    http.close()


def test_loopback_receiver_is_unreachable_until_allowed(receiver: Receiver, client: OutboundHttp) -> None:
    url = f"http://127.0.0.1:{receiver.port}/internal"
    with pytest.raises(OutboundRefused, match="loopback"):
        client.post(url, content=b"{}", business="edu")
    assert receiver.requests == []
    answer = client.post(url, content=b"{}", allowance=LOOPBACK)
    assert (answer.status, answer.reason, answer.ok) == (200, "OK", True)
    assert "TOKEN" not in repr(answer) and "forged" not in repr(answer)  # no body, no server-chosen text


def test_the_name_is_kept_for_host_while_the_resolved_address_is_used(
    receiver: Receiver, client: OutboundHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = socket.getaddrinfo

    def counting(host: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    client.post(f"http://localhost:{receiver.port}/pinned", content=b"x", allowance=Allowance.of(["localhost"]))
    assert calls.count("localhost") == 1  # resolved once; the connection went to the address
    path, headers, body = receiver.requests[-1]
    assert (path, headers["host"], body) == ("/pinned", f"localhost:{receiver.port}", b"x")


def test_redirects_are_not_followed(receiver: Receiver, client: OutboundHttp) -> None:
    answer = client.post(f"http://127.0.0.1:{receiver.port}/redirect", content=b"", allowance=LOOPBACK)
    assert answer.status == 302 and not answer.ok
    assert [r[0] for r in receiver.requests] == ["/redirect"]


def test_answers_are_capped_in_size_and_time(receiver: Receiver, client: OutboundHttp) -> None:
    started = time.monotonic()
    answer = client.post(f"http://127.0.0.1:{receiver.port}/huge", content=b"", allowance=LOOPBACK,
                         max_response_bytes=1024)
    assert answer.status == 200 and time.monotonic() - started < 5
    with pytest.raises(OutboundFailed, match="within 0.5 s"):
        client.post(f"http://127.0.0.1:{receiver.port}/slow", content=b"", allowance=LOOPBACK, timeout=0.5)


def test_smtp_connections_go_through_the_guard() -> None:
    from aiosmtpd.controller import Controller

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(OutboundRefused, match="loopback"):
            outbound.smtp_connect("127.0.0.1", port, business="edu")
        with pytest.raises(UserError, match="line break"):
            outbound.smtp_connect("127.0.0.1\r\nRCPT", port, allowance=LOOPBACK)
        client = outbound.smtp_connect("127.0.0.1", port, allowance=LOOPBACK, timeout=5)
        try:
            assert client.noop()[0] == 250
        finally:
            client.quit()
    finally:
        controller.stop()
