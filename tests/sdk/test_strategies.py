"""Every extension point of the kernel gets valid, generated inputs (new contract types included)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from zhongtai.core.extension import ExtensionPoint, extension_points_of
from zhongtai.core.specs import SPEC_MODULES
from zhongtai.sdk import strategies
from zhongtai.sdk.testing import example_inputs

POINTS = [p for m in SPEC_MODULES for p in extension_points_of(importlib.import_module(m))]


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_inputs_are_generated_for_every_extension_point(point: ExtensionPoint) -> None:
    seen: list[dict[str, Any]] = []

    @settings(max_examples=20, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.inputs(point))
    def collect(kwargs: dict[str, Any]) -> None:
        assert set(kwargs) == set(point.inputs)
        seen.append(kwargs)

    collect()
    assert seen


def test_pricing_inputs_agree_with_each_other() -> None:
    @settings(max_examples=30, database=None, derandomize=True)
    @given(strategies.inputs(next(p for p in POINTS if p.name == "pricing.adjust")))
    def adjust(kwargs: dict[str, Any]) -> None:
        quote, request = kwargs["quote"], kwargs["request"]
        assert [(q.sku, q.quantity) for q in quote.lines] == [(c.sku, c.quantity) for c in request.lines]
        assert request.currency in (None, quote.currency)

    @settings(max_examples=30, database=None, derandomize=True)
    @given(strategies.inputs(next(p for p in POINTS if p.name == "pricing.base_price")))
    def base_price(kwargs: dict[str, Any]) -> None:
        assert kwargs["sku"] in [line.sku for line in kwargs["request"].lines]

    adjust()
    base_price()


def test_example_inputs_are_deterministic_and_valid() -> None:
    assert example_inputs("pricing.adjust") == example_inputs("pricing.adjust")
    assert set(example_inputs("notifiers.deliver")) == {"message"}
    with pytest.raises(Exception, match=r"unknown extension point 'pricing\.nope' \(known: "):
        example_inputs("pricing.nope")


def test_a_type_without_values_is_named() -> None:
    class Opaque:
        pass

    with pytest.raises(strategies.NoStrategyError, match="no strategy for values of type Opaque"):
        strategies.strategy_for(Opaque)
