"""``zhongtai export`` / ``zhongtai import``: the whole registry as one YAML or JSON document."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import describe_impact, dry_run_option, echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]),
              help="Document format (default: from the file name, else yaml).")
@click.option("--include-secrets", is_flag=True,
              help="Also export secret config values: platform admins only, recorded in the audit log "
                   "(handle the file with care).")
def export(output: str | None, fmt: str | None, include_secrets: bool) -> None:
    """Export businesses, enablements and configs as YAML or JSON.

    Secret config values are left out unless --include-secrets (platform
    admins only; each such export is an audit row); `env:NAME` references are
    kept.  The document is canonical (sorted, no timestamps), so
    it diffs well and export -> import -> export gives the same document.

    \b
    Example:
      zhongtai export -o registry.yaml
      zhongtai export --format json > registry.json
    """
    from zhongtai.core.documents import dump_document, format_of
    from zhongtai.core.transfer import export_document

    cli = state()
    if output is not None:  # before anything is read (or an export of secrets recorded): it can be written
        from zhongtai.core.documents import check_writable

        check_writable(output)
    document = export_document(cli.platform, include_secrets=include_secrets, actor=cli.actor)
    text = dump_document(document, fmt or (format_of(output) if output else "yaml"))
    if output is None:
        echo(text, nl=False)
        return
    from zhongtai.core.documents import write_text

    write_text(output, text)
    echo(f"Exported {len(document['businesses'])} businesses to {output}.", err=True)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@dry_run_option
@json_option
def import_(file: str, dry_run: bool, as_json: bool) -> None:
    """Make the registry equal to an exported document, in one transaction.

    The whole document is validated first (codes, parents, plugins installed
    and usable, configs, priority conflicts); then the plan -- rows added,
    changed, removed -- is shown and applied at once, or with --dry-run only
    shown.  Secrets omitted from the document keep their registry values.

    \b
    Example:
      zhongtai export -o registry.yaml
      zhongtai import registry.yaml --dry-run
      zhongtai import registry.yaml
    """
    from zhongtai.core.documents import read_document
    from zhongtai.core.jsonio import to_json
    from zhongtai.core.transfer import import_document, parse_document

    cli = state()
    document = parse_document(read_document(file), source=file)
    report = import_document(cli.platform, document, actor=cli.actor, dry_run=dry_run)
    if as_json:
        echo_json({**to_json(report), "dry_run": dry_run})
        return
    if report.changes:
        echo_table(["change", "what", "business", "plugin"],
                   [[c.kind, c.what, c.business, c.plugin or ""] for c in report.changes])
    if report.impact:
        echo("")
        echo_table(["business", "effect"], describe_impact(report.impact))
    summary = ", ".join(f"{report.count(kind)} {kind}" for kind in ("added", "changed", "removed"))
    if not report.changes:
        echo("Nothing to change: the registry already matches the document.")
    elif report.applied:
        echo(f"Imported {file}: {summary} (registry revision {report.revision}).")
    else:
        echo(f"Dry run: {summary}; nothing was written.")
