"""``zhongtai capabilities``: the capability map (能力地图)."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table
from zhongtai.core.cli.state import state


@click.command()
@click.option("--business", "-b", metavar="CODE", help="Only this business's view of the map.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "reference"]), default="table",
              show_default=True, help="Output format; reference: every point's contract types (docs/contracts.md).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def capabilities(business: str | None, fmt: str, as_json: bool) -> None:
    """Show every extension point: policy, contract, and which plugins serve it per business.

    \b
    Example:
      zhongtai capabilities
      zhongtai capabilities --business edu.k12 --format markdown > capabilities.md
      zhongtai capabilities --format reference > contracts.md
    """
    from zhongtai.core.capabilities import capability_map, render_markdown, served_text

    if fmt == "reference" and not as_json:
        from zhongtai.core.contracts import render_reference

        echo(render_reference(state().platform.extension_points), nl=False)
        return

    data = capability_map(state().platform, business)
    if as_json or fmt == "json":
        echo_json(data)
        return
    if fmt == "markdown":
        echo(render_markdown(data))
        return
    headers = ["extension point", "policy", "on error", "contract", "implemented by"]
    rows = []
    for point in data["extension_points"]:
        row = [point["name"], point["policy"], point["on_error"], point["summary"],
               ", ".join(point["implemented_by"]) or "-"]
        if business:
            row.append(served_text(point["served"][business]))
        rows.append(row)
    echo_table([*headers, f"serves {business}"] if business else headers, rows)
    if not business and data["businesses"]:
        echo("")
        echo_table(["business", "extension point", "plugins, in call order"],
                   [[code, point["name"], served_text(entries)]
                    for code in data["businesses"] for point in data["extension_points"]
                    if (entries := point["served"][code])],
                   empty=f"No business has plugins enabled yet in {state().registry_label()}.")
