"""zhongtai's business gateway (业务网关): ``zhongtai serve``, or any ASGI server.

``zhongtai.gateway:app`` is the app for ``$ZHONGTAI_DATABASE_URL`` with settings
from ``ZHONGTAI_GATEWAY_*`` variables, built on first access (e.g.
``uvicorn zhongtai.gateway:app``); :func:`zhongtai.gateway.app.create_app` builds
one with explicit arguments.  See docs/gateway.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "create_app"]

_app: Any = None


def __getattr__(name: str) -> Any:
    global _app
    if name == "app":
        if _app is None:
            from zhongtai.gateway.app import create_app_from_env

            _app = create_app_from_env()
        return _app
    if name == "create_app":
        from zhongtai.gateway.app import create_app

        return create_app
    raise AttributeError(f"module 'zhongtai.gateway' has no attribute {name!r}")
