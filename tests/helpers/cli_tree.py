"""Every command of the ``zhongtai`` CLI, the plugin packages' commands included."""

from __future__ import annotations

from collections.abc import Iterator

import click


def all_commands() -> Iterator[tuple[str, click.Command]]:
    """(command path such as ``zhongtai plugins enable``, command) for every command, depth first."""
    from zhongtai.core.cli.main import cli

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> Iterator[
            tuple[str, click.Command]]:
        ctx = click.Context(command, info_name=path[-1], parent=parent)
        yield " ".join(path), command
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, [*path, name], ctx)

    yield from walk(cli, ["zhongtai"], None)
