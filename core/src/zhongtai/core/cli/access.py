"""``zhongtai access``: platform admins, owner-team members, and the registry's mode."""

from __future__ import annotations

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.state import state


@click.group()
def access() -> None:
    """Who may change what: platform admins, owner-team members, production mode.

    A registry with no admin is open to everyone; granting the first admin
    closes it.  The actor is who --as / ZHONGTAI_ACTOR / the OS user says it is:
    database credentials remain the security boundary.

    \b
    Example:
      zhongtai --as alice access grant alice --admin
      zhongtai --as alice access grant kate --team k12-team
      zhongtai --as alice access mode production
    """


def _role(admin: bool, team: str | None) -> tuple[str, str]:
    if admin == bool(team):
        raise click.UsageError("give exactly one of --admin or --team TEAM")
    return ("admin", "") if admin else ("member", team or "")


@access.command()
@click.argument("actor")
@click.option("--admin", is_flag=True, help="Make ACTOR a platform admin.")
@click.option("--team", metavar="TEAM", help="Make ACTOR a member of the owner team TEAM.")
def grant(actor: str, admin: bool, team: str | None) -> None:
    """Grant a role to ACTOR.

    \b
    Example:
      zhongtai --as alice access grant kate --team k12-team
    """
    from zhongtai.core import governance

    role, team_name = _role(admin, team)
    cli = state()
    governance.grant(cli.platform.registry, actor, role, team_name, actor=cli.actor)
    echo(f"{actor} is now {'a platform admin' if role == 'admin' else f'a member of {team_name}'}.")


@access.command()
@click.argument("actor")
@click.option("--admin", is_flag=True, help="Revoke ACTOR's platform admin role.")
@click.option("--team", metavar="TEAM", help="Remove ACTOR from the owner team TEAM.")
def revoke(actor: str, admin: bool, team: str | None) -> None:
    """Revoke a role from ACTOR.

    \b
    Example:
      zhongtai --as alice access grant kate --team k12-team
      zhongtai --as alice access revoke kate --team k12-team
    """
    from zhongtai.core import governance

    role, team_name = _role(admin, team)
    cli = state()
    governance.revoke(cli.platform.registry, actor, role, team_name, actor=cli.actor)
    echo(f"Revoked {role} {team_name}".rstrip() + f" from {actor}.")


