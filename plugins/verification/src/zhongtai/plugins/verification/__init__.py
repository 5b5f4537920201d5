"""zhongtai-verification: verification components, flows and sessions.

Kept import-light: the plugin modules (``standard``, ``fake``), the session
service (``service``) and the CLI (``cli``) are imported only when used.
"""

from __future__ import annotations
