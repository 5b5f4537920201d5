"""Export and import of the whole registry: businesses, enablements, configs.

The document (YAML or JSON, see :mod:`zhongtai.core.documents`) is canonical
-- businesses sorted by code, plugins by name, config keys sorted, no
timestamps -- so export -> import into an empty registry -> export gives the
same document::

    format: zhongtai-registry
    version: 1
    secrets: omitted            # or: included
    businesses:
    - code: edu
      name: Education
      owner: edu-team
      status: active
      plugins:
        pricing.member: {enabled: true, priority: 0, config: {discount: '0.9'}}

Secret config values are left out unless asked for (``env:NAME`` references
are kept: they are not secrets).  Importing a document whose secrets were
omitted keeps the secrets the registry already holds for the same plugin at
the same business.

Import makes the registry equal to the document.  It first validates the whole
document (structure, codes, parents, plugins installed and usable, every
business's effective config valid for the plugin's config class, no priority
conflicts) -- a malformed or hand-edited document writes nothing -- then
computes the plan (added / changed / removed rows) and applies it in one
registry transaction: one revision, one audit row per change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core.actors import resolve_actor
from zhongtai.core.config import ENV_PREFIX, secret_names
from zhongtai.core.errors import NotFound, PluginUnavailable, UserError
from zhongtai.core.identity import depth, parent_of, validate_code
from zhongtai.core.management import STATUSES, Impact, business_impact, default_actor
from zhongtai.core.registry.snapshot import Business, Enablement, Snapshot
from zhongtai.core.views import config_class, masked

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

FORMAT = "zhongtai-registry"
VERSION = 1
_TOP_KEYS = ("format", "version", "secrets", "businesses")
_BUSINESS_KEYS = ("code", "name", "owner", "status", "plugins")
_PLUGIN_KEYS = ("enabled", "priority", "config")


@attrs.frozen
class Change:
    """One row the import adds, changes or removes (config values masked for display)."""

    kind: str  # added | changed | removed
    what: str  # business | plugin
    business: str
    plugin: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@attrs.frozen
class ImportReport:
    """The plan of an import and whether it was applied."""

    changes: tuple[Change, ...]
    impact: tuple[Impact, ...]
    applied: bool = False
    revision: int | None = None

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


# -- export ---------------------------------------------------------------------------------
def _record_secret_export(platform: Platform, actor: str | None) -> None:
    from zhongtai.core import governance

    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.access(tx.session).require_admin(tx.actor, "export secret config values")
        tx.record("registry.export-secrets", after={"secrets": "included"})


def _strip_secrets(platform: Platform, plugin: str, config: Mapping[str, Any]) -> dict[str, Any]:
    if not config:
        return {}
    cls, known = config_class(platform, plugin)
    if not known:
        info = platform.plugins.get(plugin)
        why = "is not installed" if info is None else f"is {info.status}: {info.error}"
        raise UserError(f"cannot tell which config values of plugin {plugin!r} are secret: it {why}; "
                        "fix the plugin or export with --include-secrets")
    secrets = secret_names(cls)
    return {k: v for k, v in config.items()
            if k not in secrets or (isinstance(v, str) and v.startswith(ENV_PREFIX))}


def export_document(platform: Platform, *, include_secrets: bool = False, actor: str | None = None) -> dict[str, Any]:
    """The registry as a canonical document of plain JSON data.

    With *include_secrets* only a platform admin may export (else
    :class:`PermissionDenied`), and the export is recorded in the audit log
    (action ``registry.export-secrets``, one transaction) before anything is read.
    """
    if include_secrets:
        _record_secret_export(platform, actor)
    snapshot = platform.registry.snapshot()
    businesses = []
    for code in sorted(snapshot.businesses):
        row = snapshot.businesses[code]
        plugins: dict[str, Any] = {}
        for name, enablement in sorted(snapshot.enablements.get(code, {}).items()):
            config = dict(enablement.config) if include_secrets else _strip_secrets(platform, name, enablement.config)
            plugins[name] = {"enabled": enablement.enabled, "priority": enablement.priority,
                             "config": {k: config[k] for k in sorted(config)}}
        businesses.append({"code": code, "name": row.name, "owner": row.owner, "status": row.status,
                           "plugins": plugins})
    return {"format": FORMAT, "version": VERSION, "secrets": "included" if include_secrets else "omitted",
            "businesses": businesses}


# -- parsing ----------------------------------------------------------------------------------
@attrs.frozen
class RegistryDocument:
    """A parsed, structurally valid export document."""

    secrets_included: bool
    businesses: tuple[Business, ...]
    enablements: tuple[Enablement, ...]


def _text_limit(column: str) -> int:
    from zhongtai.core.registry.models import BusinessRow

    length = getattr(BusinessRow.__table__.c[column].type, "length", None)
    return int(length) if length else 10_000


def _check_keys(where: str, value: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UserError(f"{where}: expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise UserError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})")
    return value


def _text(where: str, value: Any, column: str) -> str:
    if not isinstance(value, str):
        raise UserError(f"{where}: expected text, got {type(value).__name__}")
    limit = _text_limit(column)
    if len(value) > limit:
        raise UserError(f"{where}: {len(value)} characters; the limit is {limit}")
    return value


def _plugin_row(where: str, code: str, name: Any, value: Any) -> Enablement:
    if not isinstance(name, str) or not name:
        raise UserError(f"{where}: plugin names must be non-empty text")
    entry = _check_keys(f"{where}.{name}", {} if value is None else value, _PLUGIN_KEYS)
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise UserError(f"{where}.{name}.enabled: expected true or false, got {enabled!r}")
    priority = entry.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise UserError(f"{where}.{name}.priority: expected an integer, got {priority!r}")
    config = entry.get("config") or {}
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise UserError(f"{where}.{name}.config: expected a mapping of config keys")
    if not enabled and config:
        raise UserError(f"{where}.{name}: a disabled plugin takes no config")
    return Enablement(code, name, enabled, config, priority)


def parse_document(data: Any, *, source: str = "document") -> RegistryDocument:
    """Check the structure of an export document; every problem is one :class:`UserError` naming where."""
    top = _check_keys(source, data, _TOP_KEYS)
    if top.get("format") != FORMAT:
        raise UserError(f"{source}: not a zhongtai registry export (format must be {FORMAT!r})")
    if top.get("version") != VERSION:
        raise UserError(f"{source}: unsupported export version {top.get('version')!r} (this zhongtai reads {VERSION})")
    secrets = top.get("secrets", "omitted")
    if secrets not in ("omitted", "included"):
        raise UserError(f"{source}: secrets must be 'omitted' or 'included', not {secrets!r}")
    items = top.get("businesses") or []
    if not isinstance(items, list):
        raise UserError(f"{source}: businesses must be a list")
    businesses: dict[str, Business] = {}
    enablements: list[Enablement] = []
    for index, item in enumerate(items):
        where = f"{source}: businesses[{index}]"
        entry = _check_keys(where, item, _BUSINESS_KEYS)
        if "code" not in entry:
            raise UserError(f"{where}: code is missing")
        try:
            code = validate_code(entry["code"])
        except UserError as exc:
            raise UserError(f"{where}: {exc.message}") from None
        where = f"{source}: business {code}"
        if code in businesses:
            raise UserError(f"{where}: listed twice")
        status = entry.get("status", "active")
        if status not in STATUSES:
            raise UserError(f"{where}: status must be one of {', '.join(STATUSES)}, not {status!r}")
        name = _text(f"{where}: name", entry.get("name", code), "name") or code
        owner = _text(f"{where}: owner", entry.get("owner") or "", "owner")
        businesses[code] = Business(code, parent_of(code), name, owner, status)
        plugins = entry.get("plugins") or {}
        if not isinstance(plugins, dict):
            raise UserError(f"{where}: plugins must be a mapping of plugin name to settings")
        enablements.extend(_plugin_row(f"{where}: plugins", code, n, v) for n, v in plugins.items())
    for code, business in businesses.items():
        if business.parent is not None and business.parent not in businesses:
            raise UserError(f"{source}: business {code}: its parent {business.parent!r} is not in the document")
    return RegistryDocument(secrets == "included", tuple(businesses.values()), tuple(enablements))


# -- planning ---------------------------------------------------------------------------------
def _with_kept_secrets(platform: Platform, doc: RegistryDocument, current: Snapshot) -> list[Enablement]:
    """The document's rows; if its secrets were omitted, with the registry's secrets carried over."""
    rows = []
    for row in doc.enablements:
        old = current.enablements.get(row.business, {}).get(row.plugin)
        if not doc.secrets_included and row.enabled and old is not None and old.enabled:
            cls, known = config_class(platform, row.plugin)
            keep = {k: v for k, v in old.config.items() if k in secret_names(cls) and k not in row.config} \
                if known else {}
            if keep:
                row = attrs.evolve(row, config={**row.config, **keep})
        rows.append(row)
    return rows


def _target(platform: Platform, doc: RegistryDocument, current: Snapshot) -> Snapshot:
    return Snapshot(current.revision, doc.businesses, _with_kept_secrets(platform, doc, current), current.mode,
                    current.allowances)


def _validate(platform: Platform, current: Snapshot, target: Snapshot) -> None:
    """Plugins installed and usable, configs valid everywhere they apply, no priority conflicts."""
    from zhongtai.core.management import check_conflicts, usable, validate_config

    for code, rows in sorted(target.enablements.items()):
        for plugin, row in sorted(rows.items()):
            where = f"business {code}, plugin {plugin}"
            if platform.plugins.get(plugin) is None:
                raise NotFound(f"{where}: no installed distribution provides plugin {plugin!r}")
            if not row.enabled:
                continue
            old = current.enablements.get(code, {}).get(plugin)
            unchanged = old is not None and (old.enabled, old.priority, dict(old.config)) == \
                (row.enabled, row.priority, dict(row.config))
            try:
                cls, _ = usable(platform, plugin)
            except PluginUnavailable:
                if unchanged:
                    continue  # already so in the registry: the import does not make it worse
                raise
            try:
                validate_config(platform, plugin, cls, target, code)
                check_conflicts(platform, plugin, target, code, row.priority)
            except UserError as exc:
                raise type(exc)(f"{where}: {exc.message}") from None


def _business_view(b: Business) -> dict[str, Any]:
    return {"name": b.name, "owner": b.owner, "status": b.status}


def _row_view(platform: Platform, row: Enablement) -> dict[str, Any]:
    return {"enabled": row.enabled, "priority": row.priority, "config": masked(platform, row.plugin, row.config)}


def _changes(platform: Platform, current: Snapshot, target: Snapshot) -> list[Change]:
    changes: list[Change] = []
    for code in sorted(set(current.businesses) | set(target.businesses)):
        old, new = current.businesses.get(code), target.businesses.get(code)
        if old is None and new is not None:
            changes.append(Change("added", "business", code, None, None, _business_view(new)))
        elif new is None and old is not None:
            changes.append(Change("removed", "business", code, None, _business_view(old), None))
        elif old is not None and new is not None and _business_view(old) != _business_view(new):
            changes.append(Change("changed", "business", code, None, _business_view(old), _business_view(new)))
        old_rows, new_rows = current.enablements.get(code, {}), target.enablements.get(code, {})
        for plugin in sorted(set(old_rows) | set(new_rows)):
            before, after = old_rows.get(plugin), new_rows.get(plugin)
            if before is None and after is not None:
                changes.append(Change("added", "plugin", code, plugin, None, _row_view(platform, after)))
            elif after is None and before is not None:
                changes.append(Change("removed", "plugin", code, plugin, _row_view(platform, before), None))
            elif before is not None and after is not None and (before.enabled, before.priority, dict(before.config)) \
                    != (after.enabled, after.priority, dict(after.config)):
                changes.append(Change("changed", "plugin", code, plugin, _row_view(platform, before),
                                      _row_view(platform, after)))
    return changes


def _impact(current: Snapshot, target: Snapshot) -> tuple[Impact, ...]:
    """How the import alters each business's effective plugins, status and calls."""
    codes = sorted(set(current.businesses) | set(target.businesses))
    return tuple(i for i in (business_impact(current, target, code) for code in codes) if not i.empty)