@access.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List grants, certified distributions and the registry mode.

    \b
    Example:
      zhongtai access list --json
    """
    from zhongtai.core import governance

    registry = state().platform.registry
    grants = governance.grants(registry)
    certs = governance.certifications(registry)
    mode = governance.mode(registry)
    if as_json:
        echo_json({
            "mode": mode, "open": not any(g.role == "admin" for g in grants),
            "grants": [{"actor": g.actor, "role": g.role, "team": g.team, "granted_by": g.granted_by}
                       for g in grants],
            "certified": [{"distribution": c.distribution, "version_range": c.version_range,
                           "certified_by": c.certified_by} for c in certs],
        })
        return
    is_open = not any(g.role == "admin" for g in grants)
    echo(f"mode: {mode}; governance: {'OPEN (no platform admin yet)' if is_open else 'enforced'}")
    echo_table(["ACTOR", "ROLE", "TEAM", "GRANTED BY"], [[g.actor, g.role, g.team, g.granted_by] for g in grants])
    if certs:
        echo()
        echo_table(["CERTIFIED DISTRIBUTION", "VERSIONS", "BY"],
                   [[c.distribution, c.version_range, c.certified_by] for c in certs])


@access.command()
@click.argument("mode", type=click.Choice(["development", "production"]))
def mode(mode: str) -> None:
    """Set the registry mode; production admits only certified plugins.

    \b
    Example:
      zhongtai --as alice access mode production
    """
    from zhongtai.core import governance

    cli = state()
    governance.set_mode(cli.platform.registry, mode, actor=cli.actor)
    echo(f"The registry is now in {mode} mode.")


def _allow_list_group(kind: str, what: str, value: str, metavar: str) -> click.Group:
    """``access secrets`` / ``access network``: allow, deny, list -- one shape for both allow-lists.

    *value* is the example entry every command's ``--help`` shows.
    """
    allow_example = f"  zhongtai --as alice access {kind} allow {value} --business edu"
    example = allow_example

    @click.group(name=kind, help=f"{what}\n\n\b\nExample:\n{example}")
    def group() -> None:
        pass

    @group.command("allow", help=f"Allow {metavar} for --business and its subtree (platform admins only).\n\n"
                                 f"\b\nExample:\n{example}")
    @click.argument("value", metavar=metavar)
    @click.option("--business", "-b", required=True, metavar="CODE", help="The business (covers its subtree).")
    def allow(value: str, business: str) -> None:
        from zhongtai.core import allowances

        cli = state()
        entry = allowances.allow(cli.platform, kind, value, business, actor=cli.actor)
        echo(f"{entry.value} is now allowed ({kind}) for {business} and its subtree.")

    @group.command("deny", help=f"Remove {metavar} from the allow-list of --business (platform admins only).\n\n"
                                f"\b\nExample:\n{allow_example}\n"
                                f"  zhongtai --as alice access {kind} deny {value} --business edu")
    @click.argument("value", metavar=metavar)
    @click.option("--business", "-b", required=True, metavar="CODE", help="The business it was allowed for.")
    def deny(value: str, business: str) -> None:
        from zhongtai.core import allowances

        cli = state()
        allowances.deny(cli.platform, kind, value, business, actor=cli.actor)
        echo(f"{value} is no longer allowed ({kind}) for {business}.")

    @group.command("list", help="List the allow-list (of --business: its own entries and its ancestors').\n\n"
                                f"\b\nExample:\n{allow_example}\n"
                                f"  zhongtai access {kind} list --business edu.k12")
    @click.option("--business", "-b", metavar="CODE", help="Only what applies to this business.")
    @json_option
    def list_entries(business: str | None, as_json: bool) -> None:
        from zhongtai.core import allowances

        found = allowances.entries(state().platform, kind, business)
        if as_json:
            echo_json([{"business": e.business, kind: e.value, "allowed_by": e.allowed_by,
                        "allowed_at": e.allowed_at.isoformat() if e.allowed_at else None} for e in found])
            return
        echo_table(["BUSINESS", metavar, "ALLOWED BY"], [[e.business, e.value, e.allowed_by] for e in found])

    return group


access.add_command(_allow_list_group(
    "secrets", "Environment variables a business's config may name as env:NAME secrets.",
    "SMS_API_KEY", "NAME"))
access.add_command(_allow_list_group(
    "network", "Internal hosts or CIDRs a business's notifiers (webhooks, gateways, SMTP) may reach.",
    "127.0.0.1/32", "HOST|CIDR"))


@access.group()
def tokens() -> None:
    """API tokens for the gateway (`zhongtai serve`): create, list, revoke.

    A token is bound to a business subtree and a scope: call (call extension
    points), manage (also change businesses and plugins through the admin API)
    or admin (a platform admin; --business may be left out).  The secret is
    shown once and only its hash is stored.

    \b
    Example:
      zhongtai access tokens create --business edu --scope call --expires 90d
      zhongtai access tokens list --business edu
    """


@tokens.command("create")
@click.option("--business", "-b", metavar="CODE", help="The subtree the token is bound to (required unless admin).")
@click.option("--scope", type=click.Choice(["call", "manage", "admin"]), required=True, help="What it may do.")
@click.option("--expires", metavar="DURATION", help="Lifetime such as 30m, 12h, 90d or 2w (default: none).")
@click.option("--name", metavar="NAME", default="", help="A name for listings and audit rows (default: SCOPE-CODE).")
@json_option
def tokens_create(business: str | None, scope: str, expires: str | None, name: str, as_json: bool) -> None:
    """Create an API token and print its secret -- once.

    \b
    Example:
      zhongtai access tokens create --business edu.k12 --scope call --expires 90d --name k12-h5
    """
    from zhongtai.core import tokens as api_tokens

    cli = state()
    lifetime = api_tokens.parse_duration(expires) if expires else None
    issued = api_tokens.create(cli.platform, business=business, scope=scope, name=name, expires=lifetime,
                               actor=cli.actor)
    if as_json:
        echo_json({**api_tokens.describe(issued.token), "token": issued.bearer})
        return
    token = issued.token
    where = token.business or "the whole platform"
    until = f", expires {token.expires_at.isoformat(timespec='seconds')}" if token.expires_at else ""
    echo(f"Created {token.scope} token {token.id} ({token.name}) for {where}{until}.")
    echo("Store it now; it is not shown again:")
    echo(issued.bearer)


@tokens.command("list")
@click.option("--business", "-b", metavar="CODE", help="Only tokens bound at or below CODE.")
@json_option
def tokens_list(business: str | None, as_json: bool) -> None:
    """List API tokens (never their secrets).

    \b
    Example:
      zhongtai access tokens list --json
    """
    from zhongtai.core import tokens as api_tokens

    rows = [api_tokens.describe(t) for t in api_tokens.list_tokens(state().platform.registry, business)]
    if as_json:
        echo_json(rows)
        return
    echo_table(["ID", "NAME", "BUSINESS", "SCOPE", "STATE", "EXPIRES", "LAST USED", "CREATED BY"],
               [[r["id"], r["name"], r["business"] or "*", r["scope"], r["state"], r["expires_at"] or "",
                 r["last_used_at"] or "", r["created_by"]] for r in rows], empty="(no tokens)")


@tokens.command("revoke")
@click.argument("token_id", metavar="ID")
def tokens_revoke(token_id: str) -> None:
    """Revoke the token ID for good.

    \b
    Example:
      zhongtai access tokens revoke 3f9c2a1b7d4e   # error: unknown token
    """
    from zhongtai.core import tokens as api_tokens

    cli = state()
    token = api_tokens.revoke(cli.platform, token_id, actor=cli.actor)
    echo(f"Revoked token {token.id} ({token.name}).")
