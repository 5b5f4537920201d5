"""A/B/n experiments: variants of one plugin's config at one business (``zhongtai experiments``).

An experiment names a plugin enabled at a business itself, an outcome event
(the *metric*, e.g. ``order.paid``) and two or more variants, each a weight and
config keys laid over the enablement's own config (the first variant is the
control; ``{}`` is "as configured").  Lifecycle: ``draft`` -> ``running`` ->
``stopped``.  Starting writes the variants onto the enablement row, so every
serving process picks them up like any change; each call with a subject then
runs the subject's variant (Unleash's variant bucketing: sticky per subject)
and records an exposure in memory (see :mod:`zhongtai.core.runtime.exposures`).
Picking a winner makes its config the enablement's config and stops the
experiment.  Every step is one registry change with an audit row.

The report (:func:`report`) is in :mod:`zhongtai.core.experiment_report`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import select

from zhongtai.core import governance
from zhongtai.core.config import build_config, mask_config
from zhongtai.core.errors import ConfigError, NotFound, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.management import ChangeReport, change_impact, not_enabled, run_change, usable
from zhongtai.core.registry.models import ExperimentRow, utcnow
from zhongtai.core.registry.snapshot import Snapshot

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

DRAFT, RUNNING, STOPPED = "draft", "running", "stopped"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
VARIANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_VARIANTS = 10
MAX_WEIGHT = 10_000


@attrs.frozen
class Variant:
    name: str
    weight: int
    config: Mapping[str, Any] = attrs.field(factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "config": dict(self.config)}


@attrs.frozen
class Experiment:
    name: str
    business: str
    plugin: str
    metric: str
    variants: tuple[Variant, ...]
    sample: float
    status: str
    winner: str | None
    created_by: str
    created_at: dt.datetime | None
    started_at: dt.datetime | None
    stopped_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        def iso(at: dt.datetime | None) -> str | None:
            if at is None:
                return None
            return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat(timespec="seconds")

        return {"name": self.name, "business": self.business, "plugin": self.plugin, "metric": self.metric,
                "variants": [v.to_json() for v in self.variants], "sample": self.sample, "status": self.status,
                "winner": self.winner, "created_by": self.created_by, "created_at": iso(self.created_at),
                "started_at": iso(self.started_at), "stopped_at": iso(self.stopped_at)}


def _from_row(row: ExperimentRow) -> Experiment:
    stored: list[dict[str, Any]] = row.variants
    return Experiment(row.name, row.business, row.plugin, row.metric,
                      tuple(Variant(str(v["name"]), int(v["weight"]), dict(v.get("config") or {}))
                            for v in stored),
                      float(row.sample), row.status, row.winner, row.created_by, row.created_at, row.started_at,
                      row.stopped_at)


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise UserError(f"experiment name must be lowercase letters, digits, '.', '_' or '-' (at most 128), "
                        f"not {name!r}"[:300])
    return name


def build_variants(variants: Sequence[Mapping[str, Any] | Variant]) -> tuple[Variant, ...]:
    """Variants from user input; one line naming the problem otherwise."""
    if isinstance(variants, (str, bytes)) or not isinstance(variants, Sequence):
        raise UserError("variants must be a list")
    if not 2 <= len(variants) <= MAX_VARIANTS:
        raise UserError(f"an experiment needs 2 to {MAX_VARIANTS} variants, not {len(variants)}")
    built = []
    for raw in variants:
        item = raw.to_json() if isinstance(raw, Variant) else raw
        if not isinstance(item, Mapping):
            raise UserError("each variant must be a mapping with name, weight and config")
        name, weight, config = item.get("name"), item.get("weight", 1), item.get("config") or {}
        if not isinstance(name, str) or not VARIANT.match(name):
            raise UserError(f"variant name must be lowercase letters, digits, '_' or '-' (at most 64), "
                            f"not {name!r}"[:300])
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
            raise UserError(f"variant {name}: weight must be an integer from 1 to {MAX_WEIGHT}, not {weight!r}"[:300])
        if not isinstance(config, Mapping):
            raise UserError(f"variant {name}: config must be a mapping of config keys")
        built.append(Variant(name, weight, dict(config)))
    names = [v.name for v in built]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UserError(f"variant {duplicate!r} is given twice")
    return tuple(built)


def _sample(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UserError(f"sample must be a number above 0 and at most 1, not {value!r}"[:200]) from None
    if isinstance(value, bool) or not math.isfinite(number) or not 0 < number <= 1:
        raise UserError(f"sample must be a number above 0 and at most 1, not {value!r}"[:200])
    return number


def _check_metric(metric: object) -> str:
    if not isinstance(metric, str) or not metric.strip() or len(metric) > 200 or not metric.isprintable():
        raise UserError("metric must be the name of an outcome event (1 to 200 characters), e.g. order.paid")
    return metric


def _own_row(snap: Snapshot, plugin: str, business: str) -> Any:
    row = snap.enablements.get(business, {}).get(plugin)
    if row is None or not row.enabled:
        raise UserError(not_enabled(snap, plugin, business, itself=True) + "; experiments vary the config of an "
                        "enablement: enable it there first")
    return row


def _check_configs(platform: Platform, plugin: str, snap: Snapshot, business: str,
                   variants: Sequence[Variant]) -> None:
    """Every variant's config, over the enablement's effective config, must be valid for the plugin."""
    cls, _ = usable(platform, plugin)
    effective = snap.effective(business)[plugin]
    for variant in variants:
        if cls is None:
            if variant.config:
                raise ConfigError(f"variant {variant.name}: plugin {plugin!r} takes no config")
            continue
        try:
            build_config(cls, {**effective.config, **variant.config}, plugin=plugin)
        except ConfigError as exc:
            raise ConfigError(f"variant {variant.name}: {exc.message}") from None


def _load(tx: Any, name: str) -> ExperimentRow:
    row: ExperimentRow | None = tx.session.get(ExperimentRow, name)
    if row is None:
        raise NotFound(f"unknown experiment {name!r}")
    return row


def masked(platform: Platform, experiment: Experiment) -> Experiment:
    """*experiment* with its variants' secret config values masked (every value, if the plugin is unknown)."""
    from zhongtai.core.views import masked as masked_config

    return attrs.evolve(experiment, variants=tuple(
        attrs.evolve(v, config=masked_config(platform, experiment.plugin, v.config)) for v in experiment.variants))


