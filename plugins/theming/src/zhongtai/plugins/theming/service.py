"""The theme of a business: its ``theming.tokens`` layers merged, resolved and checked.

This is what ``zhongtai theme css|json|preview`` and embedding applications
use.  The merged theme is checked again here, because enabling a layer could
only check it against the base theme: the contrast pairs are those of every
``theming.overrides`` layer in effect (the base theme's pairs when there is
none), and low contrast is accepted only when one of those layers says
``allow_low_contrast``.  A theme that fails is refused with the failing pairs
and their ratios -- a page never gets a theme that was not checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from zhongtai.plugins.theming.base import BASE_CONTRAST_PAIRS
from zhongtai.plugins.theming.contrast import ContrastPair, ContrastResult, check_pairs, refuse_failures
from zhongtai.plugins.theming.errors import NoThemeError, ThemeError
from zhongtai.plugins.theming.overrides import ALLOW_HINT, OverridesConfig
from zhongtai.plugins.theming.tokens import Theme, resolve

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

POINT = "theming.tokens"


@attrs.frozen
class BusinessTheme:
    """A business's resolved theme, the contrast of its pairs, and the layers it came from."""

    business: str
    name: str
    theme: Theme
    contrast: tuple[ContrastResult, ...]
    low_contrast_allowed: bool
    layers: tuple[str, ...]  # "plugin@level" of every contributing layer, root -> leaf


def _contrast_policy(configs: list[OverridesConfig]) -> tuple[tuple[ContrastPair, ...], bool]:
    if not configs:
        return BASE_CONTRAST_PAIRS, False
    pairs = tuple(dict.fromkeys(pair for config in configs for pair in config.contrast_pairs))
    return pairs, any(config.allow_low_contrast for config in configs)


def business_theme(platform: Platform, code: str, *, enforce_contrast: bool = True) -> BusinessTheme:
    """Merge, resolve and check the theme of business *code*.

    Raises ``NotFound`` for an unknown business, :class:`NoThemeError` when no
    theming plugin is enabled for it, and a :class:`ThemeError` (the failing
    pairs with their ratios, or the broken token) when its theme is not usable.
    With ``enforce_contrast=False`` failing pairs are only reported in
    ``contrast`` (for showing them all); the tokens must still resolve.
    """
    view = platform.business(code)
    result = view.explain(POINT)
    if result.value is None:
        raise NoThemeError(
            f"business {code} has no theme: enable theming.base at its root business "
            f"(zhongtai plugins enable theming.base --business ROOT)"
        )
    layers = tuple(f"{s.plugin}@{s.level}" for s in result.trace if s.outcome == "contributed")
    try:
        theme = resolve(result.value)
    except ThemeError as exc:
        raise exc.prefixed(f"the theme of business {code} is invalid: ") from None
    configs = [e.context.config for e in view.plan(POINT).entries if isinstance(e.context.config, OverridesConfig)]
    pairs, allowed = _contrast_policy(configs)
    results = check_pairs(theme, pairs)
    if enforce_contrast and not allowed:
        refuse_failures(results, subject=f"the theme of business {code}", remedy=ALLOW_HINT)
    name = platform.snapshot.businesses[code].name or code
    return BusinessTheme(code, name, theme, results, allowed, layers)
