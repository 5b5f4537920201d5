"""``zhongtai new-plugin``: generate a complete, installable plugin package.

:mod:`.generate` (names, rendering, atomic writing), :mod:`.signature`
(hookspec signatures as source), :mod:`.cli` (the click command, contributed to
the ``zhongtai`` CLI through the ``zhongtai.cli`` entry-point group), and the
jinja2 templates in ``templates/``.
"""