def _masked(platform: Platform, plugin: str, experiment: Experiment) -> dict[str, Any]:
    return masked(platform, experiment).to_json()


def create(
    platform: Platform, name: str, *, business: str, plugin: str, metric: str,
    variants: Sequence[Mapping[str, Any] | Variant], sample: object = 1.0, actor: str | None = None,
    dry_run: bool = False,
) -> ChangeReport:
    """Create experiment *name* (a draft: nothing is served differently until :func:`start`)."""
    check_name(name)
    validate_code(business)
    built, share, event = build_variants(variants), _sample(sample), _check_metric(metric)
    platform.plugins.require(plugin)

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        if business not in snap.businesses:
            raise NotFound(f"unknown business {business!r}")
        governance.access(tx.session).require_manage(tx.actor, snap, business, f"create experiments on {plugin}")
        if tx.session.get(ExperimentRow, name) is not None:
            raise UserError(f"experiment {name!r} already exists")
        _own_row(snap, plugin, business)
        _check_configs(platform, plugin, snap, business, built)
        row = ExperimentRow(name=name, business=business, plugin=plugin, metric=event,
                            variants=[v.to_json() for v in built], sample=share, status=DRAFT,
                            created_by=tx.actor, created_at=utcnow())
        tx.session.add(row)
        shown = _masked(platform, plugin, _from_row(row))
        after = {key: shown[key] for key in ("name", "metric", "variants", "sample", "status")}
        tx.record("experiment.create", business=business, plugin=plugin, after=after, note=name)
        # a draft serves nothing differently: every business keeps its plugins as they are
        return ChangeReport("experiment.create", business, plugin, None, after, change_impact(snap, snap, business),
                            False)

    return run_change(platform, actor, dry_run, body)


def _state(row: ExperimentRow) -> dict[str, Any]:
    return {"experiment": row.name, "status": row.status, "winner": row.winner}


def _transition(platform: Platform, name: str, action: str, change: Any, *, actor: str | None,
                dry_run: bool) -> ChangeReport:
    check_name(name)

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        row = _load(tx, name)
        governance.access(tx.session).require_manage(tx.actor, snap, row.business, f"{action} experiment {name}")
        before = _state(row)
        new = change(tx, snap, row)
        after = _state(row)
        tx.record(f"experiment.{action}", business=row.business, plugin=row.plugin, before=before, after=after,
                  note=name)
        tx.flush()
        impact = change_impact(snap, new, row.business) if new is not None else ()
        return ChangeReport(f"experiment.{action}", row.business, row.plugin, before, after, impact, False)

    return run_change(platform, actor, dry_run, body)


