"""A sample H5 page -- header, product card, price, buttons, form -- in a business's theme.

Rendered with jinja2 (autoescape on, undefined variables are errors).  The
theme's CSS is inlined as a ``<style>`` element, which is safe because
:mod:`.css` never emits ``<``.  A small script on the page records the computed
colours and boxes of its primary and secondary buttons and of the price as
``data-*`` attributes of ``<body>``, so a headless browser can read back what
it really painted.
"""

from __future__ import annotations

import functools

import jinja2
import markupsafe

from zhongtai.plugins.theming.css import render_css
from zhongtai.plugins.theming.errors import ThemeError
from zhongtai.plugins.theming.service import BusinessTheme

TEMPLATE = "preview.html.j2"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("zhongtai.plugins.theming", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_preview(themed: BusinessTheme) -> str:
    """The preview page of *themed* as one self-contained HTML document."""
    css = render_css(themed.theme)
    if "<" in css:  # css.py guarantees this never happens; never inline markup into <style>
        raise ThemeError("the theme's CSS contains '<' and cannot be inlined")
    template = _environment().get_template(TEMPLATE)
    return template.render(css=markupsafe.Markup(css), name=themed.name, code=themed.business)
