"""``zhongtai theme``: a business's theme as CSS, resolved JSON, a contrast report or a preview page.

Thin commands over :mod:`.service`, :mod:`.css` and :mod:`.preview`; heavy
modules are imported inside the commands so ``zhongtai --help`` stays fast.
Files given with ``-o`` are written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from zhongtai.core.cli.output import echo
from zhongtai.core.cli.state import CliState, pass_state
from zhongtai.core.documents import write_text
from zhongtai.core.errors import UserError

if TYPE_CHECKING:
    from zhongtai.plugins.theming.service import BusinessTheme

F = Callable[..., Any]


def _business(function: F) -> F:
    return click.option("--business", "-b", required=True, metavar="CODE",
                        help="The business whose theme to produce, e.g. edu.k12.")(function)


def _output(function: F) -> F:
    return click.option("--output", "-o", default="-", show_default=True, metavar="FILE",
                        type=click.Path(dir_okay=False, allow_dash=True),
                        help="Write to FILE (whole or not at all) instead of stdout.")(function)


def _write(output: str, text: str) -> None:
    if output == "-":
        echo(text, nl=False)
        return
    try:
        write_text(output, text)  # whole or not at all; never replaces a device such as /dev/null
    except UserError as exc:
        raise click.FileError(output, hint=exc.message.removeprefix(f"{output}: ")) from None


def _theme_of(state: CliState, business: str, *, enforce_contrast: bool = True) -> BusinessTheme:
    from zhongtai.plugins.theming.service import business_theme

    return business_theme(state.platform, business, enforce_contrast=enforce_contrast)


@click.group("theme")
def theme() -> None:
    """Business themes: CSS custom properties, resolved JSON, contrast, an H5 preview.

    \b
    Examples:
      zhongtai theme css --business edu.k12 -o theme.css
      zhongtai theme json --business edu.k12 --flat
      zhongtai theme preview --business edu.k12 -o page.html
    """


@theme.command("css")
@_business
@_output
@pass_state
def css(state: CliState, business: str, output: str) -> None:
    """The theme as CSS custom properties (:root { --color-brand-primary: ...; }).

    \b
    Example:
      zhongtai theme css --business edu.k12 -o theme.css
    """
    from zhongtai.plugins.theming.css import render_css

    _write(output, render_css(_theme_of(state, business).theme))


@theme.command("json")
@_business
@_output
@click.option("--flat", is_flag=True, help="Token path -> CSS value, instead of a resolved DTCG document.")
@pass_state
def json_(state: CliState, business: str, output: str, flat: bool) -> None:
    """The resolved theme as JSON: every alias followed, every $type explicit.

    \b
    Example:
      zhongtai theme json --business edu.k12 --flat
    """
    import json

    resolved = _theme_of(state, business).theme
    document = {t.path: t.css_text() for t in resolved} if flat else resolved.to_json()
    _write(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@theme.command("contrast")
@_business
@pass_state
def contrast(state: CliState, business: str) -> None:
    """Every text/background pair of the theme with its WCAG 2 contrast ratio.

    \b
    Example:
      zhongtai theme contrast --business mall.flagship
    """
    themed = _theme_of(state, business, enforce_contrast=False)
    for result in themed.contrast:
        echo(("PASS " if result.passed else "FAIL ") + result.describe())
    if not all(r.passed for r in themed.contrast):
        if not themed.low_contrast_allowed:
            raise click.ClickException("the theme fails WCAG 2 AA contrast (allow_low_contrast is not set)")
        echo("low contrast is allowed for this business (allow_low_contrast)")


@theme.command("preview")
@_business
@_output
@pass_state
def preview(state: CliState, business: str, output: str) -> None:
    """A sample H5 page (header, product card, price, buttons, form) in the theme.

    \b
    Example:
      zhongtai theme preview --business edu.k12 -o page.html
    """
    from zhongtai.plugins.theming.preview import render_preview

    _write(output, render_preview(_theme_of(state, business)))
