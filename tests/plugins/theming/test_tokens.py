"""DTCG resolution: aliases, chains, cycles, $type inheritance, $extends, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.plugins.theming.colors import parse_color
from zhongtai.plugins.theming.errors import CircularReferenceError, InvalidTokensError, UnknownReferenceError
from zhongtai.plugins.theming.tokens import alias_target, resolve


def hex_of(document: dict[str, Any], path: str) -> str:
    return parse_color(resolve(document)[path].value).css()


# -- the shared vectors --------------------------------------------------------------------
def test_vector_alias_resolves_value_and_type(vectors: dict[str, Any]) -> None:
    case = vectors["alias"]
    theme = resolve(case["tokens"])
    token = theme["semantic.primary"]
    assert token.css_text() == case["expect"]["semantic.primary"]
    assert token.type == "color"  # no $type of its own: it comes through the alias
    assert token.aliases == ("colors.blue",)


def test_vector_alias_chain(vectors: dict[str, Any]) -> None:
    case = vectors["alias_chain"]
    theme = resolve(case["tokens"])
    assert theme["semantic.link"].css_text() == case["expect"]["semantic.link"]
    assert theme["semantic.link"].aliases == ("semantic.brand", "semantic.primary", "colors.blue")


def test_vector_cycle_names_every_token_in_the_loop(vectors: dict[str, Any]) -> None:
    with pytest.raises(CircularReferenceError) as caught:
        resolve(vectors["cycle"]["tokens"])
    assert caught.value.loop == ("a", "b", "c")
    assert "a, b, c" in caught.value.message
    assert "a -> b -> c -> a" in caught.value.message


# -- aliases -------------------------------------------------------------------------------
def test_alias_target_parses_whole_string_references_only() -> None:
    assert alias_target("{color.brand}") == "color.brand"
    assert alias_target("x{color.brand}") is None
    assert alias_target("#fff") is None
    assert alias_target(3) is None


def test_cycle_reached_from_outside_names_only_the_loop() -> None:
    doc = {
        "c": {"$type": "color", "entry": {"$value": "{c.x}"}, "x": {"$value": "{c.y}"}, "y": {"$value": "{c.x}"}},
    }
    with pytest.raises(CircularReferenceError) as caught:
        resolve(doc)
    assert caught.value.loop == ("c.x", "c.y")


def test_self_reference_is_a_cycle() -> None:
    with pytest.raises(CircularReferenceError) as caught:
        resolve({"a": {"$type": "color", "$value": "{a}"}})
    assert caught.value.loop == ("a",)


def test_cycle_through_a_composite_sub_value() -> None:
    doc = {
        "border": {"$type": "border", "$value": {"color": "{c}", "width": "1px", "style": "solid"}},
        "c": {"$type": "color", "$value": "{border}"},
    }
    with pytest.raises(CircularReferenceError) as caught:
        resolve(doc)
    assert set(caught.value.loop) == {"border", "c"}


def test_aliases_inside_composite_values_are_followed() -> None:
    doc = {
        "color": {"$type": "color", "line": {"$value": "#cccccc"}},
        "size": {"$type": "dimension", "hair": {"$value": {"value": 1, "unit": "px"}}},
        "card": {"$type": "border", "$value": {"color": "{color.line}", "width": "{size.hair}", "style": "solid"}},
    }
    token = resolve(doc)["card"]
    assert token.value == {"color": "#cccccc", "width": {"value": 1, "unit": "px"}, "style": "solid"}
    assert token.css_text() == "1px solid #cccccc"


def test_unknown_alias_target_is_named() -> None:
    with pytest.raises(UnknownReferenceError, match=r"token a refers to \{nope\.x\}, which is not defined"):
        resolve({"a": {"$type": "color", "$value": "{nope.x}"}})


def test_absurdly_long_chains_are_an_error_not_a_crash() -> None:
    doc: dict[str, Any] = {"t0": {"$type": "color", "$value": "#000000"}}
    for i in range(1, 2000):
        doc[f"t{i}"] = {"$value": f"{{t{i - 1}}}"}
    doc = {f"t{i}": doc[f"t{i}"] for i in reversed(range(2000))}  # resolve the far end first
    with pytest.raises(InvalidTokensError, match="nest too deeply"):
        resolve(doc)


def test_long_but_sane_chains_resolve() -> None:
    doc: dict[str, Any] = {"t0": {"$type": "color", "$value": "#000000"}}
    for i in range(1, 100):
        doc[f"t{i}"] = {"$value": f"{{t{i - 1}}}"}
    assert resolve(doc)["t99"].css_text() == "#000000"


def test_alias_to_a_group_is_refused() -> None:
    doc = {"g": {"$type": "color", "x": {"$value": "#000"}}, "a": {"$value": "{g}"}}
    with pytest.raises(UnknownReferenceError, match="which is a group, not a token"):
        resolve(doc)


def test_declared_type_must_match_the_alias_target() -> None:
    doc = {"c": {"$type": "color", "$value": "#000"}, "d": {"$type": "dimension", "$value": "{c}"}}
    with pytest.raises(InvalidTokensError, match=r"token d is declared dimension but refers to \{c\}, a color"):
        resolve(doc)


def test_json_pointer_references_are_refused_clearly() -> None:
    with pytest.raises(InvalidTokensError, match=r"\$ref"):
        resolve({"a": {"$type": "color", "$value": {"$ref": "#/b/$value"}}})


# -- $type inheritance ---------------------------------------------------------------------
def test_type_comes_from_the_nearest_group() -> None:
    doc = {
        "$type": "dimension",
        "color": {"$type": "color", "text": {"body": {"$value": "#111111"}}},
        "space": {"small": {"$value": {"value": 4, "unit": "px"}}},
        "weight": {"bold": {"$type": "fontWeight", "$value": "bold"}},
    }
    theme = resolve(doc)
    assert theme["color.text.body"].type == "color"
    assert theme["space.small"].type == "dimension"
    assert theme["weight.bold"].css_text() == "700"


def test_token_without_any_type_is_refused() -> None:
    with pytest.raises(InvalidTokensError, match=r"token a\.b has no \$type"):
        resolve({"a": {"b": {"$value": "#fff"}}})


def test_value_must_fit_its_type() -> None:
    with pytest.raises(InvalidTokensError, match=r"token c\.bad \(color\): 'blue' is not a colour"):
        resolve({"c": {"$type": "color", "bad": {"$value": "blue"}}})


def test_unknown_type_is_refused() -> None:
    with pytest.raises(InvalidTokensError, match="unknown \\$type 'colour'"):
        resolve({"c": {"$type": "colour", "x": {"$value": "#fff"}}})


# -- structure -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"a.b": {"$type": "color", "$value": "#fff"}}, "invalid name 'a.b'"),
        ({"a{": {"$type": "color", "$value": "#fff"}}, "invalid name"),
        ({"a": "#fff"}, "a must be a token"),
        ({"a": {"$type": "color", "$valeu": "#fff"}}, "unknown property '\\$valeu'"),
        ({"a": {"$type": "color", "$value": "#fff", "b": {}}}, "a token cannot contain"),
        ({"a": {"$root": {"b": {}}}}, "a.\\$root must be a token"),
        ({"a": {"$description": 3}}, "\\$description must be a string"),
    ],
)
def test_malformed_documents_are_refused(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidTokensError, match=message):
        resolve(doc)


def test_root_tokens_resolve_and_can_be_referenced() -> None:
    doc = {
        "accent": {"$type": "color", "$root": {"$value": "#dd0000"}, "light": {"$value": "#ff2222"}},
        "link": {"$value": "{accent.$root}"},
    }
    theme = resolve(doc)
    assert theme["link"].css_text() == "#dd0000"
    assert "accent.$root" in theme


def test_to_json_is_a_resolved_dtcg_document() -> None:
    doc = {
        "colors": {"$type": "color", "blue": {"$value": "#0066cc", "$description": "brand blue"}},
        "semantic": {"primary": {"$value": "{colors.blue}"}},
    }
    assert resolve(doc).to_json() == {
        "colors": {"blue": {"$type": "color", "$value": "#0066cc", "$description": "brand blue"}},
        "semantic": {"primary": {"$type": "color", "$value": "#0066cc"}},
    }


# -- $extends ------------------------------------------------------------------------------
def test_extends_inherits_and_overrides() -> None:
    doc = {
        "color": {
            "$type": "color",
            "base": {"primary": {"$value": "#0066cc"}, "secondary": {"$value": "#666666"}},
            "brand": {"$extends": "{color.base}", "primary": {"$value": "#ff0066"}, "accent": {"$value": "#00ff66"}},
        }
    }
    theme = resolve(doc)
    assert [t.path for t in theme if t.path.startswith("color.brand")] == [
        "color.brand.primary", "color.brand.secondary", "color.brand.accent",
    ]
    assert theme["color.brand.primary"].css_text() == "#ff0066"
    assert theme["color.brand.secondary"].css_text() == "#666666"


def test_extends_brings_the_type_inherited_from_above_the_extended_group() -> None:
    doc = {
        "palette": {"$type": "color", "warm": {"red": {"$value": "#cc0000"}}},
        "theme": {"accent": {"$extends": "{palette.warm}"}},
    }
    assert resolve(doc)["theme.accent.red"].type == "color"


def test_extends_chains_and_nested_extends() -> None:
    doc = {
        "$type": "color",
        "a": {"x": {"$value": "#000000"}},
        "b": {"$extends": "{a}", "y": {"$value": "#111111"}},
        "c": {"$extends": "{b}", "z": {"$value": "#222222"}},
    }
    theme = resolve(doc)
    assert {t.path for t in theme if t.path.startswith("c.")} == {"c.x", "c.y", "c.z"}


def test_extends_cycle_names_every_group_in_the_loop() -> None:
    doc = {"$type": "color", "a": {"$extends": "{b}"}, "b": {"$extends": "{c}"}, "c": {"$extends": "{a}"}}
    with pytest.raises(CircularReferenceError) as caught:
        resolve(doc)
    assert caught.value.loop == ("a", "b", "c")
    assert "$extends" in caught.value.message


@pytest.mark.parametrize(
    ("doc", "error", "message"),
    [
        ({"a": {"$extends": "{nope}"}}, UnknownReferenceError, "group a extends {nope}, which is not defined"),
        ({"t": {"$type": "color", "$value": "#fff"}, "a": {"$extends": "{t}"}}, InvalidTokensError, "which is a token"),
        ({"a": {"b": {"$extends": "{a}"}}}, InvalidTokensError, "group a.b cannot extend a: one contains the other"),
        ({"a": {"$extends": "a"}}, InvalidTokensError, "\\$extends must be a reference"),
    ],
)
def test_bad_extends_are_refused(doc: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        resolve(doc)


# -- the merge point's combine function ----------------------------------------------------
def test_deep_merge_merges_groups_and_replaces_tokens_whole() -> None:
    from zhongtai.core.specs.theming import deep_merge

    primary = {"$value": "{color.blue}", "$description": "x"}
    base: dict[str, Any] = {"color": {"$type": "color", "brand": {"primary": primary}, "blue": {"$value": "#0066cc"}}}
    layer = {"color": {"brand": {"primary": {"$value": "#b3000c"}, "accent": {"$value": "#ffcc00"}}}}
    merged = deep_merge(base, layer)
    assert merged["color"]["brand"] == {"primary": {"$value": "#b3000c"}, "accent": {"$value": "#ffcc00"}}
    assert merged["color"]["blue"] == {"$value": "#0066cc"}
    assert base["color"]["brand"]["primary"]["$value"] == "{color.blue}"  # inputs untouched
