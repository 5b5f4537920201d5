"""A theme as CSS custom properties: ``:root { --color-brand-primary: #0066cc; ... }``.

A token's property name is ``--`` and its path joined with ``-``
(``color.brand.primary`` -> ``--color-brand-primary``; a group's ``$root``
token takes the group's name).  Characters that cannot stand in an identifier
are escaped; values are the typed CSS text of :mod:`.values`, strings quoted and
escaped.  Two tokens that would get the same name are an error naming both.
The output never contains ``<``, so it can be inlined in a ``<style>`` element.
"""

from __future__ import annotations

from zhongtai.plugins.theming.csstext import escape_ident
from zhongtai.plugins.theming.errors import ThemeError
from zhongtai.plugins.theming.tokens import ROOT_TOKEN, Theme


def property_name(path: str) -> str:
    """The custom property name of the token at *path*."""
    return "--" + "-".join(escape_ident(part) for part in path.split(".") if part != ROOT_TOKEN)


def custom_properties(theme: Theme) -> dict[str, str]:
    """Property name -> CSS value for every token of *theme*, in theme order."""
    properties: dict[str, str] = {}
    owners: dict[str, str] = {}
    for token in theme:
        name = property_name(token.path)
        if name in owners:
            raise ThemeError(f"tokens {owners[name]} and {token.path} would both be the CSS property {name}")
        owners[name] = token.path
        properties[name] = token.css_text()
    return properties


def render_css(theme: Theme) -> str:
    """A ``:root`` rule declaring every token of *theme* as a custom property."""
    lines = [f"  {name}: {value};" for name, value in custom_properties(theme).items()]
    return ":root {\n" + "\n".join(lines) + ("\n" if lines else "") + "}\n"
