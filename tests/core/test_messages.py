"""Messages people read: config validator failures in words (issue 19 item 16), truncated lists (item 2)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import attrs
import pytest
from attrs import validators as v
from click.testing import CliRunner

from zhongtai.core.config import SECRET, build_config
from zhongtai.core.errors import ConfigError, NotFound
from zhongtai.core.wording import listing


class Mode(enum.Enum):
    UP = "ROUND_HALF_UP"
    DOWN = "ROUND_DOWN"


def _fields_with(validator: Any, default: Any) -> type:
    return attrs.make_class("Config", {"key": attrs.field(default=default, validator=validator)}, frozen=True)


def refusal(validator: Any, value: Any, default: Any = None) -> str:
    cls = _fields_with(validator, default)
    with pytest.raises(ConfigError) as caught:
        build_config(cls, {"key": value}, plugin="demo.plugin")
    message = caught.value.message
    assert "Attribute(" not in message and "validator" not in message and len(message) < 300, message
    return message


CASES = [
    ("in_", v.in_(["ROUND_HALF_UP", "ROUND_DOWN"]), "SIDEWAYS",
     "plugin 'demo.plugin': config field 'key' must be one of ROUND_HALF_UP, ROUND_DOWN: 'SIDEWAYS'"),
    ("in_enum", v.in_(Mode), "SIDEWAYS", "'key' must be one of ROUND_HALF_UP, ROUND_DOWN: 'SIDEWAYS'"),
    ("instance_of", v.instance_of(int), "12", "'key' must be an integer: '12'"),
    ("matches_re", v.matches_re(r"[a-z]+"), "AB1", "'key' must be text matching '[a-z]+': 'AB1'"),
    ("gt", v.gt(0), 0, "'key' must be greater than 0: 0"),
    ("ge", v.ge(0), -1, "'key' must be at least 0: -1"),
    ("lt", v.lt(10), 10, "'key' must be less than 10: 10"),
    ("le", v.le(100), 150, "'key' must be at most 100: 150"),
    ("min_len", v.min_len(2), "a", "'key' must be of length at least 2: 'a' (length 1)"),
    ("max_len", v.max_len(3), "abcd", "'key' must be of length at most 3: 'abcd' (length 4)"),
    ("deep_iterable", v.deep_iterable(v.in_(["a", "b"]), v.instance_of(list)), ["a", "zz"],
     "'key' item 1 must be one of a, b: 'zz'"),
    ("deep_iterable_outer", v.deep_iterable(v.in_(["a"]), v.instance_of(list)), "a",
     "'key' must be a list: 'a'"),
    ("deep_mapping_value", v.deep_mapping(v.instance_of(str), v.gt(0), v.instance_of(dict)), {"k": 0},
     "'key' value of 'k' must be greater than 0: 0"),
    ("deep_mapping_key", v.deep_mapping(v.matches_re("[a-z]+"), v.gt(0)), {"K": 1},
     "'key' key must be text matching '[a-z]+': 'K'"),
    ("and_", v.and_(v.instance_of(int), v.ge(0), v.le(100)), 101, "'key' must be at most 100: 101"),
    ("list_of_validators", [v.ge(0), v.le(100)], -5, "'key' must be at least 0: -5"),
    ("or_", v.or_(v.instance_of(int), v.in_(["auto"])), "never", "'key' must be an integer or one of auto: 'never'"),
    ("optional", v.optional(v.instance_of(int)), "x", "'key' must be empty (null) or an integer: 'x'"),
    ("not_", v.not_(v.in_(["root"])), "root", "'key' must be not one of root: 'root'"),
]


@pytest.mark.parametrize(("kind", "validator", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_item_16_each_validator_kind_names_key_value_and_what_is_allowed(kind: str, validator: Any, value: Any,
                                                                         expected: str) -> None:
    assert expected in refusal(validator, value)


def test_item_16_a_plugins_own_validator_is_quoted_by_its_first_line() -> None:
    def even(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if value % 2:
            raise ValueError(f"{attribute.name} must be even\nmore detail nobody needs")

    assert refusal(even, 3, default=0).endswith("config field 'key' is refused: key must be even")


def test_item_16_long_values_are_cut_and_long_option_lists_say_how_many_more() -> None:
    message = refusal(v.in_([f"OPTION_{i}" for i in range(40)]), "x" * 500)
    assert "... and 28 more" in message and "x" * 80 not in message


def test_item_16_a_secret_fields_value_is_never_shown() -> None:
    cls = attrs.make_class("Config", {"token": attrs.field(default="", metadata={SECRET: True},
                                                           validator=v.min_len(10))}, frozen=True)
    with pytest.raises(ConfigError) as caught:
        build_config(cls, {"token": "hunter2"})
    message = caught.value.message
    assert "hunter2" not in message and "length 7" not in message
    assert message == ("config field 'token' must be of length at least 10: ******** "
                       "(the value is not shown: the field is secret)")


def test_item_16_cli_enable_names_the_allowed_rounding_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core.cli.main import cli

    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["business", "create", "edu"]).exit_code == 0
    result = runner.invoke(cli, ["plugins", "enable", "pricing.rounding", "-b", "edu", "--set", "mode=SIDEWAYS"])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "'mode' must be one of ROUND_05UP, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR," in line, line
    assert line.endswith(": 'SIDEWAYS'"), line
    assert len(line) < 300 and "Attribute(" not in line


def test_item_2_truncated_lists_say_how_many_more() -> None:
    assert listing(["a", "b", "c"], 3) == "a, b, c"
    assert listing([str(i) for i in range(10)], 8) == "0, 1, 2, 3, 4, 5, 6, 7 ... and 2 more"


def test_item_2_the_unknown_plugin_error_says_how_many_more_are_installed(tmp_path: Path) -> None:
    from zhongtai.core.runtime import Platform

    platform = Platform(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        installed = [info.name for info in platform.plugins.infos()]
        assert len(installed) > 8
        with pytest.raises(NotFound) as caught:
            platform.plugins.require("pricing.nope")
        assert caught.value.message.endswith(f"... and {len(installed) - 8} more)")
    finally:
        platform.close()
