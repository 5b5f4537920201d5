"""The admin console (管理控制台): server-rendered pages the gateway serves under ``/console``.

:func:`mount` is the hook the gateway's ``create_app`` calls; the console is a
Starlette app of its own (:func:`zhongtai.gateway.console.app.create_console`)
with its own login (an API token of scope ``manage`` or ``admin`` exchanged for
a session cookie), so it shares no state with the API pipeline beyond the
Platform.  See docs/console.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import Mount

    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.console.settings import ConsoleSettings

PATH = "/console"


def mount(platform: Platform, settings: ConsoleSettings | None = None) -> Mount:
    """The console as a route of the gateway's app, at :data:`PATH`."""
    from starlette.routing import Mount

    from zhongtai.gateway.console.app import create_console

    return Mount(PATH, app=create_console(platform, settings), name="console")
