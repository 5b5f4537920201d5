"""The DTCG token types: validating a resolved ``$value`` and writing it as CSS text.

:func:`css_text` is the single place that knows each type's value shape; it
raises ``ValueError`` for a value its type does not allow, so validating a
value and rendering it can never disagree.  Every string it returns is built
from checked parts (numbers, known keywords and units, escaped strings), so it
is safe as a CSS custom property value.

Composite values (``border``, ``shadow``, ...) arrive with their aliases
already followed: each sub-value is a plain value of its own type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from zhongtai.plugins.theming.colors import parse_color
from zhongtai.plugins.theming.csstext import number_text, quote_string

_DIMENSION_UNITS = ("px", "rem")
#: Units accepted in the string notation of earlier drafts (``"16px"``).
_LEGACY_DIMENSION = re.compile(r"-?(\d+(\.\d+)?|\.\d+)(px|rem|em|%|vw|vh|pt)")
_LEGACY_DURATION = re.compile(r"(\d+(\.\d+)?|\.\d+)(ms|s)")

_FONT_WEIGHTS: Mapping[str, int] = {
    "thin": 100, "hairline": 100,
    "extra-light": 200, "ultra-light": 200,
    "light": 300,
    "normal": 400, "regular": 400, "book": 400,
    "medium": 500,
    "semi-bold": 600, "demi-bold": 600,
    "bold": 700,
    "extra-bold": 800, "ultra-bold": 800,
    "black": 900, "heavy": 900,
    "extra-black": 950, "ultra-black": 950,
}
_GENERIC_FAMILIES = frozenset({
    "serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif",
    "ui-sans-serif", "ui-monospace", "ui-rounded", "emoji", "math", "fangsong",
})
_STROKE_STYLES = frozenset({"solid", "dashed", "dotted", "double", "groove", "ridge", "outset", "inset"})


def _mapping(value: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"a {what} value must be an object with {', '.join(required)}, got {value!r}")
    missing = [k for k in required if k not in value]
    if missing:
        raise ValueError(f"a {what} value needs {missing[0]!r}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise ValueError(f"a {what} value has unknown property {unknown[0]!r}")
    return value


def _number(value: Any) -> str:
    return number_text(value)


def _color(value: Any) -> str:
    return parse_color(value).css()


def _dimension(value: Any) -> str:
    if isinstance(value, str):
        if not _LEGACY_DIMENSION.fullmatch(value):
            raise ValueError(f"{value!r} is not a dimension (expected {{\"value\": 16, \"unit\": \"px\"}})")
        return value
    value = _mapping(value, "dimension", ("value", "unit"))
    if value["unit"] not in _DIMENSION_UNITS:
        raise ValueError(f"a dimension unit must be px or rem, got {value['unit']!r}")
    return number_text(value["value"]) + str(value["unit"])


def _duration(value: Any) -> str:
    if isinstance(value, str):
        if not _LEGACY_DURATION.fullmatch(value):
            raise ValueError(f"{value!r} is not a duration (expected {{\"value\": 150, \"unit\": \"ms\"}})")
        return value
    value = _mapping(value, "duration", ("value", "unit"))
    if value["unit"] not in ("ms", "s"):
        raise ValueError(f"a duration unit must be ms or s, got {value['unit']!r}")
    text = number_text(value["value"])
    if text.startswith("-"):
        raise ValueError("a duration cannot be negative")
    return text + str(value["unit"])


def _font_family(value: Any) -> str:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"a fontFamily value must be a name or a list of names, got {value!r}")
    return ", ".join(n if n in _GENERIC_FAMILIES else quote_string(n) for n in names)


def _font_weight(value: Any) -> str:
    if isinstance(value, str):
        if value not in _FONT_WEIGHTS:
            raise ValueError(f"unknown fontWeight keyword {value!r} (known: {', '.join(_FONT_WEIGHTS)})")
        return str(_FONT_WEIGHTS[value])
    text = number_text(value)
    if not 1 <= value <= 1000:
        raise ValueError(f"a fontWeight must lie in 1..1000, got {value!r}")
    return text


def _cubic_bezier(value: Any) -> str:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError(f"a cubicBezier value must be a list of four numbers, got {value!r}")
    texts = [number_text(v) for v in value]
    if not (0 <= value[0] <= 1 and 0 <= value[2] <= 1):
        raise ValueError(f"cubicBezier x coordinates must lie in 0..1, got {value!r}")
    return f"cubic-bezier({', '.join(texts)})"


def _stroke_style(value: Any) -> str:
    if isinstance(value, str):
        if value not in _STROKE_STYLES:
            raise ValueError(f"unknown strokeStyle {value!r} (known: {', '.join(sorted(_STROKE_STYLES))})")
        return value
    value = _mapping(value, "strokeStyle", ("dashArray", "lineCap"))
    if not isinstance(value["dashArray"], list) or not value["dashArray"]:
        raise ValueError("a strokeStyle dashArray must be a non-empty list of dimensions")
    for dash in value["dashArray"]:
        _dimension(dash)
    if value["lineCap"] not in ("round", "butt", "square"):
        raise ValueError(f"a strokeStyle lineCap must be round, butt or square, got {value['lineCap']!r}")
    return "dashed"  # CSS borders cannot express a dash pattern; the closest keyword


def _border(value: Any) -> str:
    value = _mapping(value, "border", ("color", "width", "style"))
    return f"{_dimension(value['width'])} {_stroke_style(value['style'])} {_color(value['color'])}"


def _transition(value: Any) -> str:
    value = _mapping(value, "transition", ("duration", "delay", "timingFunction"))
    return f"{_duration(value['duration'])} {_cubic_bezier(value['timingFunction'])} {_duration(value['delay'])}"


def _one_shadow(value: Any) -> str:
    value = _mapping(value, "shadow", ("color", "offsetX", "offsetY", "blur", "spread"), ("inset",))
    inset = value.get("inset", False)
    if not isinstance(inset, bool):
        raise ValueError(f"a shadow's inset must be true or false, got {inset!r}")
    parts = [_dimension(value[k]) for k in ("offsetX", "offsetY", "blur", "spread")]
    return ("inset " if inset else "") + " ".join(parts) + " " + _color(value["color"])


def _shadow(value: Any) -> str:
    layers = value if isinstance(value, list) else [value]
    if not layers:
        raise ValueError("a shadow list must not be empty")
    return ", ".join(_one_shadow(layer) for layer in layers)


def _gradient(value: Any) -> str:
    if not isinstance(value, list) or not value:
        raise ValueError(f"a gradient value must be a non-empty list of stops, got {value!r}")
    stops = []
    for stop in value:
        stop = _mapping(stop, "gradient stop", ("color", "position"))
        position = stop["position"]
        number_text(position)
        stops.append(f"{_color(stop['color'])} {number_text(min(1, max(0, position)) * 100)}%")
    return ", ".join(stops)


def _typography(value: Any) -> str:
    value = _mapping(value, "typography", ("fontFamily", "fontSize", "fontWeight", "letterSpacing", "lineHeight"))
    _dimension(value["letterSpacing"])
    return (f"{_font_weight(value['fontWeight'])} {_dimension(value['fontSize'])}/"
            f"{number_text(value['lineHeight'])} {_font_family(value['fontFamily'])}")


#: Every DTCG type and the function writing its value as CSS text.
TYPES: Mapping[str, Callable[[Any], str]] = {
    "color": _color,
    "dimension": _dimension,
    "fontFamily": _font_family,
    "fontWeight": _font_weight,
    "duration": _duration,
    "cubicBezier": _cubic_bezier,
    "number": _number,
    "strokeStyle": _stroke_style,
    "border": _border,
    "transition": _transition,
    "shadow": _shadow,
    "gradient": _gradient,
    "typography": _typography,
}


def css_text(token_type: str, value: Any) -> str:
    """The CSS text of a resolved *value* of *token_type*; ``ValueError`` if the value is not of that type."""
    writer = TYPES.get(token_type)
    if writer is None:
        raise ValueError(f"unknown $type {token_type!r} (known: {', '.join(TYPES)})")
    try:
        return writer(value)
    except ValueError:
        raise
    except (TypeError, KeyError) as exc:  # a malformed composite: say so as a value error
        raise ValueError(f"not a valid {token_type} value: {value!r}") from exc


def check(token_type: str, value: Any) -> None:
    """Raise ``ValueError`` unless *value* is a valid resolved value of *token_type*."""
    css_text(token_type, value)
