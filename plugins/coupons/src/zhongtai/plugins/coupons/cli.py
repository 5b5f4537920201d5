"""``zhongtai coupons``: templates, issuing (one user or a resumable bulk job), wallets, redemption, the books.

Thin commands over the library modules, which (with SQLAlchemy) are imported
inside the commands so ``zhongtai --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import click

from zhongtai.core.cli.output import dry_run_option, echo, echo_json, echo_table, json_option
from zhongtai.core.cli.params import MAX_INT32, BoundedInt
from zhongtai.core.cli.state import CliState, pass_state

if TYPE_CHECKING:
    from zhongtai.plugins.coupons.jobs import Job
    from zhongtai.plugins.coupons.reach import Notify
    from zhongtai.plugins.coupons.templates import Template, TemplateChange

business_option = click.option("--business", "-b", required=True, metavar="CODE", help="The business.")
STATES = ("valid", "reserved", "used", "expired")


def _error(message: str) -> Exception:
    from zhongtai.core.errors import UserError

    return UserError(message)


@click.group()
def coupons() -> None:
    """Coupon templates, issuing, wallets, redemption and reconciliation.

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000
      zhongtai coupons issue -b mall --template new-user-20 --user u1 --request-id signup-u1
      zhongtai coupons wallet -b mall --user u1
      zhongtai coupons redeem 8M2KQ-0T9ZX-4HV6B-PN3RA-E -b mall --user u1 --order o-1  # error: not a coupon
      zhongtai coupons reconcile
    """


# -- templates ---------------------------------------------------------------------------------
@coupons.group()
def template() -> None:
    """Create, change, list, show and retire coupon templates (inherited down the business tree).

    \b
    Example:
      zhongtai coupons template create mj300 -b mall --kind threshold --value 30 --min-spend 300 --repeat
      zhongtai coupons template list -b mall.flagship
    """


def _template_rows(templates: list[Template]) -> list[tuple[Any, ...]]:
    return [(t.name, t.business, t.status, t.terms.describe(), t.terms.stacking_group or "-",
             t.issued, "-" if t.terms.max_issued is None else t.terms.max_issued, t.version) for t in templates]


def _echo_template_change(change: TemplateChange, as_json: bool, done: str) -> None:
    if as_json:
        echo_json({"applied": change.applied, "action": change.action, "template": change.template.as_dict(),
                   "before": change.before})
        return
    t = change.template
    verb = done if change.applied else f"would be {done} (dry run; nothing written)"
    echo(f"coupon template {t.name} at {t.business} {verb}: {t.terms.describe()} (version {t.version})")


def _terms_options(function: Any) -> Any:
    options = [
        click.option("--kind", type=click.Choice(["amount", "percent", "threshold", "free_item"]),
                     help="amount off, percent off, threshold (满减), or one free item."),
        click.option("--value", help="Amount off (in --currency), or percent off."),
        click.option("--currency", help="ISO 4217 currency of the amounts (default CNY)."),
        click.option("--min-spend", help="Spend on eligible items needed (threshold: per step)."),
        click.option("--repeat/--no-repeat", default=None, help="Threshold: value off per full min-spend (每满减)."),
        click.option("--free-sku", help="free_item: the sku given free (one unit)."),
        click.option("--valid-from", help="Start of validity (ISO 8601 with offset)."),
        click.option("--valid-until", help="End of validity, exclusive (ISO 8601 with offset)."),
        click.option("--valid-days", type=BoundedInt(0, MAX_INT32), help="Valid for N days from issue."),
        click.option("--group", "stacking_group", help="Stacking group: one coupon per group applies."),
        click.option("--max-issued", type=BoundedInt(0, MAX_INT32), help="Budget: coupons issued at most."),
        click.option("--max-value", help="Budget: total discount at most (in --currency)."),
        click.option("--per-user-limit", type=BoundedInt(0, MAX_INT32),
                     help="Coupons one user may hold (0: no limit; default 1)."),
        click.option("--sku", "skus", multiple=True, help="Only these skus (repeatable)."),
        click.option("--category", "categories", multiple=True, help="Only these categories (repeatable)."),
        click.option("--channel", "channels", multiple=True, help="Only in these channels (repeatable)."),
        click.option("--title", help="What users see."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _given(values: dict[str, Any]) -> dict[str, Any]:
    fields = ("kind", "value", "currency", "min_spend", "repeat", "free_sku", "valid_from", "valid_until",
              "valid_days", "stacking_group", "max_issued", "max_value", "per_user_limit", "skus", "categories",
              "channels", "title")
    out = {}
    for name in fields:
        value = values.get(name)
        if value is None or value == ():
            continue
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


@template.command("create")
@click.argument("name")
@business_option
@_terms_options
@click.option("--from", "document", metavar="FILE", help="Terms from a JSON/YAML file (options override it).")
@dry_run_option
@json_option
@pass_state
def template_create(state: CliState, /, name: str, business: str, document: str | None, dry_run: bool, as_json: bool,
                    **terms: Any) -> None:
    """Create coupon template NAME at a business.

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000 --per-user-limit 1 --title "New user 20 off"
      zhongtai coupons template create pen-free -b mall --kind free_item --free-sku pen --valid-days 30
    """
    from zhongtai.core.documents import read_document
    from zhongtai.plugins.coupons import templates

    data: dict[str, Any] = {}
    if document is not None:
        loaded = read_document(document, exact_numbers=True)
        if not isinstance(loaded, dict):
            raise _error(f"{document} must hold an object of template fields")
        data.update({k: str(v) if isinstance(v, Decimal) else v for k, v in loaded.items()})
    data.update(_given(terms))
    change = templates.create(state.platform, business, name, data, actor=state.actor, dry_run=dry_run)
    _echo_template_change(change, as_json, "created")


@template.command("change")
@click.argument("name")
@business_option
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", required=True,
              help="A field to change (repeatable; lists comma-separated, empty value clears).")
@click.option("--expect-version", type=BoundedInt(0, MAX_INT32),
              help="Refuse if the template is no longer at this version.")
@dry_run_option
@json_option
@pass_state
def template_change(state: CliState, name: str, business: str, pairs: tuple[str, ...], expect_version: int | None,
                    dry_run: bool, as_json: bool) -> None:
    """Change fields of a business's own template NAME.

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000
      zhongtai coupons template change new-user-20 -b mall --set max_issued=200000 --set title="New user gift"
    """
    from zhongtai.plugins.coupons import templates

    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise _error(f"--set expects FIELD=VALUE, got {pair!r}")
        key = key.strip()
        if key == "repeat":
            changes[key] = value.strip().lower() in ("1", "true", "yes")
        elif key in ("skus", "categories", "channels"):
            changes[key] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            changes[key] = value if value != "" else None
    change = templates.change(state.platform, business, name, changes, expected_version=expect_version,
                              actor=state.actor, dry_run=dry_run)
    _echo_template_change(change, as_json, "changed")


@template.command("retire")
@click.argument("name")
@business_option
@dry_run_option
@json_option
@pass_state
def template_retire(state: CliState, name: str, business: str, dry_run: bool, as_json: bool) -> None:
    """Retire a business's own template NAME: nothing more is issued from it.

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000
      zhongtai coupons template retire new-user-20 -b mall
    """
    from zhongtai.plugins.coupons import templates

    change = templates.retire(state.platform, business, name, actor=state.actor, dry_run=dry_run)
    _echo_template_change(change, as_json, "retired")


@template.command("list")
@business_option
@click.option("--retired", is_flag=True, help="Include retired templates.")
@click.option("--own", is_flag=True, help="Only the business's own templates, not inherited ones.")
@json_option
@pass_state
def template_list(state: CliState, business: str, retired: bool, own: bool, as_json: bool) -> None:
    """The templates a business can issue (its own and inherited; the nearest wins per name).

    \b
    Example:
      zhongtai coupons template list -b mall.flagship --json
    """
    from zhongtai.plugins.coupons import templates

    found = templates.list_templates(state.platform, business, inherited=not own, retired=retired)
    if as_json:
        echo_json([t.as_dict() for t in found])
        return
    echo_table(("name", "business", "status", "offer", "group", "issued", "max", "version"), _template_rows(found),
               empty=f"no coupon templates at {business}")


@template.command("show")
@click.argument("name")
@business_option
@json_option
@pass_state
def template_show(state: CliState, name: str, business: str, as_json: bool) -> None:
    """Show template NAME as a business sees it (its own, or the nearest ancestor's).

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000
      zhongtai coupons template show new-user-20 -b mall.flagship
    """
    from zhongtai.plugins.coupons import templates

    found = templates.get(state.platform, business, name)
    if as_json:
        echo_json(found.as_dict())
        return
    for key, value in found.as_dict().items():
        if value not in (None, "", []):
            echo(f"{key + ':':<16}{', '.join(value) if isinstance(value, list) else value}")


# -- issuing -------------------------------------------------------------------------------------
def _notify(template: str | None, kind: str, timezone: str) -> Notify | None:
    from zhongtai.plugins.coupons.reach import Notify

    return None if template is None else Notify(template=template, kind=kind, timezone=timezone)


@coupons.command()
@click.option("--business", "-b", metavar="CODE", help="The issuing business.")
@click.option("--template", "template_name", metavar="NAME", help="The coupon template.")
@click.option("--user", "user_id", help="Issue to this one user (with --request-id).")
@click.option("--request-id", help="Idempotency key: the same request id issues once.")
@click.option("--users", "audience", type=click.Path(dir_okay=False), help="Bulk: a file of user ids, one per line.")
@click.option("--resume", "resume", metavar="JOB", help="Resume an interrupted bulk job.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=5000, show_default=True,
              help="Bulk: users per transaction.")
@click.option("--notify", "notify_template", metavar="TEMPLATE", help="Message each user this notifier template.")
@click.option("--notify-kind", type=click.Choice(["marketing", "notification"]), default="marketing",
              show_default=True, help="Marketing needs consent; both respect quiet hours.")
@click.option("--tz", "timezone", default="Asia/Shanghai", show_default=True, help="Users' time zone (quiet hours).")
@json_option
@pass_state
def issue(state: CliState, business: str | None, template_name: str | None, user_id: str | None,
          request_id: str | None, audience: str | None, resume: str | None, batch: int, notify_template: str | None,
          notify_kind: str, timezone: str, as_json: bool) -> None:
    """Issue coupons: to one user (idempotent), or in bulk to a file of users as a resumable job.

    \b
    Example:
      zhongtai coupons template create new-user-20 -b mall --kind amount --value 20.00 --min-spend 100.00 \\
          --valid-days 7 --max-issued 100000
      zhongtai coupons issue -b mall --template new-user-20 --user u1 --request-id signup-u1
      zhongtai coupons issue -b mall --template new-user-20 --users audience.txt
      zhongtai coupons issue --resume 3f2a9c0d1e2b4a5c   # error: no coupon job
    """
    from zhongtai.plugins.coupons import issuing, jobs

    notify = _notify(notify_template, notify_kind, timezone)
    if resume is not None:
        _run_job(state, jobs.get(state.platform, resume), batch, as_json)
        return
    if not business or not template_name:
        raise _error("give --business and --template (or --resume JOB)")
    if audience is not None:
        if user_id or request_id:
            raise _error("give either --users FILE or --user with --request-id, not both")
        job = jobs.create(state.platform, business, template_name, audience, notify=notify, actor=state.actor)
        if not as_json:
            echo(f"job {job.id}: {job.total} users; resume with `zhongtai coupons issue --resume {job.id}`")
        _run_job(state, job, batch, as_json)
        return
    if not user_id or not request_id:
        raise _error("give --user and --request-id (or --users FILE for a bulk job)")
    result = issuing.issue(state.platform, business, template_name, user_id, request_id=request_id, notify=notify)
    if as_json:
        echo_json({"coupon": result.coupon.as_dict() if result.coupon else None, "duplicate": result.duplicate,
                   "refused": result.refused})
    elif result.coupon is None:
        echo(f"not issued: {result.refused}")
    else:
        from zhongtai.plugins.coupons.codes import display

        seen = " (issued before under this request id; nothing new)" if result.duplicate else ""
        echo(f"{display(result.coupon.code)} issued to {user_id}{seen}")
    if result.coupon is None:
        raise SystemExit(3)


def _run_job(state: CliState, job: Job, batch: int, as_json: bool) -> None:
    from zhongtai.plugins.coupons import jobs

    if job.finished:
        raise _error(f"job {job.id} is already {job.state}: {job.issued} issued, {job.skipped} skipped")
    try:
        if as_json:
            done = jobs.run(state.platform, job.id, batch=batch)
        else:
            with click.progressbar(length=job.total, label=f"job {job.id}", show_pos=True, file=None) as bar:
                bar.update(job.position)
                seen = [job.position]

                def advance(now: Job) -> None:
                    bar.update(now.position - seen[0])
                    seen[0] = now.position

                done = jobs.run(state.platform, job.id, batch=batch, progress=advance)
    except KeyboardInterrupt:
        now = jobs.get(state.platform, job.id)
        echo(f"\ninterrupted after {now.position} of {now.total} users ({now.issued} issued); "
                   f"resume with `zhongtai coupons issue --resume {job.id}`", err=True)
        raise SystemExit(130) from None
    if as_json:
        echo_json(done.as_dict())
        return
    reason = f" ({done.reason})" if done.reason else ""
    echo(f"job {done.id} {done.state}{reason}: {done.issued} issued, {done.skipped} skipped, "
               f"{done.position} of {done.total} users")


@coupons.command("jobs")
@click.option("--business", "-b", metavar="CODE", help="Only this business's jobs.")
@json_option
@pass_state
def list_jobs(state: CliState, business: str | None, as_json: bool) -> None:
    """Bulk issue jobs and how far each got.

    \b
    Example:
      zhongtai coupons jobs -b mall
    """
    from zhongtai.plugins.coupons import jobs

    found = jobs.list_jobs(state.platform, business)
    if as_json:
        echo_json([j.as_dict() for j in found])
        return
    echo_table(("job", "business", "template", "state", "position", "total", "issued", "skipped"),
               [(j.id, j.business, j.template, j.state, j.position, j.total, j.issued, j.skipped) for j in found],
               empty="no coupon jobs")


# -- wallet and redemption -----------------------------------------------------------------------
@coupons.command()
@business_option
@click.option("--user", "user_id", required=True, help="Whose wallet.")
@click.option("--state", "coupon_state", type=click.Choice(STATES), help="Only coupons in this state.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True, help="Coupons per page.")
@click.option("--cursor", help="The next_cursor of the previous page.")
@json_option
@pass_state
def wallet(state: CliState, business: str, user_id: str, coupon_state: str | None, limit: int, cursor: str | None,
           as_json: bool) -> None:
    """A user's coupons at a business, newest first, a page at a time.

    \b
    Example:
      zhongtai coupons wallet -b mall --user u1 --state valid --limit 10
    """
    from zhongtai.plugins.coupons.codes import display
    from zhongtai.plugins.coupons.wallet import wallet as read_wallet

    page = read_wallet(state.platform, business, user_id, state=coupon_state, limit=limit, cursor=cursor)
    if as_json:
        echo_json(page.as_dict())
        return
    echo_table(("code", "template", "state", "valid until", "order"),
               [(display(c.code), c.template, c.state,
                 c.valid_until.isoformat(timespec="minutes") if c.valid_until else "-", c.order_id or "-")
                for c in page.coupons], empty=f"no coupons for {user_id} at {business}")
    if page.cursor:
        echo(f"more: --cursor {page.cursor}")


def _hold(text: str) -> dt.timedelta:
    match = re.fullmatch(r"(\d+)([smh])", text.strip())
    if not match:
        raise _error(f"--hold takes a duration such as 90s, 15m or 2h, got {text!r}")
    number, unit = int(match.group(1)), match.group(2)
    return dt.timedelta(seconds=number * {"s": 1, "m": 60, "h": 3600}[unit])


def _echo_coupons(found: list[Any], as_json: bool, verb: str) -> None:
    from zhongtai.plugins.coupons.codes import hint

    if as_json:
        echo_json([c.as_dict() for c in found])
        return
    for c in found:
        until = f" until {c.reserved_until.isoformat(timespec='seconds')}" if c.reserved_until else ""
        echo(f"coupon {hint(c.code)} ({c.template}) {verb}{until}")


@coupons.command()
@click.argument("code", required=False)
@business_option
@click.option("--user", "user_id", help="Whose coupon (reserving).")
@click.option("--order", "order_id", required=True, help="The order the coupon is for.")
@click.option("--amount", help="The discount this order takes from the coupon (value budgets).")
@click.option("--hold", default="15m", show_default=True, help="How long the reservation holds.")
@click.option("--confirm", is_flag=True, help="The order was paid: its reserved coupons become used.")
@json_option
@pass_state
def redeem(state: CliState, code: str | None, business: str, user_id: str | None, order_id: str, amount: str | None,
           hold: str, confirm: bool, as_json: bool) -> None:
    """Reserve CODE for an order at checkout, or --confirm the order's coupons on payment.

    \b
    Example:
      zhongtai coupons redeem 8M2KQ-0T9ZX-4HV6B-PN3RA-E -b mall --user u1 --order o-1  # error: not a coupon
      zhongtai coupons redeem -b mall --order o-1 --confirm   # error: has no reserved coupons
    """
    from zhongtai.plugins.coupons import redemption

    if confirm:
        if code or user_id:
            raise _error("--confirm takes only --order (and --business)")
        _echo_coupons(redemption.confirm(state.platform, business, order_id), as_json, "used")
        return
    if not code or not user_id:
        raise _error("give the CODE and --user to reserve (or --confirm --order ORDER)")
    value = None
    if amount is not None:
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise _error(f"--amount must be a decimal such as 12.50, got {amount!r}") from None
    coupon = redemption.reserve(state.platform, business, user_id, code, order_id=order_id, amount=value,
                                hold=_hold(hold))
    _echo_coupons([coupon], as_json, f"reserved for order {order_id}")


@coupons.command()
@business_option
@click.option("--order", "order_id", help="Release this order's reserved coupons (it was cancelled).")
@click.option("--expired", is_flag=True, help="Release every reservation whose hold ran out.")
@json_option
@pass_state
def release(state: CliState, business: str, order_id: str | None, expired: bool, as_json: bool) -> None:
    """Release reserved coupons: of a cancelled order, or every reservation past its hold.

    \b
    Example:
      zhongtai coupons release -b mall --order o-1
      zhongtai coupons release -b mall --expired
    """
    from zhongtai.plugins.coupons import redemption

    if expired == (order_id is not None):
        raise _error("give either --order ORDER or --expired")
    if expired:
        count = redemption.release_expired(state.platform)
        if as_json:
            echo_json({"released": count})
        else:
            echo(f"{count} reservation(s) past their hold released")
        return
    assert order_id is not None
    found = redemption.release(state.platform, business, order_id)
    if not found and not as_json:
        echo(f"order {order_id} has no reserved coupons at {business}")
        return
    _echo_coupons(found, as_json, "released")


# -- the books -------------------------------------------------------------------------------------
@coupons.command()
@click.option("--business", "-b", metavar="CODE", help="Only templates of this business and below.")
@json_option
@pass_state
def stats(state: CliState, business: str | None, as_json: bool) -> None:
    """Coupons per template and state, and what is left of each budget.

    \b
    Example:
      zhongtai coupons stats -b mall
    """
    from zhongtai.plugins.coupons.reconcile import stats as compute

    found = compute(state.platform, business=business)
    if as_json:
        echo_json([s.as_dict() for s in found])
        return
    echo_table(("business", "template", "status", "issued", "valid", "reserved", "used", "expired", "spent",
                "budget left"),
               [(s.business, s.template, s.status, s.issued, s.valid, s.reserved, s.used, s.expired, s.spent,
                 "-" if s.budget_left is None else s.budget_left) for s in found], empty="no coupon templates")


@coupons.command()
@click.option("--business", "-b", metavar="CODE", help="Only templates of this business and below.")
@json_option
@pass_state
def reconcile(state: CliState, business: str | None, as_json: bool) -> None:
    """Check the ledger against the template counters and the coupons; exit 1 on any drift.

    \b
    Example:
      zhongtai coupons reconcile -b mall
    """
    from zhongtai.plugins.coupons.reconcile import reconcile as check

    report = check(state.platform, business=business)
    if as_json:
        echo_json({"templates": report.templates, "clean": report.clean,
                   "drift": [d.describe() for d in report.drift]})
    elif report.clean:
        echo(f"{report.templates} template(s): ledger, counters and coupons agree")
    else:
        for drift in report.drift:
            echo(f"drift: {drift.describe()}")
    if not report.clean:
        raise SystemExit(1)
