"""``zhongtai business``: create, list, inspect, suspend and resume business identities."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import dry_run_option, echo, echo_change, echo_json, echo_table, join, json_option, warn
from zhongtai.core.cli.state import state
from zhongtai.core.terminal import safe_text


@click.group()
def business() -> None:
    """Create and inspect business identities (edu, edu.k12, ...).

    \b
    Example:
      zhongtai business create edu.adult --name "Adult learning" --owner adult-team
      zhongtai business show edu.k12
    """


@business.command()
@click.argument("code")
@click.option("--name", default="", help="Display name (default: the code).")
@click.option("--owner", default="", help="Owning team.")
@dry_run_option
@json_option
def create(code: str, name: str, owner: str, dry_run: bool, as_json: bool) -> None:
    """Create a business; its parent (edu for edu.k12) must exist.

    \b
    Example:
      zhongtai business create school --name 学校 --owner school-team
      zhongtai business create school.k12 --owner k12-team
    """
    cli = state()
    report = cli.platform.create_business(code, name=name, owner=owner, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"Created business {code}", f"would create business {code}", as_json)


@business.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List every business with its status and the plugins enabled on it.

    \b
    Example:
      zhongtai business list --json
    """
    from zhongtai.core.views import business_rows

    rows = business_rows(state().platform.snapshot)
    if as_json:
        echo_json(rows)
        return
    echo_table(["code", "name", "owner", "status", "enabled here", "disabled here"],
               [[r["code"], r["name"], r["owner"], r["status"], join(r["enabled_here"]), join(r["disabled_here"])]
                for r in rows], empty=_no_businesses())


@business.command()
@json_option
def tree(as_json: bool) -> None:
    """Show the businesses as a tree, with the plugins enabled (NAME) or disabled (-NAME) at each level.

    A level inherits every plugin it does not list; `plugins inherit NAME -b CODE`
    makes a listed one inherit again.

    \b
    Example:
      zhongtai business tree
    """
    from zhongtai.core.views import business_row, business_tree

    snapshot = state().platform.snapshot
    lines = business_tree(snapshot)
    if as_json:
        echo_json([{**business_row(snapshot, b), "depth": b.code.count(".")} for _, b in lines])
        return
    if not lines:
        echo(_no_businesses())
    disabled = False
    for prefix, b in lines:
        own = snapshot.enablements.get(b.code, {})
        marks = [p if row.enabled else f"-{p}" for p, row in sorted(own.items())]
        disabled = disabled or any(not row.enabled for row in own.values())
        status = " [suspended]" if b.status == "suspended" else ""
        plugins = f"  ({', '.join(marks)})" if marks else ""
        title = f" {b.name}" if b.name and b.name != b.code else ""
        echo(f"{prefix}{safe_text(b.code + title + status + plugins)}")
    if disabled:
        echo("\n-NAME: disabled at that level and below (its config there kept); "
             "`zhongtai plugins inherit NAME -b CODE` makes the level inherit it again.")


@business.command()
@click.argument("code")
@json_option
def show(code: str, as_json: bool) -> None:
    """Show a business and, per extension point, its effective plugins in call order.

    Each plugin says where it comes from (own / inherited from X).  Plugins that
    cannot run and deprecated plugins in use are listed as warnings.

    \b
    Example:
      zhongtai business show edu.k12
    """
    from zhongtai.core.views import business_detail

    detail = business_detail(state().platform, code)
    if as_json:
        echo_json(detail)
        return
    echo(f"business:  {safe_text(detail['code'])}")
    echo(f"name:      {safe_text(detail['name'])}")
    echo(f"owner:     {safe_text(detail['owner'] or '-')}")
    status = detail["status"]
    if detail["suspended_by"] and detail["suspended_by"] != code:
        status += f" (suspended through {detail['suspended_by']})"
    elif detail["suspended_by"]:
        status = "suspended"
    echo(f"status:    {safe_text(status)}")
    echo(f"parent:    {safe_text(detail['parent'] or '-')}")
    echo("")
    rows = []
    for point in detail["extension_points"]:
        entries = point["plugins"] or [None]
        for i, entry in enumerate(entries):
            rows.append([
                point["name"] if i == 0 else "", point["policy"] if i == 0 else "",
                "-" if entry is None else str(i + 1), "-" if entry is None else entry["plugin"],
                "" if entry is None else entry["priority"], "" if entry is None else entry["origin"],
            ])
    echo_table(["extension point", "policy", "#", "plugin", "priority", "from"], rows)
    for message in detail["warnings"]:
        warn(message)


def _set_status(code: str, status: str, dry_run: bool, as_json: bool) -> None:
    cli = state()
    report = cli.platform.set_status(code, status, actor=cli.actor, dry_run=dry_run)
    done, would = ("Suspended", "suspend") if status == "suspended" else ("Resumed", "resume")
    echo_change(report, f"{done} business {code}", f"would {would} business {code}", as_json)


@business.command()
@click.argument("code")
@dry_run_option
@json_option
def suspend(code: str, dry_run: bool, as_json: bool) -> None:
    """Suspend a business: calls for it and its descendants are refused.

    \b
    Example:
      zhongtai business suspend edu.k12 --dry-run
    """
    _set_status(code, "suspended", dry_run, as_json)


@business.command()
@click.argument("code")
@dry_run_option
@json_option
def resume(code: str, dry_run: bool, as_json: bool) -> None:
    """Resume a suspended business.

    \b
    Example:
      zhongtai business suspend edu.k12
      zhongtai business resume edu.k12
    """
    _set_status(code, "active", dry_run, as_json)


def _no_businesses() -> str:
    return f"No businesses yet in {state().registry_label()}; create one with `zhongtai business create CODE`."
