"""The ``zhongtai`` console script.

Errors are one line on stderr: exit 1 for a user error (``ZhongtaiError``),
2 for a usage error (click), 130 for Ctrl-C -- never a traceback for anything
the user can cause.  Heavy modules (SQLAlchemy, plugins) load only inside the
commands that need them, so ``zhongtai --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from zhongtai.core.cli.lazy import LazyGroup
from zhongtai.core.cli.state import CliState

#: Built-in command groups, imported on use.
BUILTIN_COMMANDS: dict[str, str] = {
    "plugins": "zhongtai.core.cli.plugins:plugins",
    "business": "zhongtai.core.cli.business:business",
    "capabilities": "zhongtai.core.cli.capabilities:capabilities",
    "call": "zhongtai.core.cli.call:call",
    "audit": "zhongtai.core.cli.audit:audit",
    "doctor": "zhongtai.core.cli.doctor:doctor",
    "export": "zhongtai.core.cli.transfer:export",
    "import": "zhongtai.core.cli.transfer:import_",
    "db": "zhongtai.core.cli.db:db",
    "access": "zhongtai.core.cli.access:access",
    "stats": "zhongtai.core.cli.stats:stats",
    "rollout": "zhongtai.core.cli.rollout:rollout",
    "experiments": "zhongtai.core.cli.experiments:experiments",
}

#: First paragraph of each built-in command's help, shown by ``zhongtai --help`` without importing
#: the command's module (a test keeps these equal to the commands' own help).
COMMAND_SUMMARIES: dict[str, str] = {
    "plugins": "List, inspect, enable and disable plugins per business identity.",
    "business": "Create and inspect business identities (edu, edu.k12, ...).",
    "capabilities": "Show every extension point: policy, contract, and which plugins serve it per business.",
    "call": "Invoke EXTENSION_POINT for a business and print the combined result.",
    "audit": "Show the change log: who changed what, when, at which revision (newest first).",
    "doctor": "Check plugins and registry: exit 0 when healthy, 1 when anything is wrong.",
    "export": "Export businesses, enablements and configs as YAML or JSON.",
    "import": "Make the registry equal to an exported document, in one transaction.",
    "db": "Create and upgrade the registry's schema (alembic migrations of zhongtai and its packages).",
    "access": "Who may change what: platform admins, owner-team members, production mode.",
    "stats": "Show call metrics: calls, errors and latency per business, extension point and plugin.",
    "rollout": "Staged rollout: serve a plugin to a percentage of subjects, an allow-list, a time window.",
    "experiments": "A/B/n experiments: variants of a plugin's config at a business, sticky per subject.",
}


def error_line(message: str) -> str:
    """An error message as the one line printed: secrets scrubbed, terminal-safe (see docs/security.md)."""
    from zhongtai.core.scrubbing import scrub
    from zhongtai.core.terminal import safe_text

    return safe_text(scrub(message))


#: The longest single argument Linux passes to a program (MAX_ARG_STRLEN); longer values go in @FILE.
MAX_ARGUMENT = 128 * 1024


class RootGroup(LazyGroup):
    """Turns zhongtai errors into click errors: one line, exit 1 (also under CliRunner).

    Arguments a real command line cannot carry -- a NUL character, or more than
    :data:`MAX_ARGUMENT` characters -- are refused (one line, exit 1) before any
    command sees them (they can only come from an in-process caller).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            if "\x00" in arg:
                raise click.ClickException("an argument contains a NUL control character, which no command line "
                                           "can carry")
            if len(arg) > MAX_ARGUMENT:
                raise click.ClickException(f"an argument of {len(arg):,} characters is longer than a command line "
                                           f"allows ({MAX_ARGUMENT:,}); give long values as @FILE")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from zhongtai.core.errors import ZhongtaiError

        try:
            return super().invoke(ctx)
        except ZhongtaiError as exc:
            error = click.ClickException(error_line(exc.message))
            error.exit_code = exc.exit_code  # type: ignore[misc]  # click declares a ClassVar
            raise error from None
        except click.ClickException as exc:  # usage errors repeat what the user typed
            exc.message = error_line(exc.message)  # type: ignore[misc]
            raise


@click.group(
    cls=RootGroup,
    lazy=BUILTIN_COMMANDS,
    summaries=COMMAND_SUMMARIES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--database-url", envvar="ZHONGTAI_DATABASE_URL", metavar="URL",
              help="Registry database (default: sqlite:///zhongtai.db; env ZHONGTAI_DATABASE_URL).")
@click.option("--as", "actor", envvar="ZHONGTAI_ACTOR", metavar="ACTOR",
              help="Who is making changes, for the audit log (default: the OS user; env ZHONGTAI_ACTOR).")
@click.option("--show-registry", is_flag=True, envvar="ZHONGTAI_SHOW_REGISTRY",
              help="Say on stderr which registry a command reads (password masked; env ZHONGTAI_SHOW_REGISTRY=1).")
@click.option("--log-format", type=click.Choice(["text", "json"]), envvar="ZHONGTAI_LOG_FORMAT",
              help="Structured log lines on stderr: key=value text or JSON (env ZHONGTAI_LOG_FORMAT).")
@click.option("--log-level", metavar="SPEC", envvar="ZHONGTAI_LOG_LEVEL",
              help="Log level, per module if you like: info,zhongtai.gateway=debug (env ZHONGTAI_LOG_LEVEL).")
@click.version_option(package_name="zhongtai-core", prog_name="zhongtai")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, actor: str | None, show_registry: bool,
        log_format: str | None, log_level: str | None) -> None:
    """zhongtai -- per-business plugins for a business middle platform (中台).

    \b
    Example:
      zhongtai business create edu.adult --name "Adult learning" --owner adult-team
      zhongtai plugins enable pricing.member-tier --business edu.adult --set 'percent_off={"gold": 10}'
      zhongtai call pricing.base_price --business edu.k12 --input @request.json --explain
    """
    if log_format or log_level:
        from zhongtai.core import logs

        logs.configure(log_format or "text", log_level or "info")
    if os.environ.get("OTEL_TRACES_EXPORTER"):  # tracing: see docs/observability.md
        from zhongtai.core import telemetry

        telemetry.configure_from_env()
    state = CliState(database_url, actor, show_registry)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI, turning zhongtai errors into one line and an exit code."""
    from zhongtai.core.errors import ZhongtaiError

    try:
        return cli.main(args=argv, prog_name="zhongtai", standalone_mode=False)
    except ZhongtaiError as exc:
        click.echo(f"Error: {error_line(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted; nothing was changed.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing was changed.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
