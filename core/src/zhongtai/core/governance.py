"""Governance: who may change what (roles), and which plugins are admitted (准入).

Roles live in the registry (``zt_grant``):

* a **platform admin** may do anything;
* a **member** of a team may manage every business whose owner -- or whose
  ancestor's owner -- is that team: create businesses below it, enable, disable
  and configure plugins there, suspend and resume it;
* anyone may read.

A registry with no admin yet is *open*: anyone may do anything, including
granting the first admin -- from then on the rules hold.  ``zhongtai access
status`` says which state a registry is in.

Admission: in ``production`` mode (a registry setting) a plugin can be enabled
only if its distribution is certified (``zt_certification``: name and version
range, added by an admin) and the installed version is in the range.  Plugins
an application registers in-process (``Platform.add_plugin``) are its own code
and are not subject to admission.

These rules are enforced by the kernel for the *actor* a change names (the
CLI's ``--as`` / ``ZHONGTAI_ACTOR`` / the OS user).  The actor is claimed, not
authenticated: **database credentials remain the security boundary** -- anyone
who can write the registry's tables directly can bypass all of this.  Roles
protect teams from mistakes and make every change attributable; they are not a
defence against someone holding the database password.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zhongtai.core.actors import resolve_actor
from zhongtai.core.discovery import IN_PROCESS, PluginInfo
from zhongtai.core.errors import NotFound, PermissionDenied, UserError
from zhongtai.core.identity import lineage
from zhongtai.core.principals import MANAGE as MANAGE_SCOPE
from zhongtai.core.principals import Token, is_principal, principal_token
from zhongtai.core.registry.models import CertificationRow, GrantRow, RegistryState
from zhongtai.core.registry.snapshot import Snapshot

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Registry

ADMIN = "admin"
MEMBER = "member"
ROLES = (ADMIN, MEMBER)
MODES = ("development", "production")


@attrs.frozen
class Grant:
    actor: str
    role: str
    team: str = ""
    granted_by: str = ""
    granted_at: dt.datetime | None = None


@attrs.frozen
class Certification:
    distribution: str
    version_range: str
    certified_by: str = ""
    certified_at: dt.datetime | None = None


def normalize_distribution(name: str) -> str:
    """PEP 503 normalised distribution name (``Zhongtai_Pricing`` -> ``zhongtai-pricing``)."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


class Access:
    """The grants as one transaction sees them, and the questions asked of them."""

    def __init__(self, grants: list[Grant], session: Session | None = None) -> None:
        self.grants = grants
        self.admins = {g.actor for g in grants if g.role == ADMIN}
        self._session = session  # to look up token principals (see zhongtai.core.tokens)

    @classmethod
    def load(cls, session: Session) -> Access:
        rows = session.scalars(select(GrantRow)).all()
        return cls([Grant(r.actor, r.role, r.team, r.granted_by, r.granted_at) for r in rows], session)

    def _token(self, actor: str) -> Token | None:
        """The token an API-token principal stands for (active, or PermissionDenied); None for others."""
        if self._session is None or not is_principal(actor):
            return None
        return principal_token(self._session, actor)

    @property
    def open(self) -> bool:
        """No admin yet: governance is not enforced (bootstrap)."""
        return not self.admins

    def is_admin(self, actor: str) -> bool:
        """Token principals are admins only with a platform-wide admin token, open registry or not."""
        token = self._token(actor)
        if token is not None:
            return token.scope == ADMIN and token.business is None
        return self.open or actor in self.admins

    def teams(self, actor: str) -> set[str]:
        return {g.team for g in self.grants if g.role == MEMBER and g.actor == actor}

    def require_admin(self, actor: str, what: str) -> None:
        if not self.is_admin(actor):
            raise PermissionDenied(f"{actor} may not {what}: only a platform admin may")

    def require_manage(self, actor: str, snapshot: Snapshot, business: str, what: str) -> None:
        """*actor* must be an admin or a member of the owner team of *business* or an ancestor.

        A token principal needs a ``manage`` or ``admin`` token whose subtree covers *business*.
        """
        token = self._token(actor)
        if token is not None:
            if token.allows(MANAGE_SCOPE) and token.covers(business):
                return
            raise PermissionDenied(
                f"{actor} may not {what} at {business}: its {token.scope} token covers "
                f"{token.business or 'the whole platform'}" + ("" if token.allows(MANAGE_SCOPE) else " for calls only"))
        if self.is_admin(actor):
            return
        owners = [snapshot.businesses[c].owner for c in lineage(business)
                  if c in snapshot.businesses and snapshot.businesses[c].owner]
        mine = self.teams(actor)
        if mine.intersection(owners):
            return
        owned = f"owned by {', '.join(sorted(set(owners)))}" if owners else "owned by no team"
        raise PermissionDenied(
            f"{actor} may not {what} at {business}: it is {owned}, and {actor} is not a member of "
            f"{'that team' if len(set(owners)) == 1 else 'any of those teams'} (ask a platform admin)"
        )


def access(session: Session) -> Access:
    return Access.load(session)


def mode_of(session: Session) -> str:
    return str(session.scalar(select(RegistryState.mode).where(RegistryState.id == 1)) or "development")


