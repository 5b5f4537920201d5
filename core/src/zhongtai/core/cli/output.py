"""Presentation helpers for CLI commands: aligned tables, JSON, change reports.

Import-light on purpose (click and the standard library only): every command
module imports this at top level and ``zhongtai --help`` imports every command
module.  Column widths count East Asian wide characters (中台) as two cells.

Everything printed goes through :func:`zhongtai.core.terminal.safe_text`: table
cells and JSON strings are escaped whole, and :func:`echo` (use it instead of
``click.echo``) escapes escape sequences in any block of text, so no value from
the registry, a plugin or a provider can drive the reader's terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from zhongtai.core.terminal import safe_text

if TYPE_CHECKING:
    from zhongtai.core.management import ChangeReport, Impact

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change for the business and each descendant; write nothing.")


def echo(text: object = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with terminal-unsafe characters escaped (line breaks the program laid out are kept).

    A value that must stay on its line (a name, an error from elsewhere) is
    wrapped in :func:`safe_text` by the caller, which escapes newlines too.
    """
    click.echo(safe_text(text, keep_newlines=True), err=err, nl=nl)


def cell_width(text: str) -> int:
    """Terminal cells *text* occupies (wide and full-width characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_width(text))


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An aligned plain-text table: upper-case header, two spaces between columns."""
    body = [["" if value is None else safe_text(value) for value in row] for row in rows]
    head = [h.upper() for h in headers]
    widths = [cell_width(h) for h in head]
    for row in body:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], cell_width(value))
    lines = []
    for row in [head, *body]:
        cells = [_pad(value, widths[i]) for i, value in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def echo_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "") -> None:
    rows = list(rows)
    if not rows and empty:
        echo(empty)
        return
    click.echo(format_table(headers, rows))  # every cell is escaped by format_table


def echo_json(data: Any) -> None:
    """Print JSON-ready *data* (see :func:`zhongtai.core.jsonio.to_json`)."""
    import json

    echo(json.dumps(data, indent=2, ensure_ascii=False))  # unsafe characters can only be inside strings


def join(values: Iterable[str], empty: str = "-") -> str:
    text = ", ".join(values)
    return text or empty


def warn(message: str) -> None:
    click.echo(f"Warning: {safe_text(message)}", err=True)


def describe_impact(impacts: Iterable[Impact], new_business: str | None = None) -> list[tuple[str, str]]:
    """(business, what changes there) for every business a change touches."""
    rows = []
    for impact in impacts:
        parts = []
        if impact.status:
            parts.append(f"status -> {impact.status}")
        if impact.calls:
            parts.append(f"calls {impact.calls}")
        if impact.added:
            parts.append("gains " + ", ".join(impact.added))
        if impact.removed:
            parts.append("loses " + ", ".join(impact.removed))
        if impact.reconfigured:
            parts.append("reconfigured " + ", ".join(impact.reconfigured))
        if impact.business == new_business:
            parts = ["new business"]
        rows.append((impact.business, "; ".join(parts) or "no change in effective plugins"))
    return rows


def echo_change(report: ChangeReport, done: str, would: str, as_json: bool) -> None:
    """Print a change (or dry-run) report: one headline, then the impact per business.

    *done* is the headline of an applied change ("Enabled x at edu"), *would*
    that of a dry run ("Would enable x at edu").
    """
    for warning in report.warnings:
        warn(warning)
    if as_json:
        from zhongtai.core.jsonio import to_json

        echo_json(to_json(report))
        return
    if report.applied:
        click.echo(f"{safe_text(done)} (registry revision {report.revision}).")
    else:
        click.echo(f"Dry run: {safe_text(would)}; nothing was written.")
    _echo_before_after(report.before, report.after)
    created = report.business if report.action == "business.create" else None
    echo_table(["business", "effect"], describe_impact(report.impact, created))


def _echo_before_after(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    import json

    if before is not None:
        click.echo(f"  before: {safe_text(json.dumps(before, ensure_ascii=False, default=str))}")
    if after is not None:
        click.echo(f"  after:  {safe_text(json.dumps(after, ensure_ascii=False, default=str))}")
