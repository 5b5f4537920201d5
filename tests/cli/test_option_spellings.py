"""One spelling for the same option everywhere (issue 19, item 11): ``--business`` is also ``-b``."""

from __future__ import annotations

import click

from tests.helpers.cli_tree import all_commands


def test_every_business_option_is_also_spelled_b() -> None:
    missing = [path for path, command in all_commands() for param in command.params
               if isinstance(param, click.Option) and "--business" in param.opts and "-b" not in param.opts]
    assert missing == []


def test_no_command_uses_b_for_anything_but_business() -> None:
    misused = [path for path, command in all_commands() for param in command.params
               if isinstance(param, click.Option) and "-b" in param.opts and "--business" not in param.opts]
    assert misused == []
