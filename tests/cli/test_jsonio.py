"""jsonio: JSON <-> contract types, generically, with errors that name the bad value's path."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs
import pytest

from zhongtai.core.decision import Effect, Verdict
from zhongtai.core.documents import parse_json
from zhongtai.core.errors import UserError
from zhongtai.core.jsonio import call_arguments, from_json, to_json
from zhongtai.core.policies import Contribution, TraceStep


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Line:
    sku: str
    quantity: int = attrs.field(validator=attrs.validators.ge(1))


@attrs.frozen
class Order:
    channel: str
    lines: tuple[Line, ...]
    tags: frozenset[str] = frozenset()
    amount: Decimal = Decimal("0")
    at: dt.datetime | None = None
    colour: Colour = Colour.RED
    mode: Literal["fast", "slow"] = "fast"
    extra: Mapping[str, int] = attrs.field(factory=dict)
    pair: tuple[str, int] | None = None
    secret: str = attrs.field(default="hidden", repr=False)


def test_nested_attrs_tuples_sets_decimals_datetimes():
    data = parse_json('{"channel": "app", "lines": [{"sku": "a", "quantity": 2}], "tags": ["x", "y", "x"],'
                      ' "amount": 12.50, "at": "2024-05-01T08:00:00+08:00", "colour": "blue",'
                      ' "mode": "slow", "extra": {"k": 1}, "pair": ["p", 3]}', exact_numbers=True)
    order = from_json(data, Order, path="order")
    assert order == Order("app", (Line("a", 2),), frozenset({"x", "y"}), Decimal("12.50"),
                          dt.datetime(2024, 5, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                          Colour.BLUE, "slow", {"k": 1}, ("p", 3))
    assert str(order.amount) == "12.50"  # exact: parsed as Decimal, never a float


def test_decimal_from_string_and_int_but_not_bool():
    assert from_json("0.1", Decimal) == Decimal("0.1")
    assert from_json(3, Decimal) == Decimal(3)
    for bad in (True, "abc", "NaN", [1]):
        with pytest.raises(UserError, match="expected a decimal number"):
            from_json(bad, Decimal)


@pytest.mark.parametrize(("data", "message"), [
    ({"channel": "app"}, r"order\.lines: required field of Order is missing"),
    ({"channel": "app", "lines": [], "colour": "green"}, r"order\.colour: expected one of \"red\", \"blue\""),
    ({"channel": "app", "lines": [{"sku": "a", "quantity": "two"}]},
     r"order\.lines\[0\]\.quantity: expected an integer"),
    ({"channel": "app", "lines": [{"sku": "a", "quantity": 0}]}, r"order\.lines\[0\]: invalid Line"),
    ({"channel": "app", "lines": [], "unknown": 1}, r"order\.unknown: unknown field of Order"),
    ({"channel": "app", "lines": {}}, r"order\.lines: expected an array"),
    ({"channel": "app", "lines": [], "at": "yesterday"}, r"order\.at: expected an ISO 8601 datetime"),
    ({"channel": "app", "lines": [], "mode": "medium"}, r"order\.mode: expected one of \"fast\", \"slow\""),
    ({"channel": "app", "lines": [], "pair": ["p"]}, r"order\.pair: expected an array of 2 items"),
    ({"channel": 5, "lines": []}, r"order\.channel: expected a string, got 5"),
    ("not an object", r"order: expected an object for Order"),
])
def test_errors_name_the_path(data, message):
    with pytest.raises(UserError, match=message):
        from_json(data, Order, path="order")


def test_to_json_of_results_and_traces():
    order = Order("app", (Line("a", 1),), frozenset({"b", "a"}), Decimal("1.10"),
                  dt.datetime(2024, 1, 1, tzinfo=dt.UTC), Colour.BLUE)
    data = to_json(order)
    assert data["amount"] == "1.10" and data["tags"] == ["a", "b"] and data["colour"] == "blue"
    assert data["at"] == "2024-01-01T00:00:00+00:00" and data["lines"] == [{"sku": "a", "quantity": 1}]
    assert "secret" not in data  # repr=False fields (secrets, handlers) are left out
    step = TraceStep("p", "edu", "contributed", Contribution("p", "edu", Decimal("2")), None, 0.5)
    assert to_json(step) == {"plugin": "p", "level": "edu", "outcome": "contributed",
                             "value": {"plugin": "p", "level": "edu", "value": "2"}, "error": None,
                             "seconds": 0.5}
    assert to_json(Verdict(False, "no"))["allowed"] is False
    assert to_json(Effect.DENY) == "deny"
    json.dumps(to_json({"obj": object(), "f": float("nan")}))  # never refuses


def test_round_trip():
    order = Order("app", (Line("a", 3),), frozenset({"t"}), Decimal("9.99"), None, Colour.RED, "slow", {"n": 2})
    assert from_json(to_json(order), Order) == attrs.evolve(order, secret="hidden")


@attrs.frozen
class FakePoint:
    name: str
    inputs: tuple[str, ...]
    argument_types: dict[str, Any]


def test_call_arguments_checks_names_and_converts():
    point = FakePoint("demo.point", ("sku", "order", "note"), {"sku": str, "order": Order, "note": str | None})
    arguments = call_arguments(point, {"sku": "a", "order": {"channel": "app", "lines": []}})
    assert arguments == {"sku": "a", "order": Order("app", ()), "note": None}
    with pytest.raises(UserError, match=r"demo\.point has no input 'skus'"):
        call_arguments(point, {"skus": "a"})
    with pytest.raises(UserError, match=r"demo\.point needs input 'order'"):
        call_arguments(point, {"sku": "a"})
    with pytest.raises(UserError, match="must be a JSON object"):
        call_arguments(point, [1])


def test_invalid_json_is_one_clear_line():
    with pytest.raises(UserError, match=r"--input: invalid JSON: Expecting .* at line 1 column"):
        parse_json("{sku: 1}", source="--input")


# -- compiled converters: the same answers and errors as the general conversion ----------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zhongtai.core import jsonio  # noqa: E402

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.sampled_from(["", "a", "12.50", "2025-06-18", "red"])
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["sku", "quantity", "channel", "lines", "tags", "amount", "at", "colour", "x"]), inner,
        max_size=4),
    max_leaves=12,
)


def _contract_types() -> list[Any]:
    """Every argument type of every extension point the kernel and the installed packages declare."""
    from zhongtai.core.runtime.platform import Platform

    platform = Platform("sqlite://", refresh_interval=0)
    try:
        found = {tp for point in platform.extension_points.values() for tp in point.argument_types.values()}
    finally:
        platform.close()
    return sorted(found, key=repr)


TYPES = [Order, Line, Mapping[str, Decimal], tuple[Line, ...], list[int], Decimal | None, Literal["a", "b"],
         frozenset[str], Colour, dt.date, int, bool, str, float, Any, *_contract_types()]


def _outcome(function: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", function(value)
    except jsonio._Error as exc:
        return "error", (exc.path, exc.message)


@settings(max_examples=400, deadline=None)
@given(tp=st.sampled_from(TYPES), value=JSON_VALUES)
def test_a_compiled_converter_answers_and_fails_like_the_general_conversion(tp: Any, value: Any) -> None:
    compiled = _outcome(jsonio.converter(tp), value)
    general = _outcome(lambda v: jsonio._convert(v, tp, ""), value)
    assert compiled == general


@pytest.mark.parametrize(("data", "error"), [
    ({"channel": "app", "lines": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": "two"}]},
     'order.lines[1].quantity: expected an integer, got "two"'),
    ({"channel": "app", "lines": [], "colour": "green"}, "order.colour: expected one of"),
    ({"channel": "app", "lines": [{"sku": "a"}]}, "order.lines[0].quantity: required field of Line is missing"),
    ({"channel": "app", "lines": [{"sku": "a", "quantity": 0}]}, "order.lines[0]: invalid Line: "),
])
def test_compiled_errors_name_the_whole_path(data: Any, error: str) -> None:
    with pytest.raises(UserError) as caught:
        from_json(data, Order, path="order")
    assert caught.value.message.startswith(error)


# -- to_json: writers worked out per type, the same output as the rules written out one by one ----------
class Size(enum.IntEnum):
    SMALL = 1


def _reference_to_json(value: Any) -> Any:
    """The module docstring's rules, in order, as to_json applied them before it kept a writer per type."""
    from collections.abc import Set as AbstractSet

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if attrs.has(value.__class__):
        return {f.name: _reference_to_json(getattr(value, f.name)) for f in attrs.fields(value.__class__)
                if f.repr is not False}
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return _reference_to_json(value.value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(_reference_to_json(k)): _reference_to_json(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset, AbstractSet)):
        items = [_reference_to_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, (list, tuple)):
        return [_reference_to_json(v) for v in value]
    return repr(value)


