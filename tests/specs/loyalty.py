"""A third-party extension-point domain and plugins for it, as real wheels (tests of ``zhongtai.specs``).

``acme-loyalty-specs`` 1.4.0 (package ``acme_loyalty``) declares the domain
``loyalty`` (contract version 1.2) with two points:

=====================  ===========================================================
loyalty.earn           first: points a member earns for an order (``Points``)
loyalty.bonus          collect: bonus lines (``Bonus``), on error skip
=====================  ===========================================================

``acme-loyalty-plugins`` 2.0.0 (package ``loyalty_plugins``) provides:

=====================  ===========================================================
loyalty.double         loyalty.earn via ``@implements``; config ``rate``; pins loyalty >=1.0,<2
loyalty.trial          incubating (pilot businesses); answers None
loyalty.future         pins loyalty >=2.0 (incompatible)
loyalty.unpinned       no ``specs`` pin (incompatible)
rewards.stars          implements ``rewards.grant``: domain not installed (incompatible)
=====================  ===========================================================
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.distributions import build_wheel, install

SPECS = "acme-loyalty-specs"
PLUGINS = "acme-loyalty-plugins"

SPEC_MODULE = '''
"""The loyalty domain: points members earn for orders."""

from __future__ import annotations

from decimal import Decimal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


@attrs.frozen
class Order:
    """An order a member paid."""

    order_id: str
    amount: Decimal
    member: str


@attrs.frozen
class Points:
    """Points earned and why."""

    points: int
    reason: str = ""


@attrs.frozen
class Bonus:
    label: str
    points: int


def _not_negative(value: Points) -> None:
    if value.points < 0:
        raise ValueError(f"points must not be negative, got {value.points}")


@extension_point("loyalty.earn", policy=Policy.FIRST, result=Points, on_error=OnError.FAIL,
                 validate=_not_negative)
def loyalty_earn(order: Order, context: PluginContext) -> Points | None:
    """Points *order* earns its member.

    Return None to let the next plugin answer.  Points are never negative.
    """


@extension_point("loyalty.bonus", policy=Policy.COLLECT, result=Bonus, on_error=OnError.SKIP)
def loyalty_bonus(order: Order, context: PluginContext) -> Bonus | None:
    """A bonus for *order*, if any."""
'''

SPEC_MANIFEST = '''
[specs.loyalty]
version = "1.2"
title = "Loyalty points"
owner = "acme-loyalty"
'''

PLUGIN_MODULE = '''
from __future__ import annotations

from decimal import Decimal

import attrs

from acme_loyalty.specs import Order, Points, loyalty_earn
from zhongtai.sdk import PluginContext, hookimpl, implements


@attrs.frozen
class DoubleConfig:
    rate: Decimal = Decimal("2")


@implements(loyalty_earn)
def earn(order: Order, context: PluginContext) -> Points | None:
    rate = context.config.rate if context.config is not None else Decimal("2")
    return Points(points=int(order.amount * rate), reason=f"x{rate} at {context.business}")


class Future:
    @staticmethod
    def loyalty_earn(order: Order, context: PluginContext) -> Points | None:
        return None


class Trial:
    @staticmethod
    @hookimpl
    def loyalty_earn(order: Order, context: PluginContext) -> Points | None:
        return None


class Stars:
    @staticmethod
    def rewards_grant(order: Order) -> None:
        return None
'''

PLUGIN_MANIFEST = '''
[plugins."loyalty.double"]
title = "Double points"
owner = "loyalty-team"
lifecycle = "active"
api = ">=1.0,<2"
specs = { loyalty = ">=1.0,<2" }
extension_points = ["loyalty.earn"]
config = "loyalty_plugins.plugin:DoubleConfig"

[plugins."loyalty.trial"]
title = "Trial points (incubating)"
owner = "loyalty-team"
lifecycle = "incubating"
api = ">=1.0,<2"
specs = { loyalty = ">=1.0,<2" }
extension_points = ["loyalty.earn"]

[plugins."loyalty.future"]
title = "Needs loyalty 2"
api = ">=1.0,<2"
specs = { loyalty = ">=2.0" }
extension_points = ["loyalty.earn"]

[plugins."loyalty.unpinned"]
title = "No loyalty pin"
api = ">=1.0,<2"
extension_points = ["loyalty.earn"]

[plugins."rewards.stars"]
title = "Stars"
api = ">=1.0,<2"
specs = { rewards = ">=1.0" }
extension_points = ["rewards.grant"]
'''


def spec_files(module: str = SPEC_MODULE, manifest: str = SPEC_MANIFEST, package: str = "acme_loyalty") -> dict[str, str]:
    return {f"{package}/__init__.py": "", f"{package}/py.typed": "", f"{package}/specs.py": module,
            f"{package}/zhongtai_plugins.toml": manifest}


def plugin_files() -> dict[str, str]:
    return {"loyalty_plugins/__init__.py": "", "loyalty_plugins/py.typed": "",
            "loyalty_plugins/plugin.py": PLUGIN_MODULE, "loyalty_plugins/zhongtai_plugins.toml": PLUGIN_MANIFEST}


PLUGIN_ENTRY_POINTS = {"zhongtai.plugins": {
    "loyalty.double": "loyalty_plugins.plugin",
    "loyalty.future": "loyalty_plugins.plugin:Future",
    "loyalty.trial": "loyalty_plugins.plugin:Trial",
    "loyalty.unpinned": "loyalty_plugins.plugin:Future",
    "rewards.stars": "loyalty_plugins.plugin:Stars",
}}


def build_loyalty(workdir: Path, target: Path) -> Path:
    """Build both wheels and pip-install them into *target*; return *target*."""
    spec = build_wheel(workdir, SPECS, spec_files(), version="1.4.0",
                       entry_points={"zhongtai.specs": {"loyalty": "acme_loyalty.specs"}})
    plugins = build_wheel(workdir, PLUGINS, plugin_files(), version="2.0.0", entry_points=PLUGIN_ENTRY_POINTS,
                          dependencies=[f"{SPECS}>=1.4"])
    return install([spec, plugins], target)
