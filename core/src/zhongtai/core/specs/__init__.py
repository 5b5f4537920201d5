"""The extension points of zhongtai, one module per domain.

Read these modules like pytest's ``hookspec.py``: every hookspec's docstring is
its contract.  To add an extension point, declare it with
:func:`zhongtai.core.extension.extension_point` in its domain module.  These are
the kernel's domains; any distribution can add its own through the
``zhongtai.specs`` entry-point group (see :mod:`zhongtai.core.domains` and
docs/extension-points.md) without touching this list.
"""

from __future__ import annotations

SPEC_MODULES: tuple[str, ...] = (
    "zhongtai.core.specs.identity",
    "zhongtai.core.specs.pricing",
    "zhongtai.core.specs.theming",
    "zhongtai.core.specs.channels",
    "zhongtai.core.specs.verification",
    "zhongtai.core.specs.notifiers",
)
