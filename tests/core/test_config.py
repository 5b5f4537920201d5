"""Config classes: conversion from stored JSON, validation messages, secrets never echoed."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from zhongtai.core.config import MASK, build_config, describe_fields, mask_config, parse_setting
from zhongtai.core.errors import ConfigError
from zhongtai.sdk import secret_field


def _short(instance: object, attribute: attrs.Attribute, value: str) -> None:  # type: ignore[type-arg]
    if len(value) < 12:
        raise ValueError(f"{attribute.name} {value!r} is shorter than 12 characters")


@attrs.frozen
class Config:
    rate: Decimal = Decimal("1")
    limit: int = 10
    enabled: bool = True
    tags: tuple[str, ...] = ()
    api_key: str = secret_field(default="", validator=_short)


def test_json_values_convert_to_field_types():
    config = build_config(Config, {"rate": "0.95", "limit": 3, "enabled": False, "tags": ["a"],
                                   "api_key": "0123456789abcdef"})
    assert config == Config(Decimal("0.95"), 3, False, ("a",), "0123456789abcdef")


@pytest.mark.parametrize(("raw", "message"), [
    ({"rate": 0.5}, "config field 'rate': expected a decimal number (as a string), got 0.5"),
    ({"limit": "many"}, "config field 'limit': expected an integer, got 'many'"),
    ({"enabled": "yes"}, "config field 'enabled': expected true or false, got 'yes'"),
    ({"colour": "red"}, "unknown config key 'colour'"),
    ({"limit": "x" * 500}, "got 'xxxxxxxx"),
])
def test_bad_values_name_the_field_and_the_reason(raw, message):
    with pytest.raises(ConfigError) as error:
        build_config(Config, raw, plugin="p")
    assert message in error.value.message
    assert len(error.value.message) < 200


def test_secret_values_never_appear_in_errors_or_listings():
    secret = "hunter2"
    with pytest.raises(ConfigError) as error:
        build_config(Config, {"api_key": secret}, plugin="p")  # fails the length validator
    assert secret not in error.value.message and "the field is secret" in error.value.message
    with pytest.raises(ConfigError) as error:
        build_config(Config, {"api_key": 12345678901234}, plugin="p")
    assert "12345678901234" not in error.value.message
    assert mask_config(Config, {"api_key": secret, "limit": 3}) == {"api_key": MASK, "limit": 3}
    assert [f.secret for f in describe_fields(Config)] == [False, False, False, False, True]


def test_env_references_are_resolved_only_at_call_time(monkeypatch):
    raw = {"api_key": "env:ACME_KEY"}
    assert build_config(Config, raw).api_key == "env:ACME_KEY"
    with pytest.raises(ConfigError, match="environment variable 'ACME_KEY', which is not set"):
        build_config(Config, raw, resolve_secrets=True, allowed_env={"ACME_KEY"})
    monkeypatch.setenv("ACME_KEY", "from-the-environment")
    assert build_config(Config, raw, resolve_secrets=True, allowed_env={"ACME_KEY"}).api_key == "from-the-environment"
    with pytest.raises(ConfigError, match="'ACME_KEY', which is not allow-listed for edu"):
        build_config(Config, raw, resolve_secrets=True, business="edu")


def test_set_parses_text_by_field_type():
    assert parse_setting(Config, "rate=0.9") == ("rate", "0.9")
    assert parse_setting(Config, "limit=5") == ("limit", 5)
    assert parse_setting(Config, 'tags=["x","y"]') == ("tags", ["x", "y"])
    with pytest.raises(ConfigError, match="expects key=value"):
        parse_setting(Config, "limit")


def _token_rule(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith("tok_"):
        raise ValueError(f"{attribute.name} must start with tok_, not {value[:3]}... in {value}")


@attrs.frozen
class _TokenConfig:
    token: str = secret_field(default="", validator=_token_rule)


def test_a_plugins_own_validator_on_a_secret_says_the_rule_but_never_the_value() -> None:
    with pytest.raises(ConfigError) as error:
        build_config(_TokenConfig, {"token": "hunter2-secret"}, plugin="p")
    message = error.value.message
    assert "must start with tok_" in message and "the field is secret" in message
    assert "hunter2-secret" not in message
