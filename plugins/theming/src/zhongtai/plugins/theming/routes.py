"""The theming package's gateway route: ``GET /v1/theme.css`` (``zhongtai.gateway.routes``).

The request's business's theme as CSS custom properties, cacheable: the ETag is
the registry revision the theme was built at (any change may alter a theme, so
any change moves it), ``Cache-Control: private, max-age=60``, and a matching
``If-None-Match`` is answered 304 without a body.
"""

from __future__ import annotations

from typing import Any

CACHE_CONTROL = "private, max-age=60"


def _css(call: Any) -> Any:
    from zhongtai.gateway.operations import Reply
    from zhongtai.plugins.theming.css import render_css
    from zhongtai.plugins.theming.service import business_theme

    revision = call.platform.snapshot.revision
    etag = f'"{call.business}@{revision}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, X-Zhongtai-Business"}
    if call.headers.get("if-none-match") in (etag, "*"):
        return Reply(b"", status=304, headers=headers, media_type="text/css")
    css = render_css(business_theme(call.platform, call.business).theme)
    return Reply(css, headers=headers, media_type="text/css; charset=utf-8")


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation

    return [Operation(
        "GET", "/v1/theme.css", "theme_css", "The business's theme as CSS custom properties", _css,
        tags=("theming",), response_media_type="text/css", conditional=True, inline=True,
        description="ETag from the registry revision; Cache-Control: private, max-age=60; 304 on If-None-Match.",
    )]
