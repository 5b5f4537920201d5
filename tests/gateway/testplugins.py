"""The test-only distribution the gateway tests and benchmark install: real entry points, real manifests.

``zt-gateway-testplugins`` (package ``zt_gw_test``) provides five ``pricing.base_price``
plugins -- ``gwtest.pass1`` ... ``gwtest.pass4`` answer ``None`` (so every one runs)
and ``gwtest.answer`` answers its config's ``price`` -- and, through the
``zhongtai.gateway.routes`` entry-point group, two routes: ``POST /v1/test/slow``
(sleeps ``seconds`` from the body, for draining and timeouts) and ``GET /v1/test/boom``
(raises, to show that no traceback reaches a client).
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.distributions import build_and_install

DISTRIBUTION = "zt-gateway-testplugins"
PASSERS = ("gwtest.pass1", "gwtest.pass2", "gwtest.pass3", "gwtest.pass4")
ANSWER = "gwtest.answer"

MANIFEST = "\n".join(
    f'[plugins."{name}"]\ntitle = "{name}"\napi = ">=1.0,<2"\nextension_points = ["pricing.base_price"]\n'
    + ('config = "zt_gw_test.plugins:AnswerConfig"\n' if name == ANSWER else "")
    for name in (*PASSERS, ANSWER)
)

FILES = {
    "zt_gw_test/__init__.py": "",
    "zt_gw_test/zhongtai_plugins.toml": MANIFEST,
    "zt_gw_test/plugins.py": '''
        from decimal import Decimal

        import attrs

        from zhongtai.sdk import Money, hookimpl


        @attrs.frozen
        class AnswerConfig:
            price: Decimal = Decimal("9.90")


        class Passer:
            @hookimpl
            def pricing_base_price(self, sku):
                return None


        pass1, pass2, pass3, pass4 = Passer(), Passer(), Passer(), Passer()


        @hookimpl
        def pricing_base_price(sku, context):
            return Money(context.config.price, "CNY")
    ''',
    "zt_gw_test/routes.py": '''
        import time

        from zhongtai.gateway.operations import Operation, Reply


        def _slow(call):
            seconds = float(call.body.get("seconds", 1))
            time.sleep(seconds)
            return Reply({"slept": seconds, "business": call.business})


        def _boom(call):
            raise RuntimeError("secret internal detail /etc/passwd")


        def routes(platform, schemas):
            return [
                Operation("POST", "/v1/test/slow", "test_slow", "Sleep", _slow, tags=("test",),
                          request_schema={"type": "object"}, response_schema={"type": "object"}),
                Operation("GET", "/v1/test/boom", "test_boom", "Fail", _boom, business=False, tags=("test",),
                          response_schema={"type": "object"}),
            ]
    ''',
}

ENTRY_POINTS = {
    "zhongtai.plugins": {
        **{name: f"zt_gw_test.plugins:{name.split('.')[1]}" for name in PASSERS},
        ANSWER: "zt_gw_test.plugins",
    },
    "zhongtai.gateway.routes": {"gwtest": "zt_gw_test.routes:routes"},
}


def install_gateway_test_plugins(target: Path) -> Path:
    """Build the distribution and ``pip install --target`` it into *target*; return *target*."""
    return build_and_install(target.parent / f"{target.name}-build", target, DISTRIBUTION, FILES,
                             entry_points=ENTRY_POINTS)
