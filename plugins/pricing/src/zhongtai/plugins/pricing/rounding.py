"""Plugin ``pricing.rounding``: a business declares how its quotes are rounded.

Its config *is* the policy, :class:`~zhongtai.core.specs.pricing.Rounding`::

    mode  = "ROUND_HALF_UP"     # any decimal rounding mode by name (ROUND_HALF_EVEN, ROUND_DOWN ...)
    scope = "line"              # "line": every line total in currency minor units at every step
                                # "order": lines kept 6 digits finer, the order total rounded once

Enabled at a business, it answers for that business and the ones below it
(config inherited as usual); without it quotes round ``ROUND_HALF_UP`` per line.
"""

from __future__ import annotations

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Rounding

__all__ = ["Rounding", "pricing_rounding"]


@hookimpl
def pricing_rounding(context: PluginContext) -> Rounding:
    """The configured policy (the config instance is a :class:`Rounding`)."""
    config = context.config
    return config if isinstance(config, Rounding) else Rounding()
