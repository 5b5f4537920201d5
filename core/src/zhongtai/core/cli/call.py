"""``zhongtai call``: invoke any extension point for a business, optionally explained."""

from __future__ import annotations

import sys
from typing import Any

import click

from zhongtai.core.cli.completion import extension_point_names
from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state


def _read_input(text: str) -> object:
    from zhongtai.core.documents import parse_json, read_reference

    document, source = read_reference(text, source="--input", stdin=sys.stdin)
    return parse_json(document, source=source, exact_numbers=True)


def _compact(value: object, limit: int = 70) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


@click.command()
@click.argument("extension_point", shell_complete=extension_point_names)
@click.option("--business", "-b", metavar="CODE", required=True, help="The business the call is for.")
@click.option("--input", "-i", "input_", metavar="JSON|@FILE", default="{}", show_default=True,
              help="A JSON object of the extension point's inputs, inline, @file or @- for stdin.")
@click.option("--subject", "-s", metavar="SUBJECT",
              help="Who the call is for (user, device ...): decides staged rollouts and experiment variants.")
@click.option("--explain", is_flag=True, help="Also print the trace: each plugin, in order, and what it did.")
@json_option
def call(extension_point: str, business: str, input_: str, subject: str | None, explain: bool,
         as_json: bool) -> None:
    """Invoke EXTENSION_POINT for a business and print the combined result.

    The input keys are the extension point's arguments (see `zhongtai
    capabilities`); values are converted to the contract types: objects to
    attrs classes, decimal numbers kept exact ("12.50" or 12.50), ISO 8601
    strings to datetimes.  JSON output carries `result` and `trace`.

    \b
    Example:
      zhongtai call pricing.base_price -b edu.k12 \\
          --input '{"sku": "math-101", "request": {"channel": "app", "lines": [{"sku": "math-101"}]}}' --explain
      zhongtai call theming.tokens -b edu.k12 --json
      zhongtai call theming.tokens -b edu.k12 --subject user-42 --explain
    """
    from zhongtai.core.errors import ZhongtaiError
    from zhongtai.core.jsonio import call_arguments, to_json

    platform = state().platform
    point = platform.extension_point(extension_point)
    view = platform.business(business)
    arguments = call_arguments(point, _read_input(input_))
    try:
        outcome = view.explain(extension_point, subject=subject, **arguments)
    except ZhongtaiError as exc:
        if explain and exc.partial_trace and not as_json:
            echo(f"The call failed after {len(exc.partial_trace)} step(s):")
            _echo_trace(to_json(exc.partial_trace), extension_point, business)
        raise
    result, trace = to_json(outcome.value), to_json(outcome.trace)
    if as_json:
        echo_json({"extension_point": extension_point, "business": business, "subject": subject,
                   "revision": outcome.revision, "result": result, "trace": trace})
        return
    import json

    echo(json.dumps(result, indent=2, ensure_ascii=False))
    if explain:
        echo("")
        _echo_trace(trace, extension_point, business)


def _echo_trace(trace: Any, extension_point: str, business: str) -> None:
    echo_table(["#", "plugin", "level", "outcome", "value", "error"],
               [[i, step["plugin"], step["level"], step["outcome"],
                 "" if step["value"] is None else _compact(step["value"]), step["error"] or ""]
                for i, step in enumerate(trace, 1)],
               empty=f"(no plugin serves {extension_point} for {business})")
