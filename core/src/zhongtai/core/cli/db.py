"""``zhongtai db``: the registry's schema -- upgrade it, show where it stands, list the migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Registry


def _registry() -> Registry:
    """The registry of ``--database-url``, never created implicitly (only ``upgrade`` creates)."""
    from zhongtai.core.registry.store import Registry

    return Registry(state().database_url, create=False)


@click.group()
def db() -> None:
    """Create and upgrade the registry's schema (alembic migrations of zhongtai and its packages).

    \b
    Example:
      zhongtai db current
      zhongtai db upgrade
    """


@db.command()
@click.option("--to", "target", default="heads", show_default=True, metavar="REVISION",
              help="Upgrade only this far (a revision id, or BRANCH@head).")
def upgrade(target: str) -> None:
    """Create the registry, or upgrade it in place to what this installation needs.

    Runs every pending migration of zhongtai and of the installed packages in one
    transaction: it either completes or changes nothing.  Safe to run while
    services are up; run it before starting services of a newer version.

    \b
    Example:
      zhongtai db upgrade
    """
    registry = _registry()
    try:
        result = registry.upgrade(target)
    finally:
        registry.close()
    after = ", ".join(result.after) or "(empty)"
    if not result.changed:
        echo(f"The registry at {registry.where} is already at {after}.")
    elif result.before.state == "empty":
        echo(f"Created the registry at {registry.where} ({after}).")
    else:
        before = ", ".join(result.before.current) or "zhongtai 0.1 (before migrations)"
        echo(f"Upgraded the registry at {registry.where} from {before} to {after}.")


@db.command()
@json_option
def current(as_json: bool) -> None:
    """Show the registry's schema revision and whether this installation can use it.

    Exits with status 1 when the registry must be upgraded or is newer than this
    zhongtai (so it can gate a deployment).

    \b
    Example:
      zhongtai db current --json
    """
    registry = _registry()
    try:
        status = registry.schema_status()
    finally:
        registry.close()
    if as_json:
        echo_json({"state": status.state, "current": list(status.current), "heads": list(status.heads),
                   "unknown": list(status.unknown)})
    else:
        echo(f"registry:  {registry.where}")
        echo(f"revision:  {', '.join(status.current) or '(none)'}")
        echo(f"installed: {', '.join(status.heads)}")
        echo(f"state:     {status.state}")
    if not status.usable:
        raise click.ClickException(status.problem(registry.where))


@db.command()
@json_option
def history(as_json: bool) -> None:
    """List the installed migrations, newest first.

    \b
    Example:
      zhongtai db history
    """
    from zhongtai.core.registry import migrate

    revisions = migrate.history()
    if as_json:
        echo_json([{"revision": r.revision, "down_revisions": list(r.down_revisions), "branches": list(r.branches),
                    "message": r.message, "head": r.is_head} for r in revisions])
        return
    echo_table(["revision", "down", "branch", "head", "message"],
               [[r.revision, ", ".join(r.down_revisions) or "-", ", ".join(r.branches) or "-",
                 "yes" if r.is_head else "", r.message] for r in revisions])
