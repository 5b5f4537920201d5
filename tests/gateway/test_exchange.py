"""The request half of the gateway's plain-ASGI exchange: headers as the pipeline reads them."""

from __future__ import annotations

from typing import Any

from zhongtai.gateway import exchange
from zhongtai.gateway.exchange import Exchange


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _exchange(headers: list[tuple[bytes, bytes]]) -> Exchange:
    return Exchange({"type": "http", "method": "POST", "path": "/v1/x", "headers": headers}, _receive)


def test_header_names_are_lower_case_and_the_first_of_repeated_headers_wins() -> None:
    request = _exchange([(b"X-Zhongtai-Business", b"edu.k12"), (b"x-zhongtai-business", b"mall"),
                         (b"Content-Type", b"application/json"), (b"x-note", "caf\u00e9".encode("latin-1"))])
    assert request.headers == {"x-zhongtai-business": "edu.k12", "content-type": "application/json",
                               "x-note": "caf\u00e9"}


def test_the_remembered_header_names_stay_bounded_and_every_name_stays_right() -> None:
    names = [f"X-Custom-{i}".encode() for i in range(exchange._NAMES_KEPT + 100)]
    for name in names:
        assert _exchange([(name, b"v")]).headers == {name.decode().lower(): "v"}
    assert len(exchange._NAMES) <= exchange._NAMES_KEPT
    for name in names:  # remembered or not, the same answer
        assert _exchange([(name, b"w")]).headers == {name.decode().lower(): "w"}


def test_the_header_list_of_each_kind_of_answer() -> None:
    from zhongtai.gateway.exchange import Answer

    plain = Answer(b'{"a":1}')
    plain.raw = [(b"x-zhongtai-revision", b"7")]
    assert plain.raw_headers() == [(b"content-type", b"application/json"), (b"content-length", b"7"),
                                   (b"x-zhongtai-revision", b"7")]
    with_headers = Answer(b"{}", 201, {"Location": "/v1/x", "Content-Length": "99"})
    assert with_headers.raw_headers() == [(b"content-type", b"application/json"), (b"content-length", b"2"),
                                          (b"location", b"/v1/x")]
    assert Answer(b"", 304, {"ETag": '"r7"'}).raw_headers() == [(b"etag", b'"r7"')]
    assert Answer(b"", 204).raw_headers() == []
    css = Answer(b"a{}", media_type="text/css")
    assert css.raw_headers() == [(b"content-type", b"text/css; charset=utf-8"), (b"content-length", b"3")]
