"""``zhongtai plugins``: list, inspect, enable, disable and configure plugins per business."""

from __future__ import annotations

from typing import Any

import click

from zhongtai.core.cli.completion import plugin_names
from zhongtai.core.cli.output import dry_run_option, echo, echo_change, echo_json, echo_table, join, json_option
from zhongtai.core.cli.params import PRIORITY_RANGE, BoundedInt
from zhongtai.core.cli.state import state
from zhongtai.core.terminal import safe_text

business_option = click.option("--business", "-b", "business", metavar="CODE", required=True,
                               help="Business identity code, e.g. edu.k12.")


@click.group()
def plugins() -> None:
    """List, inspect, enable and disable plugins per business identity.

    \b
    Example:
      zhongtai plugins list --business edu.k12
      zhongtai plugins enable pricing.member-tier --business edu.k12 --set 'percent_off={"gold": 10}'
    """


def _status(row: dict[str, Any]) -> str:
    return row["status"] if not row.get("error") else f"{row['status']}: {row['error']}"


@plugins.command("list")
@click.option("--business", "-b", metavar="CODE", help="Also say whether each plugin is enabled there, and why.")
@click.option("--check", is_flag=True,
              help="Import every plugin to find import failures and hookimpl mismatches (slower).")
@json_option
def list_(business: str | None, check: bool, as_json: bool) -> None:
    """List installed plugins: version, distribution, extension points, lifecycle, status.

    Reads plugin metadata only (entry points and zhongtai_plugins.toml
    manifests) and imports no plugin, so status is what the manifest tells
    (ok, failed manifest, incompatible API range).  --check imports each plugin
    and reports import failures and hookimpl mismatches as failed.

    \b
    Example:
      zhongtai plugins list --business edu.k12
      zhongtai plugins list --check --json
    """
    from zhongtai.core.views import plugin_rows

    cli = state()
    if business is None and not check:
        from zhongtai.core.discovery import discover
        from zhongtai.core.extension import API_VERSION

        rows = plugin_rows(discover(API_VERSION, cli.plugin_path))
    else:
        platform = cli.platform
        if check:
            platform.plugins.load_all()
        snapshot = None
        if business is not None:
            platform.business(business)  # validates the code; unknown business -> error
            snapshot = platform.snapshot
        rows = plugin_rows(platform.plugins.infos(), snapshot, business)
    if as_json:
        echo_json(rows)
        return
    headers = ["name", "version", "distribution", "extension points", "lifecycle", "status"]
    table = [[r["name"], r["version"], r["distribution"], join(r["extension_points"]), r["lifecycle"], _status(r)]
             for r in rows]
    if business is not None:
        headers += ["enabled", "why"]
        for line, row in zip(table, rows):
            line += ["yes" if row["enabled"] else "no", row["why"]]
    echo_table(headers, table, empty="No plugins installed.")


@plugins.command()
@click.option("--check", is_flag=True, help="Import every package domain's spec module and validate it.")
@json_option
def domains(check: bool, as_json: bool) -> None:
    """List extension-point domains: the kernel's and those of installed distributions.

    A distribution adds a domain (its own hookspecs, contract types and
    version) through the zhongtai.specs entry-point group; plugins pin its
    version in their manifest (specs = { coupons = ">=1.0,<2" }).  Reads
    metadata only unless --check, which imports each spec module and reports
    one that fails to load or validate as failed.

    \b
    Example:
      zhongtai plugins domains
      zhongtai plugins domains --check --json
    """
    import sys

    from zhongtai.core.domains import SPECS_GROUP, discover_domains, installed_domains
    from zhongtai.core.entrypoints import entry_points
    from zhongtai.core.views import domain_rows

    path = state().plugin_path
    search = list(path) if path is not None else list(sys.path)
    found = installed_domains(search) if check else discover_domains(entry_points(SPECS_GROUP, search), search)
    rows = domain_rows(found.values())
    if as_json:
        echo_json(rows)
        return
    echo_table(["domain", "version", "distribution", "spec module", "status"],
               [[r["name"], r["version"], r["distribution"], r["module"], _status(r)] for r in rows])


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@json_option
def show(name: str, as_json: bool) -> None:
    """Show a plugin: metadata, extension points, config fields, businesses using it.

    \b
    Example:
      zhongtai plugins show pricing.member-tier
    """
    from zhongtai.core.views import plugin_detail

    detail = plugin_detail(state().platform, name)
    if as_json:
        echo_json(detail)
        return
    for label, key in [("plugin", "name"), ("title", "title"), ("version", "version"),
                       ("distribution", "distribution"), ("owner", "owner"), ("lifecycle", "lifecycle"),
                       ("api", "api"), ("target", "target")]:
        echo(f"{label + ':':<14}{safe_text(detail[key] or '-')}")
    if detail.get("specs"):
        echo(f"{'specs:':<14}{', '.join(f'{k} {v}' for k, v in detail['specs'].items())}")
    echo(f"{'status:':<14}{_status(detail)}")
    echo("\nExtension points:")
    echo_table(["extension point", "policy", "contract"],
               [[p["name"], p["policy"], p["summary"]] for p in detail["extension_points"]])
    echo("\nConfig:")
    if not detail["config_known"]:
        echo("  (unknown: the plugin cannot be loaded)")
    elif not detail["config_fields"]:
        echo("  (takes no config)")
    else:
        echo_table(["field", "type", "default", "secret", "required", "help"],
                   [[f["name"], f["type"], "-" if f["required"] else repr(f["default"]),
                     "yes" if f["secret"] else "", "yes" if f["required"] else "", f["help"]]
                    for f in detail["config_fields"]])
    echo("\nUsed by:")
    echo_table(["business", "origin"], [[u["business"], u["origin"]] for u in detail["businesses"]],
               empty="  (no business)")


