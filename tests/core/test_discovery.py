"""Discovery of real, pip-installed distributions: metadata only, failures isolated."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers.distributions import build_wheel, install
from zhongtai.core.discovery import FAILED, INCOMPATIBLE, OK
from zhongtai.core.errors import PluginUnavailable
from zhongtai.core.specs.pricing import Money

MANIFEST = '''
[plugins."acme.price"]
title = "Acme fixed price"
owner = "acme-team"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]
config = "acme_good.price:PriceConfig"

[plugins."acme.old"]
title = "Acme retired plugin"
lifecycle = "retired"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]

[plugins."acme.future"]
title = "Needs API 2"
api = ">=2.0"
extension_points = ["pricing.base_price"]
'''

GOOD = {
    "acme_good/__init__.py": "",
    "acme_good/zhongtai_plugins.toml": MANIFEST,
    "acme_good/price.py": '''
        from decimal import Decimal
        import attrs
        from zhongtai.core.markers import hookimpl
        from zhongtai.core.specs.pricing import Money

        @attrs.frozen
        class PriceConfig:
            amount: Decimal = Decimal("9.90")

        @hookimpl
        def pricing_base_price(sku, context):
            return Money(context.config.amount, "CNY")
    ''',
    "acme_good/old.py": '''
        from zhongtai.core.markers import hookimpl

        @hookimpl
        def pricing_base_price(sku):
            return None
    ''',
    "acme_good/future.py": "raise RuntimeError('must never be imported: incompatible')\n",
}

BROKEN = {
    "acme_broken/__init__.py": "",
    "acme_broken/zhongtai_plugins.toml": '''
        [plugins."broken.import"]
        api = ">=1.0"
        extension_points = ["pricing.base_price"]

        [plugins."broken.signature"]
        api = ">=1.0"
        extension_points = ["pricing.base_price"]

        [plugins."broken.declaration"]
        api = ">=1.0"
        extension_points = ["pricing.adjust"]
    ''',
    "acme_broken/bad_import.py": "import this_module_does_not_exist\n",
    "acme_broken/bad_signature.py": '''
        from zhongtai.core.markers import hookimpl

        @hookimpl
        def pricing_base_price(sku, not_an_argument_of_the_spec):
            return None
    ''',
    "acme_broken/bad_declaration.py": '''
        from zhongtai.core.markers import hookimpl

        @hookimpl
        def pricing_base_price(sku):
            return None
    ''',
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("dists")
    good = build_wheel(work, "acme-good", GOOD, version="1.2.3", entry_points={"zhongtai.plugins": {
        "acme.price": "acme_good.price", "acme.old": "acme_good.old", "acme.future": "acme_good.future"}})
    broken = build_wheel(work, "acme-broken", BROKEN, version="0.1.0", entry_points={"zhongtai.plugins": {
        "broken.import": "acme_broken.bad_import", "broken.signature": "acme_broken.bad_signature",
        "broken.declaration": "acme_broken.bad_declaration"}})
    return install([good, broken], work / "site")


@pytest.fixture
def platform(installed, sqlite_url, make_platform, monkeypatch):
    monkeypatch.syspath_prepend(str(installed))
    for name in list(sys.modules):
        if name.startswith(("acme_good", "acme_broken")):
            monkeypatch.delitem(sys.modules, name)
    return make_platform(sqlite_url, plugin_path=[str(installed)])


def test_listing_reads_metadata_and_imports_no_plugin_module(platform):
    infos = {info.name: info for info in platform.plugins.infos()}
    assert set(infos) == {"acme.price", "acme.old", "acme.future", "broken.import", "broken.signature",
                          "broken.declaration"}
    price = infos["acme.price"]
    assert (price.distribution, price.version, price.title, price.owner) == (
        "acme-good", "1.2.3", "Acme fixed price", "acme-team")
    assert price.extension_points == ("pricing.base_price",)
    assert price.status == OK
    assert not [m for m in sys.modules if m.startswith(("acme_good.", "acme_broken."))]


def test_incompatible_api_range_is_reported_and_never_imported(platform):
    info = platform.plugins.get("acme.future")
    assert info.status == INCOMPATIBLE
    assert "kernel provides 1.0.0" in info.error
    platform.create_business("acme")
    with pytest.raises(PluginUnavailable, match="incompatible"):
        platform.enable("acme.future", "acme")
    assert "acme_good.future" not in sys.modules


@pytest.mark.parametrize(("name", "reason"), [
    ("broken.import", "No module named 'this_module_does_not_exist'"),
    ("broken.signature", "not_an_argument_of_the_spec"),
    ("broken.declaration", "declared but not implemented: pricing.adjust"),
])
def test_broken_plugins_are_reported_with_their_reason(platform, name, reason):
    info = platform.plugins.load_quietly(name)
    assert info.status == FAILED
    assert reason in info.error
    assert info.distribution == "acme-broken"


def test_broken_plugins_never_stop_the_working_ones(platform):
    for info in platform.plugins.infos():
        platform.plugins.load_quietly(info.name)
    platform.create_business("acme")
    platform.enable("acme.price", "acme", config={"amount": "12.00"})
    assert platform.business("acme").call("pricing.base_price", sku="x", request=None) == Money(
        Decimal("12.00"), "CNY")


def test_retired_plugin_cannot_be_enabled(platform):
    platform.create_business("acme")
    with pytest.raises(PluginUnavailable, match="retired"):
        platform.enable("acme.old", "acme")
    assert platform.registry.snapshot().enablements == {}
