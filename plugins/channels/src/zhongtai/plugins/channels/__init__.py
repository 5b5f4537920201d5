"""zhongtai channel permissions: the ``channels.rules`` plugin and ``zhongtai channels``.

Modules: :mod:`.conditions` (the small condition language), :mod:`.rules`
(rules and their per-level decision), :mod:`.plugin` (the hookimpl),
:mod:`.matrix` (the channel x action grid, computed through the kernel),
:mod:`.cli` (the ``zhongtai channels`` commands).  Kept import-light.
"""

#: The name of this package's plugin (its entry point).
PLUGIN = "channels.rules"
