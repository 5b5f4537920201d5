"""Per-subject selection of plan entries: rollouts and experiment variants on the call path.

Decided when a plan is compiled: a plan none of whose plugins carries a
rollout or a running experiment has no :class:`Gates` at all, and its calls
run exactly as before.  A plan with gates keeps, per gated plugin, its base
entries and one set of entries per experiment variant (each with the
variant's config already built); a call picks, per gated plugin, "left out",
"base" or a variant from the subject's bucket, and the runner gets the
matching entries.  Entry tuples are cached per combination of picks, so a
call costs one hash per gate and one dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from zhongtai.core.policies import PlanEntry, TraceStep
from zhongtai.core.rollout import Gate, Rollout, bucket

#: Unleash's seed for variant buckets (so variant assignment matches Unleash's too).
VARIANT_SEED = 86028157
#: Seed of the exposure-sampling bucket (independent of the variant bucket).
SAMPLE_SEED = 1_000_003
EXCLUDED = -2  # the plugin is left out of this call
BASE = -1  # the plugin runs with its enablement's config
_CACHE_LIMIT = 512


Layers = tuple[tuple[str, Mapping[str, Any]], ...]


def variant_layers(experiment: tuple[str, Mapping[str, Any]] | None,
                   layers: Layers) -> list[tuple[int, Layers, Mapping[str, Any]]]:
    """(variant index, config layers, the variant's keys) per variant: its keys over the nearest layer's."""
    if experiment is None:
        return []
    (nearest, raw), above = layers[-1], layers[:-1]
    result: list[tuple[int, Layers, Mapping[str, Any]]] = []
    for index, variant in enumerate(experiment[1].get("variants", ())):
        keys: dict[str, Any] = dict(variant.get("config", {}))
        result.append((index, (*above, (nearest, {**raw, **keys})), keys))
    return result


class Split:
    """A running experiment's variants, compiled: subject -> variant index (Unleash's variant bucketing)."""

    __slots__ = ("bounds", "experiment", "group", "level", "names", "sample", "total")

    def __init__(self, spec: Mapping[str, Any], level: str) -> None:
        self.experiment = str(spec["name"])
        self.group = str(spec.get("group") or self.experiment)
        self.level = level
        variants: Sequence[Mapping[str, Any]] = spec["variants"]
        self.names = tuple(str(v["name"]) for v in variants)
        bounds, total = [], 0
        for variant in variants:
            total += int(variant["weight"])
            bounds.append(total)
        self.bounds = tuple(bounds)
        self.total = total
        self.sample = round(float(spec.get("sample", 1.0)) * 10_000)

    def pick(self, subject: str) -> int:
        target = bucket(self.group, subject, self.total, VARIANT_SEED)
        for index, bound in enumerate(self.bounds):
            if target <= bound:
                return index
        return len(self.bounds) - 1

    def sampled(self, subject: str) -> bool:
        """Whether *subject*'s exposures are recorded (sticky: the same subjects every time)."""
        return self.sample >= 10_000 or bucket(self.group, subject, 10_000, SAMPLE_SEED) <= self.sample


