"""Shell completion of plugin names and extension points (metadata only, nothing imported from plugins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported when completing, not when the command modules load for --help
    from click.shell_completion import CompletionItem


def plugin_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Installed plugins whose name starts with *incomplete*."""
    from click.shell_completion import CompletionItem

    from zhongtai.core.cli.lazy import plugin_search_path
    from zhongtai.core.discovery import discover
    from zhongtai.core.extension import API_VERSION

    return [CompletionItem(info.name, help=info.title) for info in discover(API_VERSION, plugin_search_path())
            if info.name.startswith(incomplete)]


def extension_point_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Extension points (the kernel's and installed packages') whose name starts with *incomplete*."""
    from click.shell_completion import CompletionItem

    from zhongtai.core.cli.lazy import plugin_search_path
    from zhongtai.core.domains import installed_extension_points

    points = installed_extension_points(plugin_search_path()).values()
    return [CompletionItem(p.name, help=p.summary) for p in sorted(points, key=lambda p: p.name)
            if p.name.startswith(incomplete)]