def admission_problem(session: Session, info: PluginInfo) -> str | None:
    """Why *info* may not be enabled under the registry's mode, or ``None``."""
    if mode_of(session) != "production":
        return None
    if info.distribution == IN_PROCESS:
        return None  # registered by the running application itself, not installed from a package index
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    name = normalize_distribution(info.distribution)
    row = session.get(CertificationRow, name)
    if row is None:
        return (f"the registry is in production mode and distribution {info.distribution or '?'} is not "
                f"certified (zhongtai plugins certify {info.name} --version-range ...)")
    try:
        admitted = Version(info.version) in SpecifierSet(row.version_range)
    except (InvalidSpecifier, InvalidVersion):
        admitted = False
    if not admitted:
        return (f"the registry is in production mode and {info.distribution} {info.version or '(no version)'} "
                f"is outside its certified range {row.version_range}")
    return None


# -- reads -------------------------------------------------------------------------------
def grants(registry: Registry) -> list[Grant]:
    with registry.session() as session:
        return sorted(Access.load(session).grants, key=lambda g: (g.role, g.team, g.actor))


def certifications(registry: Registry) -> list[Certification]:
    with registry.session() as session:
        return [Certification(r.distribution, r.version_range, r.certified_by, r.certified_at)
                for r in session.scalars(select(CertificationRow).order_by(CertificationRow.distribution))]


def mode(registry: Registry) -> str:
    with registry.session() as session:
        return mode_of(session)


# -- changes (each one registry transaction with an audit row) ---------------------------
def grant(registry: Registry, who: str, role: str, team: str = "", *, actor: str | None = None) -> Grant:
    """Make *who* a platform admin, or a member of *team*."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not who or len(who) > 200 or (role == MEMBER and not (team and len(team) <= 200)):
        raise UserError("grant needs an actor name (and, for a member, a team) of 1-200 characters")
    team = team if role == MEMBER else ""
    with registry.change(resolve_actor(actor)) as tx:
        Access.load(tx.session).require_admin(tx.actor, "grant roles")
        exists = tx.session.scalar(select(GrantRow).where(
            GrantRow.actor == who, GrantRow.role == role, GrantRow.team == team))
        if exists is not None:
            raise UserError(f"{who} is already {_role_text(role, team)}")
        tx.session.add(GrantRow(actor=who, role=role, team=team, granted_by=tx.actor,
                                granted_at=dt.datetime.now(dt.UTC)))
        tx.record("access.grant", after={"actor": who, "role": role, "team": team})
    return Grant(who, role, team, resolve_actor(actor))


def revoke(registry: Registry, who: str, role: str, team: str = "", *, actor: str | None = None) -> None:
    team = team if role == MEMBER else ""
    with registry.change(resolve_actor(actor)) as tx:
        current = Access.load(tx.session)
        current.require_admin(tx.actor, "revoke roles")
        if role == ADMIN and current.admins == {who} and who == tx.actor:
            raise UserError(f"{who} is the last platform admin; grant another admin before revoking this one")
        removed = tx.session.execute(delete(GrantRow).where(
            GrantRow.actor == who, GrantRow.role == role, GrantRow.team == team)).rowcount  # type: ignore[attr-defined]
        if not removed:
            raise NotFound(f"{who} is not {_role_text(role, team)}")
        tx.record("access.revoke", before={"actor": who, "role": role, "team": team})


def set_mode(registry: Registry, new_mode: str, *, actor: str | None = None) -> None:
    if new_mode not in MODES:
        raise UserError(f"mode must be one of {', '.join(MODES)}, not {new_mode!r}")
    with registry.change(resolve_actor(actor)) as tx:
        Access.load(tx.session).require_admin(tx.actor, "change the registry mode")
        state = tx.session.get(RegistryState, 1)
        assert state is not None
        if state.mode == new_mode:
            raise UserError(f"the registry is already in {new_mode} mode")
        before, state.mode = state.mode, new_mode
        tx.record("registry.mode", before={"mode": before}, after={"mode": new_mode})


def certify(registry: Registry, info: PluginInfo, version_range: str, *, actor: str | None = None) -> Certification:
    """Admit the distribution of the plugin *info* describes, at versions in *version_range*, for production mode.

    (Look *info* up with ``platform.plugins.require(name)``.)
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(version_range)
    except InvalidSpecifier:
        raise UserError(f"{version_range!r} is not a version range (e.g. '>=1.0,<2')") from None
    plugin = info.name
    if not info.distribution or info.distribution.startswith("<"):
        raise UserError(f"plugin {plugin!r} comes from no installed distribution; only distributions are certified")
    name = normalize_distribution(info.distribution)
    with registry.change(resolve_actor(actor)) as tx:
        Access.load(tx.session).require_admin(tx.actor, "certify plugins")
        row = tx.session.get(CertificationRow, name)
        before: dict[str, Any] | None = None
        if row is None:
            row = CertificationRow(distribution=name)
            tx.session.add(row)
        else:
            before = {"distribution": name, "version_range": row.version_range}
        row.version_range = version_range
        row.certified_by = tx.actor
        row.certified_at = dt.datetime.now(dt.UTC)
        tx.record("plugin.certify", plugin=plugin, before=before,
                  after={"distribution": name, "version_range": version_range})
    return Certification(name, version_range, resolve_actor(actor))


def _role_text(role: str, team: str) -> str:
    return "a platform admin" if role == ADMIN else f"a member of {team}"