_PYTHON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.floats() | st.decimals(allow_nan=False)
    | st.sampled_from([Colour.RED, Size.SMALL, dt.date(2025, 6, 18), dt.time(10, 30), object.__new__(object)])
    | st.datetimes(timezones=st.just(dt.UTC)),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.frozensets(st.integers() | st.text(max_size=3), max_size=3)
    | st.dictionaries(st.integers() | st.text(max_size=3), inner, max_size=3)
    | st.builds(TraceStep, plugin=st.text(max_size=3), level=st.just("edu"), outcome=st.just("passed"), value=inner)
    | st.builds(Contribution, plugin=st.just("p"), level=st.just("edu"), value=inner),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(tp=st.sampled_from(TYPES), data=JSON_VALUES, extra=_PYTHON_VALUES)
def test_to_json_writes_what_the_rules_say(tp: Any, data: Any, extra: Any) -> None:
    converted = _outcome(jsonio.converter(tp), data)
    values = [extra] + ([converted[1]] if converted[0] == "ok" else [])
    for value in values:  # contract values (attrs, Decimals, enums, dates, tuples) and any Python value
        assert repr(to_json(value)) == repr(_reference_to_json(value))


@pytest.mark.parametrize("value", [
    float("nan"), float("inf"), [float("-inf"), 1.5], Size.SMALL, Colour.BLUE, {1: Decimal("1.10"), "a": None},
    frozenset({"b", "a"}), (Line("x", 2), Decimal("-0")), dt.datetime(2025, 6, 18, 10, tzinfo=dt.UTC),
    TraceStep("p", "edu", "answered", Order("app", (Line("x", 1),))), object.__new__(object), True, 10 ** 30,
])
def test_to_json_of_edge_values_follows_the_rules(value: Any) -> None:
    assert repr(to_json(value)) == repr(_reference_to_json(value))
