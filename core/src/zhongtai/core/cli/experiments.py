"""``zhongtai experiments``: A/B/n experiments on a plugin's config -- create, start, stop, report, pick a winner."""

from __future__ import annotations

from typing import Any

import click

from zhongtai.core.cli.completion import plugin_names
from zhongtai.core.cli.output import dry_run_option, echo, echo_change, echo_json, echo_table, json_option, warn
from zhongtai.core.cli.params import BoundedFloat
from zhongtai.core.cli.state import state


@click.group()
def experiments() -> None:
    """A/B/n experiments: variants of a plugin's config at a business, sticky per subject.

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
      zhongtai experiments start text-size
      zhongtai experiments record order.paid -b edu.k12 --subject user-42 --value 99
      zhongtai experiments report text-size --plot text-size.svg
      zhongtai experiments pick-winner text-size regular
    """


def _variants(platform: Any, plugin: str, weights: tuple[str, ...], settings: tuple[str, ...],
              variants_file: str | None) -> list[dict[str, Any]]:
    """Variants from --variants-file, then --variant NAME=WEIGHT and --set NAME.KEY=VALUE."""
    from zhongtai.core.config import parse_setting
    from zhongtai.core.errors import UserError

    variants: dict[str, dict[str, Any]] = {}
    if variants_file is not None:
        from zhongtai.core.documents import read_document

        data = read_document(variants_file)
        if not isinstance(data, list) or not all(isinstance(v, dict) and "name" in v for v in data):
            raise UserError(f"{variants_file}: a variants file holds a list of {{name, weight, config}}")
        variants = {str(v["name"]): dict(v) for v in data}
    for item in weights:
        name, sep, weight = item.partition("=")
        if not sep or not weight.strip().isdigit():
            raise UserError(f"--variant {item!r}: use NAME=WEIGHT, e.g. --variant control=50")
        variants.setdefault(name, {"name": name, "config": {}})["weight"] = int(weight)
    if settings:
        info = platform.plugins.require(plugin)
        cls = platform.plugins.load(plugin).config_class if info.usable else None
        for item in settings:
            name, dot, assignment = item.partition(".")
            if not dot or name not in variants:
                raise UserError(f"--set {item!r}: use VARIANT.KEY=VALUE for a variant given by --variant")
            key, value = parse_setting(cls, assignment, plugin=plugin)
            variants[name].setdefault("config", {})[key] = value
    return list(variants.values())


@experiments.command()
@click.argument("name")
@click.option("--business", "-b", metavar="CODE", required=True, help="Where the plugin is enabled (itself).")
@click.option("--plugin", "-p", metavar="NAME", required=True, shell_complete=plugin_names,
              help="The plugin whose config varies.")
@click.option("--metric", "-m", metavar="EVENT", required=True, help="The outcome event that counts as a "
              "conversion, e.g. order.paid.")
@click.option("--variant", "weights", multiple=True, metavar="NAME=WEIGHT",
              help="A variant and its weight (repeatable; the first is the control).")
@click.option("--set", "settings", multiple=True, metavar="VARIANT.KEY=VALUE",
              help="A config value of one variant, over the enablement's config (repeatable).")
@click.option("--variants-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Variants as a YAML or JSON list of {name, weight, config}.")
@click.option("--sample", default="1", show_default=True, metavar="SHARE",
              help="Share of subjects whose exposures are recorded (0 < SHARE <= 1), sticky per subject.")
@dry_run_option
@json_option
def create(name: str, business: str, plugin: str, metric: str, weights: tuple[str, ...], settings: tuple[str, ...],
           variants_file: str | None, sample: str, dry_run: bool, as_json: bool) -> None:
    """Create an experiment (a draft: nothing changes until `start`).

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
    """
    from zhongtai.core import experiments as ex

    cli = state()
    variants = _variants(cli.platform, plugin, weights, settings, variants_file)
    report = ex.create(cli.platform, name, business=business, plugin=plugin, metric=metric, variants=variants,
                       sample=sample, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"Created experiment {name} (draft)", f"would create experiment {name}", as_json)


def _transition(action: str, name: str, dry_run: bool, as_json: bool, *args: str) -> None:
    from zhongtai.core import experiments as ex

    cli = state()
    if action == "pick-winner":
        report = ex.pick_winner(cli.platform, name, args[0], actor=cli.actor, dry_run=dry_run)
    else:
        report = (ex.start if action == "start" else ex.stop)(cli.platform, name, actor=cli.actor, dry_run=dry_run)
    done = {"start": f"Started experiment {name}", "stop": f"Stopped experiment {name}",
            "pick-winner": f"Experiment {name}: {args[0] if args else ''} won; its config is now the enablement's"}
    would = {"start": f"would start experiment {name}", "stop": f"would stop experiment {name}",
             "pick-winner": f"would make {args[0] if args else ''} the winner of {name}"}
    echo_change(report, done[action], would[action], as_json)


