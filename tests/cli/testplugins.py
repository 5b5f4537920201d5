"""The test-only distribution the CLI tests install: real entry points, real manifests.

``zt-cli-testplugins`` 1.2.3 (package ``zt_cli_test``) provides:

=================  ==========================================================
test.price         pricing.base_price; config class with a secret field
test.alpha/.beta   pricing.base_price, no config: conflict at equal priority
test.retired       lifecycle retired
test.future        API range >=2.0 (incompatible)
test.broken        module raises on import (manifest fine: ok until imported)
test.mismatch      manifest declares pricing.adjust, implements base_price
test.old           deprecated; verification.flow
test.components    verification.components (collect)
test.theme         theming.tokens (merge, per level); config ``primary``
=================  ==========================================================

and two ``zhongtai.cli`` commands: ``testcmd`` (works) and ``brokencmd`` (fails to import).
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.distributions import build_and_install

DISTRIBUTION = "zt-cli-testplugins"
VERSION = "1.2.3"

MANIFEST = '''
[plugins."test.price"]
title = "Fixed test price"
owner = "cli-tests"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]
config = "zt_cli_test.price:PriceConfig"

[plugins."test.alpha"]
title = "Alpha"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]

[plugins."test.beta"]
title = "Beta"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]

[plugins."test.retired"]
title = "Retired"
lifecycle = "retired"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]

[plugins."test.future"]
title = "Needs API 2"
api = ">=2.0"
extension_points = ["pricing.base_price"]

[plugins."test.broken"]
title = "Broken import"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]

[plugins."test.mismatch"]
title = "Declares the wrong point"
api = ">=1.0,<2"
extension_points = ["pricing.adjust"]

[plugins."test.old"]
title = "Deprecated flows"
lifecycle = "deprecated"
api = ">=1.0,<2"
extension_points = ["verification.flow"]

[plugins."test.components"]
title = "Components"
api = ">=1.0,<2"
extension_points = ["verification.components"]

[plugins."test.theme"]
title = "Theme layer"
api = ">=1.0,<2"
extension_points = ["theming.tokens"]
config = "zt_cli_test.theme:ThemeConfig"
'''

FILES = {
    "zt_cli_test/__init__.py": "",
    "zt_cli_test/zhongtai_plugins.toml": MANIFEST,
    "zt_cli_test/price.py": '''
        from decimal import Decimal

        import attrs

        from zhongtai.sdk import Money, hookimpl, secret_field


        @attrs.frozen
        class PriceConfig:
            price: Decimal = Decimal("10")
            currency: str = "CNY"
            skus: tuple[str, ...] = ()
            api_key: str = secret_field(default="")


        @hookimpl
        def pricing_base_price(sku, request, context):
            config = context.config
            if config.skus and sku not in config.skus:
                return None
            return Money(config.price, config.currency)
    ''',
    "zt_cli_test/alpha.py": '''
        from decimal import Decimal

        from zhongtai.sdk import Money, hookimpl


        @hookimpl
        def pricing_base_price(sku):
            return Money(Decimal("1"), "CNY") if sku == "alpha" else None
    ''',
    "zt_cli_test/beta.py": '''
        from decimal import Decimal

        from zhongtai.sdk import Money, hookimpl


        @hookimpl
        def pricing_base_price(sku):
            return Money(Decimal("2"), "CNY") if sku == "beta" else None
    ''',
    "zt_cli_test/retired.py": '''
        from zhongtai.sdk import hookimpl


        @hookimpl
        def pricing_base_price(sku):
            return None
    ''',
    "zt_cli_test/future.py": '''
        from zhongtai.sdk import hookimpl


        @hookimpl
        def pricing_base_price(sku):
            return None
    ''',
    "zt_cli_test/broken.py": '''
        raise ImportError("this plugin module is broken on purpose")
    ''',
    "zt_cli_test/mismatch.py": '''
        from zhongtai.sdk import hookimpl


        @hookimpl
        def pricing_base_price(sku):
            return None
    ''',
    "zt_cli_test/old.py": '''
        from zhongtai.sdk import Flow, hookimpl


        @hookimpl
        def verification_flow(flow):
            return Flow(flow, ("sms",))
    ''',
    "zt_cli_test/components.py": '''
        from zhongtai.sdk import Component, hookimpl


        @hookimpl
        def verification_components(context):
            return [Component("sms", "SMS code", "one-time-code", handler=object())]
    ''',
    "zt_cli_test/theme.py": '''
        import attrs

        from zhongtai.sdk import hookimpl


        @attrs.frozen
        class ThemeConfig:
            primary: str = "#000000"


        @hookimpl
        def theming_tokens(context):
            return {"color": {"primary": {"$value": context.config.primary, "$type": "color"}},
                    "layer": {"$value": context.level}}
    ''',
    "zt_cli_test/cli.py": '''
        import click


        @click.command()
        @click.argument("who", default="world")
        def testcmd(who):
            """Say hello (a plugin-provided command)."""
            click.echo(f"hello {who} from a plugin command")
    ''',
}

ENTRY_POINTS = {
    "zhongtai.plugins": {
        "test.price": "zt_cli_test.price",
        "test.alpha": "zt_cli_test.alpha",
        "test.beta": "zt_cli_test.beta",
        "test.retired": "zt_cli_test.retired",
        "test.future": "zt_cli_test.future",
        "test.broken": "zt_cli_test.broken",
        "test.mismatch": "zt_cli_test.mismatch",
        "test.old": "zt_cli_test.old",
        "test.components": "zt_cli_test.components",
        "test.theme": "zt_cli_test.theme",
    },
    "zhongtai.cli": {
        "testcmd": "zt_cli_test.cli:testcmd",
        "brokencmd": "zt_cli_test.missing:nothing",
    },
}

ALL = sorted(ENTRY_POINTS["zhongtai.plugins"])


def install_test_plugins(workdir: Path) -> Path:
    """Build and pip-install the distribution into ``workdir/site``; return that directory."""
    return build_and_install(workdir, workdir / "site", DISTRIBUTION, FILES, version=VERSION,
                             entry_points=ENTRY_POINTS)
