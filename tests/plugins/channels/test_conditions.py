"""The condition language: what parses, what it means, and the errors for what does not."""

from __future__ import annotations

import pytest

from zhongtai.core.errors import ConfigError
from zhongtai.plugins.channels.conditions import IndeterminateError, parse_condition
from zhongtai.sdk import AccessRequest, Actor

REQUEST = AccessRequest(
    "echannel", "order.create",
    actor=Actor(id="a1", roles={"agent", "clerk"}, store="s1", attributes={"region": "north", "level": 3,
                                                                            "stores": ["s1", "s2"]}),
    resource={"store": "s1", "amount": 2, "owner": {"store": "s2"}, "tags": ["vip"], "flag": True, "code": "1"},
)


@pytest.mark.parametrize(("text", "expected"), [
    ("actor.store == resource.store", True),
    ("actor.store != resource.store", False),
    ("actor.store == resource.owner.store", False),
    ("resource.owner.store in actor.stores", True),
    ("'agent' in actor.roles", True),
    ("'manager' not in actor.roles", True),
    ("actor.region == \"north\"", True),
    ("actor.level == 3", True),
    ("resource.amount in [1, 2]", True),
    ("resource.amount not in [1,2]", False),
    ("'vip' in resource.tags", True),
    ("resource.flag == true", True),
    ("resource.flag == 1", False),
    ("resource.code == 1", False),
    ("channel == 'echannel'", True),
    ("action in ['order.create', 'order.refund']", True),
    ("actor.id == 'a1'", True),
    ("  actor.store==resource.store  ", True),
])
def test_evaluation(text: str, expected: bool) -> None:
    assert parse_condition(text).holds(REQUEST) is expected


@pytest.mark.parametrize(("text", "why"), [
    ("actor.agent == 'x'", "actor.agent is missing"),
    ("resource.missing == actor.store", "resource.missing is missing"),
    ("resource.owner.store.deeper == 'x'", "resource.owner.store.deeper is missing"),
    ("actor.store in resource.store", "resource.store is not a list"),
])
def test_missing_values_make_a_condition_undecidable(text: str, why: str) -> None:
    with pytest.raises(IndeterminateError, match=why):
        parse_condition(text).holds(REQUEST)


def test_empty_string_counts_as_missing() -> None:
    request = AccessRequest("app", "order.create", actor=Actor(id=""))
    with pytest.raises(IndeterminateError, match=r"actor\.id is missing"):
        parse_condition("actor.id != 'x'").holds(request)


@pytest.mark.parametrize(("text", "message"), [
    ("", "it is empty"),
    ("actor.store = resource.store", "unexpected '= resource.s'"),
    ("actor.store", "expected an operator (==, !=, in, not in) after 'actor.store'"),
    ("actor.store ==", "it ends too early"),
    ("actor.store == 'x' and 1", "unexpected 'and' after the comparison"),
    ("user.store == 'x'", "unknown name 'user.store'"),
    ("actor == 'x'", "'actor' should be written actor.NAME"),
    ("channel.name == 'x'", "'channel.name' should be written channel"),
    ("'a' == 'b'", "it compares two constants"),
    ("actor.store in 'abc'", "the right side of 'in' must be a list or a path"),
    ("[1] in actor.roles", "the left side of 'in' must be a single value"),
    ("actor.store == 'x", "unterminated string"),
    ("actor.store in [1, [2]]", "lists cannot be nested"),
    ("actor.store in [1 2]", "expected ',' or ']' in a list, found '2'"),
    ("actor.store not resource.store", "expected an operator (==, !=, in, not in), found 'not'"),
    ("__import__('os') == 1", "unexpected \"('os') == 1\""),
    ("x" * 501, "longer than 500 characters"),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_condition(text)
    assert message in raised.value.message


def test_parsing_is_done_once_per_text() -> None:
    assert parse_condition("actor.store == resource.store") is parse_condition("actor.store == resource.store")
