"""The runtime: :class:`Platform` and per-business views with compiled call plans."""

from zhongtai.core.runtime.platform import BusinessView, CallResult, Platform

__all__ = ["BusinessView", "CallResult", "Platform"]
