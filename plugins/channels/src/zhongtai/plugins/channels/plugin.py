"""The ``channels.rules`` plugin: each business level's rules decide ``channels.authorize``.

Enable it with a :class:`~zhongtai.plugins.channels.rules.RulesConfig` at any
level of the business tree; the kernel calls it once per level with that
level's own rules and combines every answer deny-overrides.
"""

from __future__ import annotations

from zhongtai.plugins.channels.rules import RulesConfig
from zhongtai.sdk import AccessRequest, Decision, PluginContext, hookimpl


@hookimpl
def channels_authorize(request: AccessRequest, context: PluginContext) -> Decision | None:
    """This level's decision; ``None`` when none of its rules applies."""
    config = context.config if context.config is not None else RulesConfig()
    assert isinstance(config, RulesConfig)
    return config.decide(request)
