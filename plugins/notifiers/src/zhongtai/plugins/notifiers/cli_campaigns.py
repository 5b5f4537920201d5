"""``zhongtai notify campaign``: create (fan out with a progress bar), preview, pause, resume, cancel, show."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import CliState, pass_state

if TYPE_CHECKING:
    from zhongtai.plugins.notifiers.campaigns import Campaign

KINDS = ("marketing", "notification", "verification")


@click.group()
def campaign() -> None:
    """Send one template to an audience file, in batches; pause, resume, cancel; see the counts.

    \b
    Example:
      zhongtai notify campaign preview -b mall --template welcome \\
          --audience audience.csv  # not run: needs audience.csv (tests/plugins/notifiers/test_campaigns.py)
      zhongtai notify campaign create -b mall --template welcome --audience audience.csv \\
          --at 2026-12-24T10:00+08:00  # not run: needs audience.csv (tests/plugins/notifiers/test_campaigns.py)
      zhongtai notify campaign list -b mall
    """


def _show(found: Campaign) -> None:
    from zhongtai.plugins.notifiers import costs

    echo(f"{found.id}  {found.business}  {found.kind}  template {found.template}  {found.status}"
               f"{'' if found.fanned_out else '  (fan-out incomplete)'}")
    echo(f"starts {found.start_at.isoformat(timespec='minutes')}  recipients {found.audience}  "
               f"estimated cost {costs.amount_text(found.estimate)}")
    if found.counts is not None:
        c = found.counts
        echo(f"queued {c.queued}  sent {c.sent}  failed {c.failed}  deferred (quiet hours) "
                   f"{c.deferred_quiet_hours}  skipped (opt-out) {c.skipped_consent}  over budget {c.over_budget}  "
                   f"refused {c.refused}  cancelled {c.cancelled}")


def _parse_at(text: str | None) -> dt.datetime | None:
    from zhongtai.plugins.notifiers.cli import _parse_time

    return _parse_time(text, option="--at")


@campaign.command("preview")
@click.option("--business", "-b", required=True, metavar="CODE")
@click.option("--template", required=True, help="An approved template (or one of notifiers.templates).")
@click.option("--audience", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with a header (phone,email,user_id,webhook,timezone + variables) or JSON Lines.")
@click.option("--kind", type=click.Choice(KINDS), default="marketing", show_default=True)
@pass_state
def preview_command(state: CliState, business: str, template: str, audience: Path, kind: str) -> None:
    """Render and price every message of a campaign without writing anything: recipients, SMS segments, cost.

    \b
    Example:
      zhongtai notify campaign preview -b mall --template welcome \\
          --audience audience.csv  # not run: needs audience.csv (tests/plugins/notifiers/test_campaigns.py)
    """
    from zhongtai.plugins.notifiers import campaigns

    echo(campaigns.preview(state.platform, business, template=template, audience=audience, kind=kind)
               .describe())


@campaign.command("create")
@click.option("--business", "-b", required=True, metavar="CODE")
@click.option("--template", required=True, help="An approved template (or one of notifiers.templates).")
@click.option("--audience", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with a header (phone,email,user_id,webhook,timezone + variables) or JSON Lines.")
@click.option("--at", "at", help="Start time, ISO 8601 with offset (default: now).")
@click.option("--kind", type=click.Choice(KINDS), default="marketing", show_default=True)
@click.option("--name", default="", help="A name for people.")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_state
def create_command(state: CliState, business: str, template: str, audience: Path, at: str | None, kind: str,
                   name: str, batch_size: int, quiet: bool) -> None:
    """Create a campaign and fan it out into the outbox (workers send it from --at on).

    Every row is rendered and priced first (recipients, SMS segments, estimated
    cost are shown); a bad row stops it before anything is written.

    \b
    Example:
      zhongtai notify campaign create -b mall --template welcome --audience audience.csv \\
          --at 2026-12-24T10:00+08:00  # not run: needs audience.csv (tests/plugins/notifiers/test_campaigns.py)
    """
    from zhongtai.plugins.notifiers import campaigns

    start = _parse_at(at)
    total = campaigns.count_rows(audience)

    def create(progress: campaigns.Progress | None) -> Campaign:
        return campaigns.create_campaign(state.platform, business, template=template, audience=audience,
                                         start_at=start, kind=kind, name=name, actor=state.actor,
                                         batch_size=batch_size, progress=progress,
                                         on_preview=lambda p: echo(p.describe()))

    if quiet:
        created = create(None)
    else:
        with click.progressbar(length=total, label="fan-out", file=sys.stderr, show_pos=True,
                               show_percent=True) as bar:
            created = create(bar.update)
    _show(created)


@campaign.command("show")
@click.argument("campaign_id")
@json_option
@pass_state
def show_command(state: CliState, campaign_id: str, as_json: bool) -> None:
    """One campaign with its counts.

    \b
    Example:
      zhongtai notify campaign show cmp_0123abcd --json   # error: no campaign
    """
    from zhongtai.core.jsonio import to_json
    from zhongtai.plugins.notifiers import campaigns

    found = campaigns.campaign(state.platform, campaign_id)
    if as_json:
        echo_json(to_json(found))
        return
    _show(found)


@campaign.command("list")
@click.option("--business", "-b", metavar="CODE")
@pass_state
def list_command(state: CliState, business: str | None) -> None:
    """Recent campaigns.

    \b
    Example:
      zhongtai notify campaign list -b mall
    """
    from zhongtai.plugins.notifiers import campaigns

    echo_table(["id", "business", "template", "status", "starts", "recipients"],
               [[c.id, c.business, c.template, c.status, c.start_at.isoformat(timespec="minutes"), c.audience]
                for c in campaigns.campaigns(state.platform, business=business)], empty="No campaigns.")


def _transition(name: str, doc: str) -> click.Command:
    @click.argument("campaign_id")
    @pass_state
    def command(state: CliState, campaign_id: str) -> None:
        from zhongtai.plugins.notifiers import campaigns

        changed = getattr(campaigns, name)(state.platform, campaign_id, actor=state.actor)
        _show(changed)

    command.__doc__ = (f"{doc}\n\n    \\b\n    Example:\n"
                       f"      zhongtai notify campaign {name} cmp_0123abcd   # error: no campaign\n    ")
    return campaign.command(name)(command)


_transition("pause", "Pause a campaign: its waiting messages stay until resumed.")
_transition("resume", "Resume a paused campaign.")
_transition("cancel", "Cancel a campaign: messages not yet sent are cancelled.")