@experiments.command()
@click.argument("name")
@dry_run_option
@json_option
def start(name: str, dry_run: bool, as_json: bool) -> None:
    """Start serving the variants, each subject sticking to one.

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
      zhongtai experiments start text-size
    """
    _transition("start", name, dry_run, as_json)


@experiments.command()
@click.argument("name")
@dry_run_option
@json_option
def stop(name: str, dry_run: bool, as_json: bool) -> None:
    """Stop serving the variants: everyone gets the enablement's config again.

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
      zhongtai experiments start text-size
      zhongtai experiments stop text-size
    """
    _transition("stop", name, dry_run, as_json)


@experiments.command("pick-winner")
@click.argument("name")
@click.argument("variant")
@dry_run_option
@json_option
def pick_winner(name: str, variant: str, dry_run: bool, as_json: bool) -> None:
    """Make VARIANT's config the enablement's config, and stop the experiment (audited).

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
      zhongtai experiments start text-size
      zhongtai experiments pick-winner text-size regular
    """
    _transition("pick-winner", name, dry_run, as_json, variant)


@experiments.command("list")
@click.option("--business", "-b", metavar="CODE", help="Only experiments at this business and below.")
@json_option
def list_(business: str | None, as_json: bool) -> None:
    """List experiments: business, plugin, metric, variants, status, winner.

    \b
    Example:
      zhongtai experiments list --business edu
    """
    from zhongtai.core.experiments import experiments as all_experiments
    from zhongtai.core.experiments import masked

    platform = state().platform
    rows = [masked(platform, e) for e in all_experiments(platform, business)]
    if as_json:
        echo_json([e.to_json() for e in rows])
        return
    echo_table(["name", "business", "plugin", "metric", "variants", "status", "winner"],
               [[e.name, e.business, e.plugin, e.metric, ", ".join(f"{v.name}:{v.weight}" for v in e.variants),
                 e.status, e.winner or "-"] for e in rows], empty="(no experiments)")


def _percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.2%}" if signed else f"{value:.2%}"


@experiments.command()
@click.argument("name")
@click.option("--plot", type=click.Path(dir_okay=False, writable=True), metavar="FILE.svg",
              help="Also write the conversion rates with their 95% intervals as an SVG chart.")
@json_option
def report(name: str, plot: str | None, as_json: bool) -> None:
    """Per variant: exposures, conversions, rate, uplift vs control with 95% CI and p-value; SRM check.

    \b
    Example:
      zhongtai experiments create text-size -b edu.k12 -p edu-k12.kids-theme --metric order.paid \\
          --variant larger=50 --variant regular=50 --set regular.larger_text=false
      zhongtai experiments report text-size
      zhongtai experiments report text-size --json
      zhongtai experiments report text-size --plot text-size.svg
    """
    from zhongtai.core.experiment_report import report as build
    from zhongtai.core.experiment_report import svg

    data = build(state().platform, name)
    if plot is not None:
        from zhongtai.core.documents import write_text

        write_text(plot, svg(data))
    for warning in data["warnings"]:
        warn(warning)
    if as_json:
        echo_json(data)
        return
    echo(f"{data['name']}: {data['plugin']} at {data['business']}, metric {data['metric']}, {data['status']}"
               + (f", winner {data['winner']}" if data["winner"] else ""))
    echo_table(["variant", "weight", "exposures", "conversions", "rate", "uplift", "95% ci", "p-value"],
               [[v["name"] + (" (control)" if v["control"] else ""), v["weight"], v["exposures"], v["conversions"],
                 _percent(v["rate"]), _percent(v["uplift"], True),
                 "-" if v["uplift_ci_low"] is None else
                 f"{_percent(v['uplift_ci_low'], True)} .. {_percent(v['uplift_ci_high'], True)}",
                 "-" if v["p_value"] is None else f"{v['p_value']:.3g}"] for v in data["variants"]])
    srm = data["srm"]
    if srm["p_value"] is not None:
        verdict = "MISMATCH" if srm["mismatch"] else "ok"
        echo(f"sample ratio check: chi-square {srm['chi2']:.2f}, p={srm['p_value']:.3g} ({verdict})")
    if plot is not None:
        echo(f"plot written to {plot}")


@experiments.command()
@click.argument("event")
@click.option("--business", "-b", metavar="CODE", required=True, help="Where the event happened.")
@click.option("--subject", "-s", metavar="SUBJECT", required=True, help="Who it happened to.")
@click.option("--value", type=BoundedFloat(-1e15, 1e15), metavar="N",
              help="The event's value (e.g. the order amount; finite, at most 10^15 either way).")
def record(event: str, business: str, subject: str, value: float | None) -> None:
    """Record an outcome event (a conversion when it is an experiment's metric).

    \b
    Example:
      zhongtai experiments record order.paid -b edu.k12 --subject user-42 --value 99
    """
    cli = state()
    cli.platform.business(business).record(event, subject=subject, value=value)
    written = cli.platform.exposures.flush()
    echo(f"Recorded {event} for {subject} at {business} ({written} written).")
