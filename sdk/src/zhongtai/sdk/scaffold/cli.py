"""``zhongtai new-plugin``: the click command (entry point group ``zhongtai.cli``).

Thin on purpose: :mod:`zhongtai.sdk.scaffold.generate` does the work and is
imported only when the command runs, so ``zhongtai --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from zhongtai.core.cli.output import echo


@click.command("new-plugin")
@click.argument("name")
@click.option("--business", "-b", metavar="CODE", required=True,
              help="The business the plugin is for, e.g. edu.k12 (its tests enable it there).")
@click.option("--extension-point", "-e", "extension_points", metavar="EP", multiple=True,
              help="An extension point to implement (repeatable, or comma-separated); see `zhongtai capabilities`.")
@click.option("--output", "-o", metavar="DIR", type=click.Path(path_type=Path),
              help="Directory to create (default: ./<team>-<name>); must not exist or be empty.")
@click.option("--owner", metavar="TEAM", help="Owning team for the manifest (default: <team>-team).")
@click.option("--title", metavar="TEXT", help="One-line title for the manifest and README.")
def new_plugin(name: str, business: str, extension_points: tuple[str, ...], output: Path | None,
               owner: str | None, title: str | None) -> None:
    """Write a new plugin package NAME for a business: ready to test, install and enable.

    The package has a pyproject.toml with the plugin's entry point, the
    zhongtai_plugins.toml manifest, a config class, one typed hookimpl stub per
    extension point, pytest tests that pass as generated, example inputs and a
    README.  The plugin is called <team>.NAME, where <team> is the business
    code with dots turned into dashes.

    \b
    Example:
      zhongtai new-plugin vip-discount --business edu.k12 --extension-point pricing.adjust
      cd edu-k12-vip-discount && pytest
    """
    from zhongtai.sdk.scaffold.generate import plan, render, write

    planned = plan(name, business, extension_points, output=output, owner=owner, title=title)
    files = render(planned)
    write(files, planned.directory)
    shown = planned.directory.relative_to(Path.cwd()) if planned.directory.is_relative_to(Path.cwd()) \
        else planned.directory
    points = ", ".join(p.name for p in planned.extension_points)
    echo(f"Created {shown}/ with the plugin {planned.plugin} ({points}):")
    for relative in sorted(files):
        echo(f"  {relative}")
    echo("")
    echo("Next:")
    echo(f"  cd {shown}")
    echo("  pytest                          # the generated tests pass; make them say what the plugin does")
    echo("  pip install -e '.[test]'        # so that the platform finds the plugin")
    echo(f"  zhongtai plugins enable {planned.plugin} --business {planned.business}")
