"""Finding 10 of issue 12: numeric options are bounded click types -- usage errors, never tracebacks."""

from __future__ import annotations

from typing import Any

import click
import pytest

from zhongtai.core.cli.params import BoundedFloat, BoundedInt


def one_line(result: Any, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


NUMERIC_CASES = [
    ["audit", "--limit", "99999999999999999999"],
    ["audit", "--limit", "0"],
    ["audit", "--limit", "1" * 5000],
    ["notify", "worker", "--once", "--lease", "1e400"],
    ["notify", "worker", "--once", "--lease", "nan"],
    ["notify", "worker", "--once", "--backoff", "nan"],
    ["notify", "worker", "--once", "--backoff", "inf"],
    ["notify", "worker", "--once", "--backoff", "-1"],
    ["notify", "worker", "--once", "--idle", "nan"],
    ["notify", "worker", "--once", "--concurrency", "1e3"],
    ["notify", "status", "--messages", "--limit", "99999999999999999999"],
    ["plugins", "enable", "test.price", "-b", "shop", "--priority", "9" * 40],
]


def test_finding_10_numeric_options_are_usage_errors(zt: Any) -> None:
    for args in NUMERIC_CASES:
        one_line(zt(*args), 2)
    for since in ("99999999d", "9" * 40 + "w", "99999999999w"):
        assert "reaches back before the year 1" in one_line(zt("audit", "--since", since), 1)


def test_finding_10_new_plugin_300_character_name_is_one_line(zt: Any, tmp_path: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line(zt("new-plugin", "a" * 300, "-b", "edu", "-e", "pricing.base_price"), 1)
    assert "plugin name is 300 characters long; the limit is 60" in line
    assert not [p for p in tmp_path.iterdir() if p.name != "registry.db"]  # (the fixture's registry)


def test_bounded_types_accept_what_is_in_range() -> None:
    assert BoundedInt(1, 10).convert("7", None, None) == 7
    assert BoundedFloat(0, 60).convert("0.5", None, None) == 0.5
    for bad in ("nan", "inf", "-inf", "1e400", "61", "x"):
        with pytest.raises(click.BadParameter):
            BoundedFloat(0, 60).convert(bad, None, None)


def test_finding_10_every_numeric_option_of_every_command_is_bounded() -> None:
    """New commands cannot bring the class back: numeric options must use the bounded types."""
    from tests.security.test_fuzz_cli import leaf_commands

    unbounded = []
    for path, command in leaf_commands(include_all=True):
        for param in command.params:
            kind = param.type
            if isinstance(kind, (BoundedInt, BoundedFloat)):
                continue
            if isinstance(kind, click.types.FloatParamType) or (
                    isinstance(kind, click.types.IntParamType)
                    and (getattr(kind, "min", None) is None or getattr(kind, "max", None) is None)):
                unbounded.append(f"{' '.join(path)} {param.name}: {kind!r}")
    assert not unbounded, "use zhongtai.core.cli.params.BoundedInt/BoundedFloat: " + "; ".join(unbounded)
