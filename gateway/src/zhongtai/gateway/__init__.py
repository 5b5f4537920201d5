"""zhongtai's business gateway (业务网关): ``zhongtai serve``, or any ASGI server.

``zhongtai.gateway:app`` is the app for ``$ZHONGTAI_DATABASE_URL`` with settings
from ``ZHONGTAI_GATEWAY_*`` variables, built on first access (e.g.
``uvicorn zhongtai.gateway:app``); :func:`zhongtai.gateway.app.create_app` builds
one with explicit arguments.  See docs/gateway.md.

The package attribute ``app`` and the submodule ``app`` share a name: importing
the submodule would normally rebind the attribute to the module.  The package's
module class therefore makes ``app`` a property that always answers the ASGI
app; the submodule stays importable as usual (``from zhongtai.gateway.app
import create_app``, ``importlib.import_module("zhongtai.gateway.app")``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["app", "create_app"]


class _GatewayPackage(types.ModuleType):
    _asgi: Any = None

    @property
    def app(self) -> Any:
        """The ASGI app from the environment (built once, on first access)."""
        if _GatewayPackage._asgi is None:
            from zhongtai.gateway.app import create_app_from_env

            _GatewayPackage._asgi = create_app_from_env()
        return _GatewayPackage._asgi

    @app.setter
    def app(self, value: Any) -> None:
        """The import system binds the submodule here; it remains in ``sys.modules``."""

    @property
    def create_app(self) -> Any:
        from zhongtai.gateway.app import create_app

        return create_app


sys.modules[__name__].__class__ = _GatewayPackage