class PluginGate:
    """The rollout and/or experiment of one plugin in one plan.

    ``pick(subject)`` -> :data:`EXCLUDED`, :data:`BASE` or a variant index.
    """

    __slots__ = ("level", "pick", "plugin", "rollout", "split")

    def __init__(self, plugin: str, business: str, rollout: tuple[str, Mapping[str, Any]] | None,
                 experiment: tuple[str, Mapping[str, Any]] | None) -> None:
        self.plugin = plugin
        self.rollout = Gate(Rollout.from_json(rollout[1]), rollout[0], plugin) if rollout else None
        self.split = Split(experiment[1], experiment[0]) if experiment else None
        self.level = rollout[0] if rollout else experiment[0] if experiment else business
        self.pick: Callable[[str | None], int] = self._picker()

    def _picker(self) -> Callable[[str | None], int]:
        split = self.split
        admitted = self.rollout.picker(True, False) if self.rollout is not None else None
        if split is None:
            return self.rollout.picker(BASE, EXCLUDED) if self.rollout is not None else (lambda subject: BASE)
        choose = split.pick

        def pick(subject: str | None) -> int:
            if admitted is not None and not admitted(subject):
                return EXCLUDED
            return BASE if subject is None else choose(subject)

        return pick

    def explain(self, subject: str | None) -> tuple[int, list[TraceStep]]:
        """:meth:`pick`, with trace steps saying why."""
        steps = []
        if self.rollout is not None:
            inside, reason, words = self.rollout.explain(subject)
            steps.append(TraceStep(self.plugin, self.level, reason, words))
            if not inside:
                return EXCLUDED, steps
        if self.split is None:
            return BASE, steps
        split = self.split
        if subject is None:
            steps.append(TraceStep(self.plugin, split.level, "no-variant",
                                   f"experiment {split.experiment}: no subject, so the enablement's config"))
            return BASE, steps
        index = split.pick(subject)
        steps.append(TraceStep(self.plugin, split.level, "variant",
                               f"experiment {split.experiment}: subject {subject} gets variant "
                               f"{split.names[index]}"))
        return index, steps


class Gates:
    """The per-subject part of one call plan (see the module docstring)."""

    __slots__ = ("business", "by_pick", "cache", "fast", "gates", "recorder", "single", "slots", "splits")

    def __init__(self, business: str, gates: Sequence[PluginGate],
                 slots: Sequence[tuple[PlanEntry, int, int]], recorder: Any) -> None:
        self.business = business
        self.gates = tuple(gates)
        #: every entry in plan order: (entry, gate index or -1 for ungated, pick it belongs to)
        self.slots = tuple(slots)
        self.recorder = recorder
        self.splits = any(gate.split is not None for gate in self.gates)
        self.cache: dict[tuple[int, ...], tuple[PlanEntry, ...]] = {}
        # the common case, one gated plugin: every possible selection built now
        self.single = self.gates[0].pick if len(self.gates) == 1 else None
        self.by_pick: dict[int, tuple[PlanEntry, ...]] = {}
        if self.single is not None:
            split = self.gates[0].split
            for pick in (EXCLUDED, BASE, *range(len(split.names) if split is not None else 0)):
                self.by_pick[pick] = self._entries((pick,))
        #: one gated plugin, a rollout only: the caller may use ``by_pick[fast(subject)]`` without tracing
        self.fast = self.single if not self.splits else None

    def _entries(self, picks: tuple[int, ...]) -> tuple[PlanEntry, ...]:
        return tuple(entry for entry, gate, want in self.slots if gate < 0 or picks[gate] == want)

    def select(self, subject: str | None, trace: list[TraceStep] | None) -> tuple[PlanEntry, ...]:
        """The entries to run for *subject*; records exposures of experiment variants."""
        single = self.single
        if trace is None and self.fast is not None:
            return self.by_pick[self.fast(subject)]
        if trace is None:
            picks = tuple([gate.pick(subject) for gate in self.gates])
        else:
            chosen = []
            for gate in self.gates:
                pick, steps = gate.explain(subject)
                chosen.append(pick)
                trace.extend(steps)
            picks = tuple(chosen)
        if self.splits and self.recorder is not None and subject is not None:
            for gate, pick in zip(self.gates, picks):
                split = gate.split
                if pick >= 0 and split is not None and split.sampled(subject):
                    self.recorder.expose(split.experiment, split.names[pick], subject, self.business)
        if single is not None:
            return self.by_pick[picks[0]]
        entries = self.cache.get(picks)
        if entries is None:
            entries = self._entries(picks)
            if len(self.cache) < _CACHE_LIMIT:
                self.cache[picks] = entries
        return entries
