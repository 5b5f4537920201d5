"""The plugin registry tests enable and call, in-process and in their worker processes.

The hookimpl is a module-level function so that this very module is also the
source of the installed test distribution the CLI uses (see :func:`install`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money

#: The name the installed distribution gives the plugin (tests may use it in-process too).
INSTALLED_NAME = "test.price"
POINT = "pricing.base_price"


@attrs.frozen
class PriceConfig:
    amount: Decimal = Decimal("0")
    note: str = ""


@hookimpl
def pricing_base_price(sku: str, context: Any) -> Money:
    """The configured amount, so a call shows which config its plan was compiled with."""
    return Money(context.config.amount, "CNY")


def add_price_plugin(platform: Any, name: str = "price") -> None:
    import sys

    platform.add_plugin(sys.modules[__name__], name, config=PriceConfig)


def price(platform: Any, business: str) -> Decimal:
    """What a call for *business* answers now."""
    money: Money = platform.business(business).call(POINT, sku="x", request=None)
    return money.amount


def install(workdir: Path) -> Path:
    """Build and pip-install ``zt-registry-testplugin`` (this module as ``test.price``); return its site dir."""
    from tests.helpers.distributions import build_and_install

    manifest = f'''
[plugins."{INSTALLED_NAME}"]
title = "Registry test price"
api = ">=1.0,<2"
extension_points = ["{POINT}"]
config = "zt_registry_test.price:PriceConfig"
'''
    files = {
        "zt_registry_test/__init__.py": "",
        "zt_registry_test/zhongtai_plugins.toml": manifest,
        "zt_registry_test/price.py": Path(__file__).read_text(encoding="utf-8"),
    }
    return build_and_install(workdir, workdir / "site", "zt-registry-testplugin", files,
                             entry_points={"zhongtai.plugins": {INSTALLED_NAME: "zt_registry_test.price"}})
