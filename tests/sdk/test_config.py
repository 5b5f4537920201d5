"""Config helpers: setting(), secret_field(), load_config() behave like the kernel's config handling."""
# ruff: noqa: RUF009  (setting() and secret_field() are attrs field specifiers, like attrs.field)

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from zhongtai.core.config import MASK, describe_fields, mask_config
from zhongtai.core.errors import ConfigError
from zhongtai.sdk import load_config, secret_field, setting


@attrs.frozen
class DiscountConfig:
    rate: Decimal = setting(Decimal("0.9"), help="Price factor", validator=attrs.validators.le(Decimal(1)))
    tiers: tuple[str, ...] = setting(("gold",), help="Customer tiers that get the discount")
    api_key: str = secret_field(help="Loyalty service key")


@attrs.frozen
class RequiredConfig:
    endpoint: str = setting(help="Where to send")


def test_defaults_help_and_secrets_are_visible_to_the_kernel() -> None:
    fields = {f.name: f for f in describe_fields(DiscountConfig)}
    assert fields["rate"].help == "Price factor"
    assert fields["rate"].default == Decimal("0.9")
    assert fields["api_key"].secret and not fields["rate"].secret
    assert mask_config(DiscountConfig, {"api_key": "s3cr3t", "rate": "0.8"}) == {"api_key": MASK, "rate": "0.8"}
    assert "s3cr3t" not in repr(load_config(DiscountConfig, {"api_key": "s3cr3t"}))


def test_load_config_converts_json_values() -> None:
    config = load_config(DiscountConfig, {"rate": "0.75", "tiers": ["gold", "vip"]})
    assert config == DiscountConfig(rate=Decimal("0.75"), tiers=("gold", "vip"))
    assert load_config(DiscountConfig) == DiscountConfig()


@pytest.mark.parametrize(
    ("cls", "raw", "message"),
    [
        (DiscountConfig, {"rate": "1.5"}, "config field 'rate' must be at most 1: 1.5"),
        (DiscountConfig, {"rate": 0.5}, "config field 'rate'"),
        (DiscountConfig, {"colour": "red"}, "unknown config key 'colour'"),
        (RequiredConfig, {}, "config field 'endpoint' is required"),
    ],
)
def test_bad_config_is_one_clear_error(cls: type, raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(cls, raw)


def test_env_secrets_resolve_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZT_TEST_KEY", "from-env")
    assert load_config(DiscountConfig, {"api_key": "env:ZT_TEST_KEY"}).api_key == "env:ZT_TEST_KEY"
    assert load_config(DiscountConfig, {"api_key": "env:ZT_TEST_KEY"}, resolve_secrets=True).api_key == "from-env"
