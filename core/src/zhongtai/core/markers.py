"""The pluggy markers of the ``zhongtai`` project name.

Plugin authors import :data:`hookimpl` from ``zhongtai.sdk``; the kernel's spec
modules use :data:`hookspec` through :func:`zhongtai.core.extension.extension_point`.
"""

from __future__ import annotations

import pluggy

PROJECT = "zhongtai"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
