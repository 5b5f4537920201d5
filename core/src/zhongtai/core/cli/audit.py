"""``zhongtai audit``: the registry's change log."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo_json, echo_table, json_option
from zhongtai.core.cli.params import BoundedInt
from zhongtai.core.cli.state import state

#: The most audit rows one ``zhongtai audit`` prints.
MAX_AUDIT_ROWS = 100_000


def _change(before: object, after: object) -> str:
    import json

    def show(value: object) -> str:
        return "-" if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)

    text = f"{show(before)} -> {show(after)}"
    return text if len(text) <= 80 else text[:77] + "..."


@click.command()
@click.option("--business", "-b", metavar="CODE", help="Only changes of this business and its descendants.")
@click.option("--since", metavar="T", help="Only changes since T: an ISO date/time or an age (30m, 2h, 7d).")
@click.option("--limit", "-n", type=BoundedInt(1, MAX_AUDIT_ROWS), default=50, show_default=True,
              help=f"At most this many changes (newest first; 1 to {MAX_AUDIT_ROWS:,}).")
@json_option
def audit(business: str | None, since: str | None, limit: int, as_json: bool) -> None:
    """Show the change log: who changed what, when, at which revision (newest first).

    Secret config values are masked in the log itself.

    \b
    Example:
      zhongtai audit --business edu.k12 --since 7d
      zhongtai audit --since 2024-05-01 --limit 200 --json
    """
    from zhongtai.core.views import audit_rows, parse_since

    rows = audit_rows(state().platform, business, parse_since(since) if since else None, limit)
    if as_json:
        echo_json(rows)
        return
    echo_table(["rev", "at", "actor", "action", "business", "plugin", "change"],
               [[r["revision"], r["at"], r["actor"], r["action"], r["business"] or "-", r["plugin"] or "-",
                 _change(r["before"], r["after"])] for r in rows],
               empty=f"No changes recorded in {state().registry_label()}.")