def start(platform: Platform, name: str, *, actor: str | None = None, dry_run: bool = False) -> ChangeReport:
    """Serve the variants: one running experiment per plugin and business."""

    def change(tx: Any, snap: Snapshot, row: ExperimentRow) -> Snapshot:
        if row.status != DRAFT:
            raise UserError(f"experiment {name!r} is {row.status}; only a draft can start")
        current = _own_row(snap, row.plugin, row.business)
        if current.experiment:
            raise UserError(f"experiment {current.experiment.get('name')!r} is already running on {row.plugin} "
                            f"at {row.business}; stop it first")
        experiment = _from_row(row)
        _check_configs(platform, row.plugin, snap, row.business, experiment.variants)
        spec = {"name": name, "sample": experiment.sample, "variants": [v.to_json() for v in experiment.variants]}
        tx.put_traffic(row.business, row.plugin, experiment=spec)
        row.status, row.started_at = RUNNING, utcnow()
        return snap.replaced(enablement=attrs.evolve(current, experiment=spec))

    return _transition(platform, name, "start", change, actor=actor, dry_run=dry_run)


def _stop(tx: Any, snap: Snapshot, row: ExperimentRow) -> Snapshot:
    current = snap.enablements.get(row.business, {}).get(row.plugin)
    row.status, row.stopped_at = STOPPED, utcnow()
    if current is None or not current.experiment or current.experiment.get("name") != row.name:
        return snap
    tx.put_traffic(row.business, row.plugin, experiment=None)
    return snap.replaced(enablement=attrs.evolve(current, experiment=None))


def stop(platform: Platform, name: str, *, actor: str | None = None, dry_run: bool = False) -> ChangeReport:
    """Stop serving the variants: every subject gets the enablement's config again."""

    def change(tx: Any, snap: Snapshot, row: ExperimentRow) -> Snapshot:
        if row.status != RUNNING:
            raise UserError(f"experiment {name!r} is {row.status}, not running")
        return _stop(tx, snap, row)

    return _transition(platform, name, "stop", change, actor=actor, dry_run=dry_run)


def pick_winner(platform: Platform, name: str, variant: str, *, actor: str | None = None,
                dry_run: bool = False) -> ChangeReport:
    """Make *variant*'s config the enablement's own config, and stop the experiment."""

    def change(tx: Any, snap: Snapshot, row: ExperimentRow) -> Snapshot:
        if row.status == DRAFT:
            raise UserError(f"experiment {name!r} has not started")
        if row.winner is not None:
            raise UserError(f"experiment {name!r} already has a winner: {row.winner}")
        chosen = next((v for v in _from_row(row).variants if v.name == variant), None)
        if chosen is None:
            known = ", ".join(v.name for v in _from_row(row).variants)
            raise NotFound(f"experiment {name!r} has no variant {variant!r} (variants: {known})")
        snap = _stop(tx, snap, row) if row.status == RUNNING else snap
        current = _own_row(snap, row.plugin, row.business)
        _check_configs(platform, row.plugin, snap, row.business, [chosen])
        config = {**current.config, **chosen.config}
        written = tx.put_enablement(row.business, row.plugin, enabled=True, config=config,
                                    priority=current.priority)
        written.experiment = None
        row.winner = variant
        cls, _ = usable(platform, row.plugin)
        tx.record("plugin.enable", business=row.business, plugin=row.plugin,
                  before={"config": mask_config(cls, current.config)}, after={"config": mask_config(cls, config)},
                  note=f"winner {variant} of experiment {name}")
        return snap.replaced(enablement=attrs.evolve(current, config=config, experiment=None))

    return _transition(platform, name, "winner", change, actor=actor, dry_run=dry_run)


def get(platform: Platform, name: str) -> Experiment:
    check_name(name)
    with platform.registry.session() as session:
        row = session.get(ExperimentRow, name)
        if row is None:
            raise NotFound(f"unknown experiment {name!r}")
        return _from_row(row)


def experiments(platform: Platform, business: str | None = None) -> list[Experiment]:
    """Every experiment (at *business* and below), by name."""
    query = select(ExperimentRow).order_by(ExperimentRow.name)
    if business is not None:
        validate_code(business)
        query = query.where((ExperimentRow.business == business) | ExperimentRow.business.like(business + ".%"))
    with platform.registry.session() as session:
        return [_from_row(row) for row in session.scalars(query)]
