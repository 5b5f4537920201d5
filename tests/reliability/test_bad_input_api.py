"""Bad input to the Python API, tried systematically with hypothesis.

Every case either succeeds or raises a ``ZhongtaiError`` with a one-line
message; a refused case leaves every row of the registry as it was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.registry_rows import all_rows
from zhongtai.core.errors import ZhongtaiError
from zhongtai.core.markers import hookimpl
from zhongtai.sdk import secret_field

TRIED = {"cases": 0, "refused": 0}


@attrs.frozen
class Config:
    amount: Decimal = Decimal("1")
    limit: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    token: str = secret_field(default="")


class Plugin:
    @hookimpl
    def pricing_base_price(self, sku: str) -> None:
        return None


codes = st.one_of(
    st.sampled_from(["edu", "edu.k12", "edu.k12.math", "mall", "EDU", "edu..k12", "-edu", "edu.", ".edu",
                     "e" * 300, "edu.k12.math.x.y.z.a.b.c", "ed u", "教育"]),
    st.text(max_size=40),
    st.from_regex(r"[a-z0-9-]{1,8}(\.[a-z0-9-]{1,8}){0,3}", fullmatch=True),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
configs = st.one_of(
    st.dictionaries(st.sampled_from(["amount", "limit", "token", "nope", ""]), json_values, max_size=3),
    json_values,
)
operations = st.one_of(
    st.tuples(st.just("create_business"), codes, st.text(max_size=250), st.text(max_size=250)),
    st.tuples(st.just("enable"), st.sampled_from(["plugin", "missing", "", "x" * 300]), codes, configs,
              st.one_of(st.none(), st.integers(), st.booleans())),
    st.tuples(st.just("disable"), st.sampled_from(["plugin", "missing"]), codes),
    st.tuples(st.just("set_status"), codes, st.sampled_from(["active", "suspended", "deleted", ""])),
    st.tuples(st.just("call"), codes, st.sampled_from(["pricing.base_price", "pricing.nope", "", "x.y"])),
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from zhongtai.core.runtime import Platform

    url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'r.db'}"
    platform = Platform(url, discover=False, refresh_interval=0.0)
    platform.add_plugin(Plugin(), "plugin", config=Config)
    for code in ("edu", "edu.k12", "mall"):
        platform.create_business(code)
    yield platform
    platform.registry.close()
    print(f"\nbad-input cases tried: {TRIED['cases']}, refused cleanly: {TRIED['refused']}")


def apply(platform: Any, operation: tuple[Any, ...]) -> None:
    kind, *args = operation
    if kind == "create_business":
        platform.create_business(args[0], name=args[1], owner=args[2])
    elif kind == "enable":
        platform.enable(args[0], args[1], config=args[2], priority=args[3])
    elif kind == "disable":
        platform.disable(args[0], args[1])
    elif kind == "set_status":
        platform.set_status(args[0], args[1])
    else:
        platform.business(args[0]).call(args[1], sku="a", request=None)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(operation=operations)
def test_every_input_succeeds_or_is_refused_cleanly(platform: Any, operation: tuple[Any, ...]) -> None:
    TRIED["cases"] += 1
    before = all_rows(platform.registry.engine)
    try:
        apply(platform, operation)
    except ZhongtaiError as error:
        TRIED["refused"] += 1
        assert "\n" not in error.message
        assert 0 < len(error.message) < 400
        assert all_rows(platform.registry.engine) == before