def _config_from(platform: Any, name: str, settings: tuple[str, ...], config_file: str | None) -> dict[str, Any]:
    """The config given by --config-file, then --set (later wins), checked against the config class."""
    from zhongtai.core.config import parse_setting
    from zhongtai.core.documents import read_document
    from zhongtai.core.errors import ConfigError

    config: dict[str, Any] = {}
    if config_file is not None:
        data = read_document(config_file)
        if not isinstance(data, dict):
            raise ConfigError(f"{config_file}: a config file must hold a mapping of config keys")
        config.update(data)
    info = platform.plugins.require(name)
    if settings and info.usable:  # an unusable plugin is refused by enable() with the precise reason
        cls = platform.plugins.load(name).config_class
        for assignment in settings:
            key, value = parse_setting(cls, assignment, plugin=name)
            config[key] = value
    return config


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@business_option
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A config value (repeatable); JSON for non-string fields: --set tiers='[1,5]'.")
@click.option("--config-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Config keys from a YAML or JSON file (--set wins over it).")
@click.option("--priority", type=BoundedInt(*PRIORITY_RANGE),
              help="Order among plugins at this business (higher first for 'first').")
@click.option("--replace", is_flag=True, help="Replace this business's own config instead of merging into it.")
@dry_run_option
@json_option
def enable(name: str, business: str, settings: tuple[str, ...], config_file: str | None, priority: int | None,
           replace: bool, dry_run: bool, as_json: bool) -> None:
    """Enable a plugin at a business (and so for its descendants), with config.

    The config is validated against the plugin's config class for the business
    and every descendant that inherits it; nothing is written if it is invalid.

    \b
    Example:
      zhongtai plugins enable pricing.member-tier --business edu.k12 --set 'percent_off={"gold": 10}' --priority 10
      zhongtai plugins enable notifiers.sms -b edu --config-file sms.yaml --dry-run
    """
    cli = state()
    platform = cli.platform
    config = _config_from(platform, name, settings, config_file)
    report = platform.enable(name, business, config=config, priority=priority, actor=cli.actor,
                             dry_run=dry_run, replace_config=replace)
    echo_change(report, f"Enabled {name} at {business}", f"would enable {name} at {business}", as_json)


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@business_option
@dry_run_option
@json_option
def disable(name: str, business: str, dry_run: bool, as_json: bool) -> None:
    """Disable a plugin at a business (and so below it, unless re-enabled lower).

    The level keeps its own config and priority of the plugin: `plugins enable`
    there restores them; `plugins inherit` drops them and makes the level inherit.

    \b
    Example:
      zhongtai plugins disable pricing.price-list --business edu.k12
    """
    cli = state()
    report = cli.platform.disable(name, business, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"Disabled {name} at {business}", f"would disable {name} at {business}", as_json)
    if not as_json and report.after and report.after.get("config"):
        echo(f"Its config at {business} is kept: `zhongtai plugins enable {name} -b {business}` restores it; "
             f"`zhongtai plugins inherit {name} -b {business}` drops it.")


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@business_option
@dry_run_option
@json_option
def inherit(name: str, business: str, dry_run: bool, as_json: bool) -> None:
    """Make a business inherit a plugin again: remove its own row (enabled or disabled, config and all).

    \b
    Example:
      zhongtai plugins disable pricing.price-list --business edu.k12
      zhongtai plugins inherit pricing.price-list --business edu.k12 --dry-run
      zhongtai plugins inherit pricing.price-list --business edu.k12
    """
    cli = state()
    report = cli.platform.inherit(name, business, actor=cli.actor, dry_run=dry_run)
    echo_change(report, f"{business} inherits {name} again", f"would make {business} inherit {name} again",
                as_json)


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@business_option
@json_option
def config(name: str, business: str, as_json: bool) -> None:
    """Show a plugin's effective config at a business: merged root -> leaf, secrets masked.

    \b
    Example:
      zhongtai plugins config notifiers.sms --business edu.k12
    """
    from zhongtai.core.views import config_view

    view = config_view(state().platform, name, business)
    if as_json:
        echo_json(view)
        return
    import json

    echo_table(["key", "value", "from"],
               [[key, json.dumps(value, ensure_ascii=False), view["sources"][key]]
                for key, value in view["config"].items()],
               empty=f"{name} at {business}: no config")


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@click.option("--version-range", required=True, metavar="RANGE",
              help="Versions of the plugin's distribution admitted, e.g. '>=1.2,<2'.")
