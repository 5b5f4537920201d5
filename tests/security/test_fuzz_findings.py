"""What the fuzz suite found beyond the issue's list, each pinned by a regression test."""

from __future__ import annotations

from typing import Any

from tests.helpers.registry_rows import all_rows


def test_db_upgrade_to_an_empty_or_malformed_target_is_one_line(zt: Any) -> None:
    before = all_rows(zt.url)
    for target in ("", "core_0001@x", "@", "heads@"):
        result = zt("db", "upgrade", "--to", target)
        assert result.exit_code == 1, (target, result.output)
        assert result.output.count("Error:") == 1 and "no such revision" in result.output
    assert all_rows(zt.url) == before


def test_nul_characters_in_arguments_are_one_line(zt: Any) -> None:
    for args in (["new-plugin", "vip", "-b", "edu", "-e", "pricing.adjust", "--output", "\x00"],
                 ["theme", "preview", "-b", "shop", "--output", "x\x00y"], ["business", "show", "sh\x00op"]):
        result = zt(*args)
        assert result.exit_code == 1 and result.output.strip().splitlines() == [
            "Error: an argument contains a NUL control character, which no command line can carry"], args


def test_an_argument_longer_than_a_command_line_allows_is_one_line(zt: Any) -> None:
    result = zt("call", "pricing.base_price", "-b", "shop", "--input", "x" * (128 * 1024 + 1))
    assert result.exit_code == 1 and "give long values as @FILE" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_campaign_audience_with_a_too_long_name_is_one_line(zt: Any) -> None:
    result = zt("notify", "campaign", "create", "-b", "shop", "--template", "t", "--audience", "x" * 300)
    assert result.exit_code == 1, result.output
    assert result.output.count("Error:") == 1 and "audience file" in result.output
