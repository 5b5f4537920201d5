"""``zhongtai stats``: call metrics per business, extension point and plugin, over all processes."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table


@click.command()
@click.option("--business", "-b", metavar="CODE", help="Only this business and its descendants.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "prometheus"]), default="table",
              show_default=True, help="prometheus: the text exposition format.")
def stats(business: str | None, fmt: str) -> None:
    """Show call metrics: calls, errors and latency per business, extension point and plugin.

    Every process that keeps metrics (each `zhongtai` command, services built
    with Platform(metrics=True) that call zhongtai.core.runtime.metrics_store.flush)
    records them in the registry; this adds all processes up.

    \b
    Example:
      zhongtai stats --business edu
      zhongtai stats --format prometheus > zhongtai.prom
    """
    from zhongtai.core.cli.state import state
    from zhongtai.core.identity import validate_code
    from zhongtai.core.runtime.metrics import render_prometheus
    from zhongtai.core.runtime.metrics_store import load

    if business is not None:
        validate_code(business)
    series = load(state().platform.registry, business)
    if fmt == "prometheus":
        echo(render_prometheus(series), nl=False)
    elif fmt == "json":
        echo_json([{"business": s.business, "extension_point": s.extension_point, "plugin": s.plugin,
                    "calls": s.calls, "errors": s.errors, "seconds": s.seconds,
                    "p50_le": s.quantile(0.5), "p99_le": s.quantile(0.99)} for s in series])
    else:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"≤{value * 1000:g} ms"

        echo_table(["BUSINESS", "EXTENSION POINT", "PLUGIN", "CALLS", "ERRORS", "P50", "P99"],
                   [[s.business, s.extension_point, s.plugin, s.calls, s.errors, ms(s.quantile(0.5)),
                     ms(s.quantile(0.99))] for s in series],
                   empty=f"No calls recorded yet in {state().registry_label()}.")
