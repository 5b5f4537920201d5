"""``zhongtai doctor``: find broken plugins and registry problems; exit 1 if anything is wrong."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state


@click.command()
@json_option
def doctor(as_json: bool) -> None:
    """Check plugins and registry: exit 0 when healthy, 1 when anything is wrong.

    Imports every installed plugin, then reports broken or incompatible
    plugins, enablements of plugins no longer installed, retired plugins still
    enabled, stored configs that no longer validate, priority conflicts, and
    deprecated plugins in use.

    \b
    Example:
      zhongtai doctor
      zhongtai doctor --json | jq '.findings[] | select(.severity == "error")'
    """
    from zhongtai.core.health import diagnose
    from zhongtai.core.jsonio import to_json

    cli = state()
    findings = diagnose(cli.platform)
    where = cli.registry_label()
    if as_json:
        echo_json({"ok": not findings, "registry": where, "findings": to_json(findings)})
    elif not findings:
        echo(f"No problems found in {where}.")
    else:
        echo(f"registry: {where}")
        echo_table(["severity", "check", "plugin", "business", "problem"],
                   [[f.severity, f.check, f.subject, f.business or "-", f.message] for f in findings])
        errors = sum(1 for f in findings if f.severity == "error")
        echo(f"\n{errors} errors, {len(findings) - errors} warnings.", err=True)
    if findings:
        click.get_current_context().exit(1)
