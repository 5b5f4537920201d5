"""A test-only distribution whose plugins put their secret config values into errors and responses.

``zt-leaky`` 1.0.0 (package ``zt_leaky``):

===============  ==================================================================
leaky.price      pricing.base_price: raises ``RuntimeError("upstream rejected token <token>")``
leaky.channel    notifiers.deliver: a failed delivery whose detail and provider response echo the token;
                 raises with it when the message body is ``raise``
===============  ==================================================================
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.distributions import build_and_install

MANIFEST = '''
[plugins."leaky.price"]
title = "Leaks its token in errors"
api = ">=1.0,<2"
extension_points = ["pricing.base_price"]
config = "zt_leaky.config:LeakyConfig"

[plugins."leaky.channel"]
title = "Leaks its token in provider responses"
api = ">=1.0,<2"
extension_points = ["notifiers.deliver"]
config = "zt_leaky.config:LeakyConfig"
'''

CONFIG = '''
import attrs

from zhongtai.sdk import secret_field


@attrs.frozen
class LeakyConfig:
    token: str = secret_field(default="")
'''

PRICE = '''
from zhongtai.sdk import hookimpl


@hookimpl
def pricing_base_price(sku, request, context):
    raise RuntimeError(f"upstream rejected token {context.config.token} for {sku}")
'''

CHANNEL = '''
from zhongtai.core.specs.notifiers import Delivery
from zhongtai.sdk import hookimpl


@hookimpl
def notifiers_deliver(message, context):
    token = context.config.token
    if message.body == "raise":
        raise RuntimeError(f"gateway said: bad key {token}")
    return Delivery("leaky.channel", "failed", detail=f"rejected {token}",
                    provider_response=f"401 invalid key {token}", retryable=False)
'''

FILES = {
    "zt_leaky/__init__.py": "",
    "zt_leaky/zhongtai_plugins.toml": MANIFEST,
    "zt_leaky/config.py": CONFIG,
    "zt_leaky/price.py": PRICE,
    "zt_leaky/channel.py": CHANNEL,
}
ENTRY_POINTS = {"zhongtai.plugins": {"leaky.price": "zt_leaky.price", "leaky.channel": "zt_leaky.channel"}}


def install_leaky(workdir: Path) -> Path:
    return build_and_install(workdir, workdir / "site", "zt-leaky", FILES, entry_points=ENTRY_POINTS)
