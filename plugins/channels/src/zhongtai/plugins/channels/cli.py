"""``zhongtai channels``: look at channel permissions.  Thin: the logic is in :mod:`.matrix`."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo
from zhongtai.core.cli.state import CliState, pass_state


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _resource(pairs: tuple[str, ...]) -> dict[str, str]:
    resource: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--resource")
        resource[key.strip()] = value
    return resource


@click.group("channels")
def channels() -> None:
    """Channel permissions: which channel may do what, for whom (channels.authorize).

    \b
    Example:
      zhongtai channels matrix -b mall.flagship --role agent
    """


@channels.command("matrix")
@click.option("--business", "-b", required=True, metavar="CODE", help="Business to decide for.")
@click.option("--role", "roles", multiple=True, required=True, metavar="ROLE",
              help="Role of the actor (repeat for several roles).")
@click.option("--store", metavar="STORE", help="Store the actor acts for.")
@click.option("--agent", metavar="AGENT", help="Agent id of the actor.")
@click.option("--actor-id", default="", metavar="ID", help="Id of the actor.")
@click.option("--resource", "resource_pairs", multiple=True, metavar="KEY=VALUE",
              help="Attribute of the resource acted on (repeatable), e.g. store=s1.")
@click.option("--channels", "channel_list", metavar="A,B", help="Channels (default: those named in the rules).")
@click.option("--actions", "action_list", metavar="A,B", help="Actions (default: those named in the rules).")
@click.option("--explain", is_flag=True, help="Also say which rule of which plugin at which level decided each cell.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, with the deciding rule of every cell.")
@pass_state
def matrix(
    state: CliState, business: str, roles: tuple[str, ...], store: str | None, agent: str | None,
    actor_id: str, resource_pairs: tuple[str, ...], channel_list: str | None, action_list: str | None,
    explain: bool, as_json: bool,
) -> None:
    """Print the channel x action grid of BUSINESS for a role, as decided by channels.authorize.

    \b
    Example:
      zhongtai channels matrix --business mall.flagship --role agent
      zhongtai channels matrix --business telecom.echannel.pickup --role staff \\
          --store s1 --resource store=s1 --actions order.create,order.refund --explain
    """
    import json

    from zhongtai.core.specs.channels import Actor
    from zhongtai.plugins.channels.matrix import build_matrix, render_text

    actor = Actor(id=actor_id, roles=roles, store=store, agent=agent)
    grid = build_matrix(state.platform, business, actor, channels=_csv(channel_list),
                        actions=_csv(action_list), resource=_resource(resource_pairs))
    if as_json:
        echo(json.dumps(grid.to_json(), ensure_ascii=False, indent=2))
    else:
        echo(render_text(grid, explain=explain))
