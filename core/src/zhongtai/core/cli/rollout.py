"""``zhongtai rollout``: staged rollout per business -- set, stop (the kill switch), clear, show."""

from __future__ import annotations

from typing import Any

import click

from zhongtai.core.cli.completion import plugin_names
from zhongtai.core.cli.output import dry_run_option, echo, echo_change, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state

business_option = click.option("--business", "-b", "business", metavar="CODE", required=True,
                               help="The business whose enablement of the plugin carries the rollout.")


@click.group()
def rollout() -> None:
    """Staged rollout: serve a plugin to a percentage of subjects, an allow-list, a time window.

    A subject (user, device ...) is given per call (`zhongtai call --subject`,
    `view.call(..., subject=...)`, the gateway's X-Zhongtai-Subject header).
    Buckets are Unleash's: murmur3 of "{group}:{subject}", sticky per subject.

    \b
    Example:
      zhongtai rollout set edu-k12.kids-theme --business edu.k12 --percent 12.5 --allow qa-1
      zhongtai rollout stop edu-k12.kids-theme --business edu.k12
      zhongtai rollout show --business edu
    """


@rollout.command("set")
@click.argument("plugin", shell_complete=plugin_names)
@business_option
@click.option("--percent", metavar="N", help="Share of subjects served, 0 to 100 in steps of 0.01.")
@click.option("--allow", "allow", metavar="SUBJECT", multiple=True,
              help="A subject always served (repeatable; replaces the allow-list).")
@click.option("--no-allow", is_flag=True, help="Empty the allow-list.")
@click.option("--start", metavar="TIME", help="Serve nobody but the allow-list before this ISO 8601 time (UTC "
              "unless it says otherwise); '' removes it.")
@click.option("--end", metavar="TIME", help="Serve nobody but the allow-list from this ISO 8601 time on; '' "
              "removes it.")
@click.option("--group", metavar="NAME", help="Bucketing group (default BUSINESS:PLUGIN); '' restores the default.")
@click.option("--normalizer", type=click.Choice(["100", "10000"]),
              help="Buckets: 10000 (default, 0.01% steps) or 100 (Unleash's flexibleRollout buckets).")
@dry_run_option
@json_option
def set_(plugin: str, business: str, percent: str | None, allow: tuple[str, ...], no_allow: bool,
         start: str | None, end: str | None, group: str | None, normalizer: str | None, dry_run: bool,
         as_json: bool) -> None:
    """Set the rollout of PLUGIN at a business; options not given keep their value.

    The plugin must be enabled at the business itself.  Audited; running
    processes pick the change up like any other.

    \b
    Example:
      zhongtai rollout set edu-k12.kids-theme --business edu.k12 --percent 12.5
      zhongtai rollout set edu-k12.kids-theme --business edu.k12 --allow qa-1 --allow qa-2 --dry-run
    """
    from zhongtai.core.errors import UserError
    from zhongtai.core.rollouts import set_rollout

    if no_allow and allow:
        raise UserError("give either --allow or --no-allow")
    if all(v is None for v in (percent, start, end, group, normalizer)) and not allow and not no_allow:
        raise UserError("nothing to set: give --percent, --allow, --no-allow, --start, --end, --group or "
                        "--normalizer")
    cli = state()
    kwargs: dict[str, Any] = {}
    if start is not None:
        kwargs["start"] = start or None
    if end is not None:
        kwargs["end"] = end or None
    if group is not None:
        kwargs["group"] = group or None
    report = set_rollout(cli.platform, plugin, business, percent=percent,
                         allow=() if no_allow else (list(allow) if allow else None),
                         normalizer=int(normalizer) if normalizer else None, actor=cli.actor, dry_run=dry_run,
                         **kwargs)
    echo_change(report, f"Set the rollout of {plugin} at {business}",
                f"would set the rollout of {plugin} at {business}", as_json)


@rollout.command()
@click.argument("plugin", shell_complete=plugin_names)
@business_option
@dry_run_option
@json_option
def stop(plugin: str, business: str, dry_run: bool, as_json: bool) -> None:
    """Kill switch: serve PLUGIN at a business to nobody (0%, allow-list emptied).

    The audit row keeps the previous rule; `rollout set --percent N` starts again.

    \b
    Example:
      zhongtai rollout stop edu-k12.kids-theme --business edu.k12
    """
    from zhongtai.core.rollouts import stop_rollout

    cli = state()
    report = stop_rollout(cli.platform, plugin, business, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"Stopped {plugin} at {business}: 0% of subjects",
                f"would stop {plugin} at {business}", as_json)


@rollout.command()
@click.argument("plugin", shell_complete=plugin_names)
@business_option
@dry_run_option
@json_option
def clear(plugin: str, business: str, dry_run: bool, as_json: bool) -> None:
    """Remove the rollout of PLUGIN at a business: every subject is served again.

    \b
    Example:
      zhongtai rollout set edu-k12.kids-theme --business edu.k12 --percent 10
      zhongtai rollout clear edu-k12.kids-theme --business edu.k12
    """
    from zhongtai.core.rollouts import clear_rollout

    cli = state()
    report = clear_rollout(cli.platform, plugin, business, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"Removed the rollout of {plugin} at {business}",
                f"would remove the rollout of {plugin} at {business}", as_json)


@rollout.command()
@click.option("--business", "-b", metavar="CODE", help="Only rollouts at this business and below.")
@click.option("--plugin", "-p", metavar="NAME", shell_complete=plugin_names, help="Only rollouts of this plugin.")
@click.option("--subject", "-s", metavar="SUBJECT",
              help="With --business and --plugin: whether this subject is served there, and why.")
@json_option
def show(business: str | None, plugin: str | None, subject: str | None, as_json: bool) -> None:
    """Show rollouts: business, plugin, percent, allow-list, window, group.

    \b
    Example:
      zhongtai rollout show --business edu
      zhongtai rollout show --business edu.k12 --plugin edu-k12.kids-theme --subject user-42
    """
    from zhongtai.core.errors import UserError
    from zhongtai.core.rollouts import rollouts

    platform = state().platform
    if subject is not None:
        if business is None or plugin is None:
            raise UserError("--subject needs --business and --plugin")
        answer = platform.business(business).admission(plugin, subject=subject)
        if as_json:
            from zhongtai.core.jsonio import to_json

            echo_json(to_json(answer))
            return
        served = "served" if answer.enabled else "not served"
        echo(f"{plugin} at {business} for {subject}: {served} ({answer.reason}): {answer.detail}")
        return
    rows = rollouts(platform, business, plugin)
    if as_json:
        echo_json(rows)
        return
    echo_table(["business", "plugin", "percent", "allow", "window", "group"],
               [[r["business"], r["plugin"] + ("" if r["enabled"] else " (disabled)"), f"{r['percent']:g}%",
                 len(r["allow"]), f"{r['start'] or '...'} - {r['end'] or '...'}" if r["start"] or r["end"] else "-",
                 r["group"]] for r in rows],
               empty="(no rollouts)")
