"""Bounded click parameter types: the one definition every numeric option of every command uses.

click's ``int``/``float``/``IntRange``/``FloatRange`` accept ``nan`` (no comparison
fails for it), ``1e400`` (infinity) and integers of any size, which then break
``timedelta``, SQL ``LIMIT`` or ``sleep`` deep inside a command as a traceback.
:class:`BoundedInt` and :class:`BoundedFloat` always have both ends, refuse
non-finite numbers and over-long text, and fail as a usage error (exit 2, one line).
Import-light (click only): every command module imports this at top level.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # generic in click >= 8.2 only
    _IntType = click.ParamType[int, Any]
    _FloatType = click.ParamType[float, Any]
else:
    _IntType = _FloatType = click.ParamType

#: The most characters a number given on the command line may have.
MAX_NUMBER_TEXT = 40


class BoundedInt(_IntType):
    """An integer from *low* to *high* (both inclusive)."""

    name = "integer"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            try:
                if len(text) > MAX_NUMBER_TEXT:
                    raise ValueError
                number = int(text)
            except ValueError:
                self.fail(f"{_shown(value)} is not an integer from {self.low:,} to {self.high:,}", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{_shown(value)} is not an integer from {self.low:,} to {self.high:,}", param, ctx)
        return number


class BoundedFloat(_FloatType):
    """A finite number from *low* to *high* (both inclusive): never ``nan`` or ``inf``."""

    name = "number"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            if isinstance(value, str) and len(value.strip()) > MAX_NUMBER_TEXT:
                raise ValueError
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if not (math.isfinite(number) and self.low <= number <= self.high):
            self.fail(f"{_shown(value)} is not a number from {self.low:g} to {self.high:g}", param, ctx)
        return number


def _shown(value: Any) -> str:
    text = repr(str(value))
    return text if len(text) <= 40 else text[:37] + "..."


#: Plugin priorities (``plugins enable --priority``); ``zhongtai.core.management`` checks the same range.
PRIORITY_RANGE = (-1_000_000, 1_000_000)

#: The largest integer a registry INTEGER column holds on every backend: the bound of counts and versions.
MAX_INT32 = 2**31 - 1

#: Seconds in a day: the upper bound of leases, back-offs and timeouts given on the command line.
DAY_SECONDS = 86_400.0
