"""Plugin ``mall-flagship.brand-theme``: the flagship store's brand layer, from its brand colour (``theming.tokens``).

The store's designers give one brand colour; the layer derives the rest so
the shared H5 pages stay readable::

    primary        = "#b3000c"   # required: header, primary buttons, focus ring
    on_primary     = ""          # text on the brand colour; "" picks white or ink, whichever reads better
    price          = ""          # price colour; "" keeps the platform's
    pressed_shade  = 15          # primary-pressed is the brand colour with this % of black

Contract: the config is refused at enable time (nothing written) when a colour
is not ``#rrggbb``, or when text on the brand colour, or the brand colour on
the page surface (white, the platform's: links and secondary buttons are
drawn in the brand colour), would miss WCAG 2 AA (4.5:1).  The layer holds
only ``color.brand.*`` and ``color.price``; every call returns a fresh mapping.
"""

from __future__ import annotations

from typing import Any

import attrs

from mall_flagship.colour import contrast, is_hex, readable_on, shade
from zhongtai.sdk import PluginContext, implements, setting, specs

#: WCAG 2 AA for body text.
AA = 4.5
#: The platform's page surface and text ink, which this layer does not change.
SURFACE = "#ffffff"
INK = "#1f2329"


def _colour(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value and not is_hex(value):
        raise ValueError(f"{attribute.name} must be a #rrggbb colour, got {value!r}")


def _required_colour(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValueError(f"{attribute.name} is required (the brand colour, #rrggbb)")
    _colour(instance, attribute, value)


@attrs.frozen
class BrandThemeConfig:
    """The brand colours; see the module docstring for what is derived and checked."""

    primary: str = setting(help="the brand colour, #rrggbb", validator=_required_colour)
    on_primary: str = setting("", help="text on the brand colour (default: white or ink, the more readable)",
                              validator=_colour)
    price: str = setting("", help="price colour (default: the platform's)", validator=_colour)
    pressed_shade: int = setting(15, help="% of black mixed into the brand colour when pressed",
                                 validator=[attrs.validators.ge(0), attrs.validators.le(60)])

    def __attrs_post_init__(self) -> None:
        for text, background, what in ((self.text_on_primary, self.primary, "text on the brand colour"),
                                       (self.primary, SURFACE, "the brand colour on the page surface")):
            ratio = contrast(text, background)
            if ratio < AA:
                raise ValueError(f"{what} ({text} on {background}) has contrast {ratio:.2f}:1, "
                                 f"below WCAG 2 AA {AA}:1")

    @property
    def text_on_primary(self) -> str:
        return self.on_primary or readable_on(self.primary, (SURFACE, INK))


def brand_layer(config: BrandThemeConfig) -> dict[str, Any]:
    """The DTCG layer for *config* (a fresh mapping)."""
    colour: dict[str, Any] = {
        "brand": {
            "primary": {"$value": config.primary, "$description": "Flagship brand colour"},
            "primary-pressed": {"$value": shade(config.primary, config.pressed_shade)},
            "on-primary": {"$value": config.text_on_primary},
        },
    }
    if config.price:
        colour["price"] = {"$value": config.price}
    return {"color": colour}


@implements(specs.theming_tokens)
def brand_tokens(context: PluginContext) -> dict[str, Any] | None:
    """This level's brand layer."""
    config: BrandThemeConfig = context.config
    return brand_layer(config)
