"""``zhongtai experiments report``: exposures, conversions, uplift with a 95% CI, p-value, SRM, a plot.

Per variant: *exposures* (subjects served it, first exposure counts),
*conversions* (of those, subjects with the experiment's outcome event at the
experiment's business or below, at or after their exposure), *rate*, the summed
event *value*; against the control (the first variant): the relative *uplift*
of the rate, its 95% confidence interval (ratio of two independent proportions,
log-adjusted) and the two-sided p-value of the difference (score test) -- from
statsmodels, not hand-written formulas.  The sample-ratio-mismatch check is a
chi-square goodness-of-fit (scipy) of the exposures against the weights; a
p-value below 0.001 means the split is broken and the comparison cannot be
trusted.  The statistics libraries are the optional extra
``zhongtai-core[experiments]``; the plot is a small self-made SVG.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from sqlalchemy import distinct, func, select

from zhongtai.core.errors import UserError
from zhongtai.core.experiments import Experiment, get, masked
from zhongtai.core.registry.models import EventRow, ExposureRow

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

SRM_ALPHA = 0.001


def _stats() -> Any:
    try:
        from scipy import stats as scipy_stats
        from statsmodels.stats import proportion
    except ImportError:
        raise UserError("experiment reports need the statistics libraries: "
                        "pip install 'zhongtai-core[experiments]' (scipy, statsmodels)") from None
    return scipy_stats, proportion


def counts(platform: Platform, experiment: Experiment) -> dict[str, tuple[int, int, float]]:
    """Per variant: (exposures, conversions, summed event value), straight from the registry."""
    business = experiment.business
    exposures = (select(ExposureRow.variant, func.count())
                 .where(ExposureRow.experiment == experiment.name).group_by(ExposureRow.variant))
    converted = (
        select(ExposureRow.variant, func.count(distinct(ExposureRow.subject)), func.sum(EventRow.value))
        .join(EventRow, (EventRow.subject == ExposureRow.subject) & (EventRow.name == experiment.metric)
              & (EventRow.at >= ExposureRow.first_at)
              & ((EventRow.business == business) | EventRow.business.like(business + ".%")))
        .where(ExposureRow.experiment == experiment.name).group_by(ExposureRow.variant)
    )
    result = {v.name: (0, 0, 0.0) for v in experiment.variants}
    with platform.registry.session() as session:
        for variant, number in session.execute(exposures):
            if variant in result:
                result[variant] = (int(number), 0, 0.0)
        for variant, number, value in session.execute(converted):
            if variant in result:
                result[variant] = (result[variant][0], int(number), float(value or 0.0))
    return result


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def analyse(experiment: Experiment, data: dict[str, tuple[int, int, float]]) -> dict[str, Any]:
    """The report of *experiment* from its per-variant counts (see the module docstring)."""
    import warnings

    with warnings.catch_warnings():  # zero counts make numpy warn; such values are reported as None
        warnings.simplefilter("ignore", RuntimeWarning)
        return _analyse(experiment, data)


def _analyse(experiment: Experiment, data: dict[str, tuple[int, int, float]]) -> dict[str, Any]:
    scipy_stats, proportion = _stats()
    control = experiment.variants[0]
    n0, c0, _ = data[control.name]
    rows, warnings = [], []
    for variant in experiment.variants:
        n, c, value = data[variant.name]
        row: dict[str, Any] = {"name": variant.name, "weight": variant.weight, "control": variant is control,
                               "config": dict(variant.config), "exposures": n, "conversions": c,
                               "rate": c / n if n else None, "value": value, "rate_ci_low": None,
                               "rate_ci_high": None, "uplift": None, "uplift_ci_low": None,
                               "uplift_ci_high": None, "p_value": None}
        if n:
            low, high = proportion.proportion_confint(c, n, alpha=0.05, method="wilson")
            row["rate_ci_low"], row["rate_ci_high"] = float(low), float(high)
        if variant is not control and n and n0 and c0:
            row["uplift"] = (c / n) / (c0 / n0) - 1
            low, high = proportion.confint_proportions_2indep(c, n, c0, n0, compare="ratio", alpha=0.05,
                                                             method="log-adjusted")
            row["uplift_ci_low"], row["uplift_ci_high"] = _finite(low - 1), _finite(high - 1)
        if variant is not control and n and n0 and (c or c0) and (c < n or c0 < n0):
            test = proportion.test_proportions_2indep(c, n, c0, n0, compare="diff", method="score")
            row["p_value"] = _finite(test.pvalue)
        rows.append(row)
    total = sum(r["exposures"] for r in rows)
    weights = sum(v.weight for v in experiment.variants)
    srm: dict[str, Any] = {"chi2": None, "p_value": None, "mismatch": False}
    if total:
        expected = [total * v.weight / weights for v in experiment.variants]
        chi2, p_value = scipy_stats.chisquare([r["exposures"] for r in rows], expected)
        srm = {"chi2": float(chi2), "p_value": float(p_value), "mismatch": bool(p_value < SRM_ALPHA)}
        if srm["mismatch"]:
            observed = ", ".join(f"{r['name']} {r['exposures']}" for r in rows)
            planned = ", ".join(f"{v.name} {v.weight / weights:.1%}" for v in experiment.variants)
            warnings.append(f"sample ratio mismatch (chi-square p={p_value:.2g} < {SRM_ALPHA}): exposures "
                            f"{observed} do not fit the weights {planned}; do not trust this comparison")
    else:
        warnings.append("no exposures recorded yet")
    return {**experiment.to_json(), "variants": rows, "exposures": total, "srm": srm, "warnings": warnings}


def report(platform: Platform, name: str) -> dict[str, Any]:
    """The JSON-ready report of experiment *name*.  Exposures still buffered here are written first."""
    from zhongtai.core.errors import RegistryError

    experiment = get(platform, name)
    try:
        platform.exposures.flush()
    except RegistryError:
        pass  # report what is in the registry
    return analyse(masked(platform, experiment), counts(platform, experiment))


def svg(data: dict[str, Any]) -> str:
    """Conversion rate per variant with its 95% interval, as a standalone SVG document."""
    variants = data["variants"]
    title = f"{data['name']}: {data['metric']} conversion rate per variant (95% CI)"
    bar, gap, top, height = 60, 50, 50, 300
    width = max(120 + 110 * len(variants), 20 + 8 * len(title))  # room for the bars and the title
    scale_max = max([v["rate_ci_high"] or v["rate"] or 0.0 for v in variants] + [0.01]) * 1.15

    def y(rate: float) -> float:
        return top + height - rate / scale_max * height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 70}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14">{escape(title)}</text>',
             f'<line x1="60" y1="{top + height}" x2="{width - 10}" y2="{top + height}" stroke="#333"/>']
    for tick in range(5):
        rate = scale_max * tick / 4
        parts.append(f'<text x="55" y="{y(rate) + 4:.1f}" text-anchor="end">{rate:.1%}</text>')
    for index, variant in enumerate(variants):
        x = 80 + index * (bar + gap)
        rate = variant["rate"] or 0.0
        colour = "#888" if variant["control"] else "#2a7ab9"
        parts.append(f'<rect x="{x}" y="{y(rate):.1f}" width="{bar}" height="{top + height - y(rate):.1f}" '
                     f'fill="{colour}"/>')
        if variant["rate_ci_low"] is not None:
            mid = x + bar / 2
            low, high = y(variant["rate_ci_low"]), y(variant["rate_ci_high"])
            parts.append(f'<line x1="{mid}" y1="{low:.1f}" x2="{mid}" y2="{high:.1f}" stroke="#000"/>')
            for end in (low, high):
                parts.append(f'<line x1="{mid - 8}" y1="{end:.1f}" x2="{mid + 8}" y2="{end:.1f}" stroke="#000"/>')
        label = escape(variant["name"]) + (" (control)" if variant["control"] else "")
        parts.append(f'<text x="{x + bar / 2}" y="{top + height + 18}" text-anchor="middle">{label}</text>')
        uplift = "" if variant["uplift"] is None else f"{variant['uplift']:+.1%}"
        parts.append(f'<text x="{x + bar / 2}" y="{top + height + 36}" text-anchor="middle">'
                     f'{rate:.2%} {uplift}</text>')
    if data["srm"]["mismatch"]:
        parts.append(f'<text x="10" y="{top + height + 60}" fill="#c00">sample ratio mismatch: '
                     f'do not trust this comparison</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