def certify(name: str, version_range: str) -> None:
    """Admit a plugin's distribution for production mode (platform admins only).

    In production mode only plugins from certified distributions, at versions in
    the certified range, can be enabled.  Certifying again replaces the range.

    \b
    Example:
      zhongtai plugins certify pricing.member-tier --version-range '>=0.1,<1'
    """
    from zhongtai.core import governance

    cli = state()
    cert = governance.certify(cli.platform.registry, cli.platform.plugins.require(name), version_range,
                             actor=cli.actor)
    echo(f"Certified {cert.distribution} {cert.version_range} (plugin {name}).")



@plugins.group()
def pilots() -> None:
    """Pilot businesses of incubating plugins: where they may be enabled before promotion.

    A plugin whose manifest says lifecycle = "incubating" may be enabled only at
    a pilot business or below one, once the registry has a platform admin.
    Platform admins add and remove pilots; anyone may list them.

    \b
    Example:
      zhongtai plugins pilots add verification.fake-provider --business edu.k12
      zhongtai plugins pilots list --json
    """


@pilots.command("add")
@click.argument("name", shell_complete=plugin_names)
@business_option
@dry_run_option
def pilots_add(name: str, business: str, dry_run: bool) -> None:
    """List --business (and its subtree) as a pilot of incubating plugin NAME (platform admins only).

    \b
    Example:
      zhongtai plugins pilots add verification.fake-provider --business edu.k12
    """
    from zhongtai.core import pilots as rules

    cli = state()
    pilot = rules.add(cli.platform, name, business, actor=cli.actor, dry_run=dry_run)
    echo(("Would list " if dry_run else "") + f"{safe_text(pilot.business)} and its subtree "
         + ("as" if dry_run else "are now") + f" pilot businesses of {safe_text(name)}.")


@pilots.command("remove")
@click.argument("name", shell_complete=plugin_names)
@business_option
@dry_run_option
def pilots_remove(name: str, business: str, dry_run: bool) -> None:
    """Take --business off the pilots of NAME (refused while NAME is enabled only thanks to it).

    \b
    Example:
      zhongtai plugins pilots add verification.fake-provider --business edu.k12
      zhongtai plugins pilots remove verification.fake-provider --business edu.k12
    """
    from zhongtai.core import pilots as rules

    cli = state()
    rules.remove(cli.platform, name, business, actor=cli.actor, dry_run=dry_run)
    echo(("Dry run: " if dry_run else "") + f"{safe_text(business)} "
         + ("would no longer be" if dry_run else "is no longer") + f" a pilot business of {safe_text(name)}.")


@pilots.command("list")
@click.argument("name", required=False, shell_complete=plugin_names)
@json_option
def pilots_list(name: str | None, as_json: bool) -> None:
    """List pilot businesses (of NAME) and promoted plugins.

    \b
    Example:
      zhongtai plugins pilots list
      zhongtai plugins pilots list verification.fake-provider --json
    """
    from zhongtai.core import pilots as rules

    platform = state().platform
    found = rules.pilots(platform, name)
    promoted = rules.promotions(platform)
    rows = [{"plugin": p.plugin, "business": p.business, "added_by": p.added_by,
             "added_at": p.added_at.isoformat() if p.added_at else None,
             "promoted": p.plugin in promoted} for p in found]
    if as_json:
        echo_json({"pilots": rows, "promoted": [
            {"plugin": p.plugin, "promoted_by": p.promoted_by,
             "promoted_at": p.promoted_at.isoformat() if p.promoted_at else None}
            for p in sorted(promoted.values(), key=lambda p: p.plugin) if name is None or p.plugin == name]})
        return
    echo_table(["plugin", "pilot business", "added by", "promoted"],
               [[r["plugin"], r["business"], r["added_by"], "yes" if r["promoted"] else ""] for r in rows],
               empty="No pilot businesses.")


@plugins.command()
@click.argument("name", shell_complete=plugin_names)
@dry_run_option
def promote(name: str, dry_run: bool) -> None:
    """Record that incubating plugin NAME may now be enabled at every business (platform admins only).

    \b
    Example:
      zhongtai plugins promote verification.fake-provider
    """
    from zhongtai.core import pilots as rules

    cli = state()
    rules.promote(cli.platform, name, actor=cli.actor, dry_run=dry_run)
    echo(("Would promote " if dry_run else "Promoted ") + f"{safe_text(name)}: it "
         + ("would" if dry_run else "may now") + " be enabled at every business.")
