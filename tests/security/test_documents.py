"""Findings 7 and 9 of issue 12: every document reader is bounded in size, depth and aliases.

The readers are exercised through the commands a user (or a hostile business
team) runs: ``plugins enable --config-file``, ``import``, ``call --input``,
``--set``, ``pricing quote --cart``, ``notify send --vars`` -- inline, from a
file and from stdin.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.registry_rows import all_rows
from zhongtai.core import documents
from zhongtai.core.errors import UserError

ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(ord('b') + i)}: &{chr(ord('b') + i)} [{', '.join(['*' + chr(ord('a') + i)] * 10)}]\n" for i in range(8))
DEEP = 100_000
INLINE_DEPTH = 60_000  # 120,000 characters: the most one argument of a real command line can carry is 131,072


def one_error_line(result: Any) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output[:500])
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output[:500]
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.fixture
def shop(zt: Any) -> Any:
    return zt


def test_finding_07_yaml_alias_bomb_is_refused(shop: Any, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 1024
    before = all_rows(shop.url)
    for extra in ([], ["--dry-run"]):
        line = one_error_line(shop("plugins", "enable", "test.price", "-b", "shop", "--config-file", str(bomb),
                                   *extra))
        assert "aliases are not accepted" in line
    line = one_error_line(shop("import", str(bomb)))
    assert "aliases are not accepted" in line
    assert all_rows(shop.url) == before


def test_finding_07_yaml_merge_key_alias_is_refused_too() -> None:
    with pytest.raises(UserError, match="aliases are not accepted"):
        documents.parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n", source="c.yaml")


def test_finding_07_config_file_dev_zero_reads_a_bounded_amount(shop: Any) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = one_error_line(shop("plugins", "enable", "test.price", "-b", "shop", "--config-file", "/dev/zero"))
    assert "larger than the limit" in line
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 * 1024  # far below what an unbounded read of /dev/zero would take


def test_finding_07_every_input_is_size_capped(shop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    big = '{"sku": "' + "x" * 2000 + '"}'
    path = tmp_path / "big.json"
    path.write_text(big, encoding="utf-8")
    for value, stdin in ((big, None), (f"@{path}", None), ("@-", big)):  # inline, file, stdin
        line = one_error_line(shop("call", "pricing.base_price", "-b", "shop", "--input", value, input=stdin))
        assert "larger than the limit of 1,000 bytes" in line
        line = one_error_line(shop("pricing", "quote", "-b", "shop", "--cart", value, input=stdin))
        assert "larger than the limit" in line


def test_finding_07_stored_config_size_is_capped(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_CONFIG_BYTES", 500)
    before = all_rows(shop.url)
    line = one_error_line(shop("plugins", "enable", "test.price", "-b", "shop",
                               "--set", "skus=" + json.dumps([f"sku-{i}" for i in range(100)])))
    assert "larger than the limit of 500 bytes" in line
    assert all_rows(shop.url) == before


def test_finding_07_stored_config_cap_holds_for_the_python_api(shop: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core.runtime.platform import Platform

    monkeypatch.setattr(documents, "MAX_CONFIG_BYTES", 500)
    platform = Platform(shop.url)
    try:
        with pytest.raises(UserError, match="larger than the limit"):
            platform.enable("test.price", "shop", config={"skus": ["s" * 50] * 20}, actor="tester")
    finally:
        platform.close()


def _nested(kind: str, depth: int = DEEP) -> str:
    return ("[" * depth + "]" * depth) if kind == "json" else ("{a: " * depth + "1" + "}" * depth)


DEEP_COMMANDS = [  # DOC: inline JSON; AT_DOC: --input/--cart @FILE (JSON); @DOC: a JSON or YAML file
    ["call", "pricing.base_price", "-b", "shop", "--input", "DOC"],
    ["call", "pricing.base_price", "-b", "shop", "--input", "AT_DOC"],
    ["pricing", "quote", "-b", "shop", "--cart", "DOC"],
    ["pricing", "quote", "-b", "shop", "--cart", "AT_DOC"],
    ["notify", "send", "-b", "shop", "--kind", "notification", "--email", "a@example.com",
     "--template", "t", "--vars", "DOC"],
    ["plugins", "enable", "test.price", "-b", "shop", "--set", "skus=DOC"],
    ["plugins", "enable", "test.price", "-b", "shop", "--config-file", "@DOC"],
    ["import", "@DOC"],
]


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_finding_09_deep_nesting_is_one_error_line(shop: Any, tmp_path: Path, kind: str) -> None:
    inline, as_json = _nested("json", INLINE_DEPTH), tmp_path / "deep.json"
    as_json.write_text(_nested("json"), encoding="utf-8")
    as_kind = tmp_path / f"deep-doc.{kind}"
    as_kind.write_text(_nested(kind), encoding="utf-8")
    before = all_rows(shop.url)
    for command in DEEP_COMMANDS:
        args = [str(as_kind) if a == "@DOC" else f"@{as_json}" if a == "AT_DOC" else inline if a == "DOC" else
                ("skus=" + inline if a == "skus=DOC" else a) for a in command]
        line = one_error_line(shop(*args))
        assert "nested deeper than 64 levels" in line, (command, line)
        assert "RecursionError" not in line
    assert all_rows(shop.url) == before


def test_finding_09_deep_config_through_the_python_api_is_refused(shop: Any) -> None:
    from zhongtai.core.runtime.platform import Platform

    deep: Any = []
    for _ in range(DEEP):
        deep = [deep]
    platform = Platform(shop.url)
    try:
        with pytest.raises(UserError, match="nested deeper than 64 levels"):
            platform.enable("test.price", "shop", config={"skus": deep}, actor="tester")
    finally:
        platform.close()


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1" * 200, "[1e" + "9" * 200 + "]"])
def test_documents_refuse_non_json_numbers(text: str) -> None:
    with pytest.raises(UserError):
        documents.parse_json(text, exact_numbers=True)


def test_yaml_dates_and_keys_come_back_as_json_data() -> None:
    assert documents.parse_yaml("at: 2025-06-01\n1: x\n") == {"at": "2025-06-01", "1": "x"}


def test_parse_body_for_http_front_ends() -> None:
    assert documents.parse_body(b'{"a": 1.5}') == {"a": documents.Decimal("1.5")}
    with pytest.raises(UserError, match="larger than the limit"):
        documents.parse_body(b" " * (documents.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(UserError, match="not a UTF-8"):
        documents.parse_body(b"\xff\xfe")


def _outcome(parse: Any, body: bytes, exact: bool) -> Any:
    try:
        return "value", parse(body, exact)
    except UserError as exc:
        return "error", str(exc)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10 ** 25), max_value=10 ** 25) | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)
_FRAGMENTS = st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\ud800", b"\\u0041", b"1", b"-",
                              b"0", b"9" * 19, b"1e5", b"1.5", b"NaN", b"true", b"null", b" ", b"\n", b"\x00",
                              b"\xef\xbb\xbf", b"\xff", "\u4e2d".encode(), b"\x01", b"a"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_JSON_VALUES, noise=st.lists(st.tuples(st.integers(min_value=0), _FRAGMENTS), max_size=3),
       exact=st.booleans())
def test_a_body_is_parsed_as_the_json_module_parses_it(value: Any, noise: list[tuple[int, bytes]],
                                                        exact: bool) -> None:
    """parse_body takes orjson for bodies without inexact numbers: same values, same errors, whatever the bytes."""
    body = json.dumps(value, ensure_ascii=False).encode()
    for at, fragment in noise:  # broken and odd bodies too: cut into, spliced with edge-case bytes
        at %= len(body) + 1
        body = body[:at] + fragment + body[at:]

    def through_json_module(data: bytes, exact: bool) -> Any:
        documents.check_size(len(data), source="request body")
        return documents.parse_json(documents._decode(data, "request body"), source="request body",
                                    exact_numbers=exact)

    assert _outcome(lambda b, e: documents.parse_body(b, exact_numbers=e), body, exact) \
        == _outcome(through_json_module, body, exact)


@pytest.mark.parametrize("exact", [True, False])
def test_nesting_limit_is_exact_whether_or_not_the_walk_is_skipped(exact: bool) -> None:
    """64 levels pass and 65 fail, also when brackets inside strings make the bracket count misleading."""
    assert documents.parse_json("[" * 64 + "]" * 64, exact_numbers=exact) is not None
    with pytest.raises(UserError, match="nested deeper than 64 levels"):
        documents.parse_json("[" * 65 + "]" * 65, exact_numbers=exact)
    padded = '["' + "[" * 100 + '", ' + "[" * 63 + "]" * 63 + "]"  # 64 levels in all
    assert documents.parse_json(padded, exact_numbers=exact)[0] == "[" * 100
    assert documents.parse_body(b'{"a": [1.25, {"b": null}]}') == {"a": [documents.Decimal("1.25"), {"b": None}]}


def test_output_into_a_device_or_fifo_writes_into_it_and_never_replaces_it(shop: Any, tmp_path: Path) -> None:
    """An atomic write renames a temporary file over the target: over /dev/zero, as root, that replaced the
    machine's device with a regular file (the CLI fuzz suite did so).  Devices and FIFOs are written into."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = shop("export", "--output", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b"zhongtai-registry" in received[0]
    if os.geteuid() == 0:  # a /dev/null of our own (a character device needs root to create)
        null = tmp_path / "null"
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        assert shop("export", "--output", str(null)).exit_code == 0
        assert stat.S_ISCHR(os.stat(null).st_mode)