def plan_import(platform: Platform, doc: RegistryDocument, current: Snapshot) -> tuple[Snapshot, ImportReport]:
    """Validate *doc* against the installed plugins and compute what importing it into *current* does."""
    target = _target(platform, doc, current)
    _validate(platform, current, target)
    return target, ImportReport(tuple(_changes(platform, current, target)), _impact(current, target))


# -- applying ---------------------------------------------------------------------------------
def _apply(tx: Any, target: Snapshot, changes: list[Change]) -> None:
    note = "zhongtai import"
    for change in changes:  # rows first: businesses cannot go while rows refer to them
        if change.what == "plugin" and change.kind == "removed":
            assert change.plugin is not None
            tx.remove_enablement(change.business, change.plugin)
            tx.record("plugin.forget", business=change.business, plugin=change.plugin, before=change.before,
                      note=note)
    tx.flush()
    removed = [c for c in changes if c.what == "business" and c.kind == "removed"]
    for change in sorted(removed, key=lambda c: -depth(c.business)):
        tx.session.delete(tx.require_business(change.business))
        tx.record("business.remove", business=change.business, before=change.before, note=note)
        tx.flush()
    added = [c for c in changes if c.what == "business" and c.kind == "added"]
    for change in sorted(added, key=lambda c: depth(c.business)):
        b = target.businesses[change.business]
        row = tx.add_business(b.code, b.parent, b.name, b.owner)
        row.status = b.status
        tx.record("business.create", business=b.code, after={"code": b.code, "parent": b.parent,
                                                             **_business_view(b)}, note=note)
        tx.flush()
    for change in changes:
        if change.what == "business" and change.kind == "changed":
            b = target.businesses[change.business]
            row = tx.require_business(b.code)
            row.name, row.owner, row.status, row.updated_by = b.name, b.owner, b.status, tx.actor
            tx.record("business.update", business=b.code, before=change.before, after=change.after, note=note)
        elif change.what == "plugin" and change.kind in ("added", "changed"):
            assert change.plugin is not None
            r = target.enablements[change.business][change.plugin]
            tx.put_enablement(r.business, r.plugin, enabled=r.enabled, config=r.config, priority=r.priority)
            tx.record("plugin.enable" if r.enabled else "plugin.disable", business=r.business, plugin=r.plugin,
                      before=change.before, after=change.after, note=note)


def import_document(platform: Platform, doc: RegistryDocument, *, actor: str | None = None,
                    dry_run: bool = False) -> ImportReport:
    """Make the registry equal to *doc* in one transaction (or, with *dry_run*, only say how)."""
    registry = platform.registry
    _, report = plan_import(platform, doc, registry.snapshot())
    if dry_run or not report.changes:
        return report
    with registry.change(actor or default_actor()) as tx:
        from zhongtai.core.governance import access

        access(tx.session).require_admin(tx.actor, "import a registry document")
        current = registry.snapshot()  # the state under the write lock: plan again against it
        target, report = plan_import(platform, doc, current)
        if not report.changes:
            tx.record("registry.import", note="nothing to change")
        _apply(tx, target, list(report.changes))
        revision = tx.revision
    platform.refresh()
    return attrs.evolve(report, applied=True, revision=revision)
